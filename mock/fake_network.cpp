#include "mock/fake_network.hpp"

#include "platform/network_errors.hpp"
#include "platform/text.hpp"

namespace wsbkit::mock {
namespace {

bool numeric_address(const std::string& host) {
  if (host.find(':') != std::string::npos) return true;  // IPv6
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

Result<bool> FakeNetwork::try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds) {
  std::lock_guard lock(mutex_);
  const std::string where = host + ":" + std::to_string(port);
  attempts_.push_back(where);
  std::vector<std::string> addresses;
  const std::string name = to_lower_ascii(host);
  if (numeric_address(host)) {
    addresses = {host};
  } else if (auto known = hosts_.find(name); known != hosts_.end()) {
    addresses = known->second;
  } else if (name == "localhost") {
    addresses = {"::1", "127.0.0.1"};
  } else {
    return Error::win32(network_error::host_not_found, "GetAddrInfoW", where,
                        "No such host is known.");
  }
  for (const std::string& address : addresses) {
    if (listening_.count({address, port})) return true;
  }
  return false;
}

void FakeNetwork::listen(const std::string& address, std::uint16_t port) {
  std::lock_guard lock(mutex_);
  listening_.insert({address, port});
}

void FakeNetwork::close(const std::string& address, std::uint16_t port) {
  std::lock_guard lock(mutex_);
  listening_.erase({address, port});
}

void FakeNetwork::add_host(const std::string& name, std::vector<std::string> addresses) {
  std::lock_guard lock(mutex_);
  hosts_[to_lower_ascii(name)] = std::move(addresses);
}

std::vector<std::string> FakeNetwork::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

}  // namespace wsbkit::mock
