// An in-memory network for `wait.port` logic: names resolve like a small hosts file ("localhost"
// is ::1 and 127.0.0.1, numeric addresses resolve to themselves, other names only when added) and
// a connection is accepted only where the test listens. An unknown name fails like Winsock
// (WSAHOST_NOT_FOUND from GetAddrInfoW); a port nobody listens on is refused at once.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "platform/network.hpp"

namespace wsbkit::mock {

class FakeNetwork final : public Network {
 public:
  Result<bool> try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) override;

  // --- test controls ---
  void listen(const std::string& address, std::uint16_t port);  // "127.0.0.1", "::1"
  void close(const std::string& address, std::uint16_t port);
  void add_host(const std::string& name, std::vector<std::string> addresses);
  // Every attempt as "host:port", in order.
  std::vector<std::string> attempts() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::pair<std::string, std::uint16_t>> listening_;
  std::map<std::string, std::vector<std::string>> hosts_;  // lower-case name -> addresses
  std::vector<std::string> attempts_;
};

}  // namespace wsbkit::mock
