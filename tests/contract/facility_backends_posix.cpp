// Facility backends for the contracts: the real POSIX network, with a real loopback listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "platform/posix/backends.hpp"
#include "tests/contract/facility_backends.hpp"

namespace wsbkit::contract {
namespace {

class PosixListener final : public Listener {
 public:
  PosixListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    socklen_t size = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
  }
  ~PosixListener() override { ::close(fd_); }
  std::uint16_t port() const override { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

NetworkBackend make_network_backend() {
  return {"posix", posix::make_posix_network(), [] { return std::unique_ptr<Listener>(std::make_unique<PosixListener>()); }};
}

}  // namespace wsbkit::contract
