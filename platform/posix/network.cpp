// POSIX network backend (Linux): getaddrinfo, then for each address in order a non-blocking
// connect and poll() until it is accepted, refused, or the time left runs out. Resolver errors
// carry Winsock's codes (platform/network_errors.hpp) so callers see the same numbers on every
// host. Name resolution itself is not bounded by the timeout (the resolver has its own limits).
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>

#include "platform/network_errors.hpp"
#include "platform/posix/backends.hpp"

namespace wsbkit::posix {
namespace {

struct Socket {
  int fd = -1;
  explicit Socket(int f) : fd(f) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

struct FreeAddrinfo {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

std::uint32_t resolver_code(int eai) {
  switch (eai) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
      return network_error::host_not_found;
    case EAI_AGAIN:
      return network_error::try_again;
    default:
      return network_error::no_recovery;
  }
}

enum class Attempt { accepted, refused, no_socket };

// The timeout is waited for inside this one request (poll on the socket with the time left): the
// OS does the waiting, so the deadline stays on the OS's steady clock, not platform/clock.hpp;
// wait.port's polling between attempts uses Clock.

Attempt connect_one(const addrinfo& address, std::chrono::steady_clock::time_point deadline) {
  Socket s(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol));
  if (s.fd < 0) return errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT ? Attempt::refused : Attempt::no_socket;
  if (::connect(s.fd, address.ai_addr, address.ai_addrlen) == 0) return Attempt::accepted;
  if (errno != EINPROGRESS) return Attempt::refused;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Attempt::refused;
    pollfd p{s.fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Attempt::refused;
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return Attempt::refused;
    return error == 0 ? Attempt::accepted : Attempt::refused;
  }
}

class PosixNetwork final : public Network {
 public:
  Result<bool> try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string where = host + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* raw = nullptr;
    if (const int eai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &raw); eai != 0) {
      return Error::win32(resolver_code(eai), "getaddrinfo", where, ::gai_strerror(eai));
    }
    const std::unique_ptr<addrinfo, FreeAddrinfo> addresses(raw);
    bool any_socket = false;
    for (const addrinfo* a = addresses.get(); a; a = a->ai_next) {
      const Attempt attempt = connect_one(*a, deadline);
      if (attempt == Attempt::accepted) return true;
      any_socket = any_socket || attempt != Attempt::no_socket;
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    if (!any_socket) return Error::win32(network_error::no_buffers, "socket", where, "no socket could be created");
    return false;
  }
};

}  // namespace

std::unique_ptr<Network> make_posix_network() { return std::make_unique<PosixNetwork>(); }

}  // namespace wsbkit::posix
