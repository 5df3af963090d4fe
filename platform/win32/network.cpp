// Win32 network backend: must contain only Win32-specific code. Winsock is started once per
// process (never cleaned up: other users of the process may hold sockets). One attempt: resolve
// with GetAddrInfoW, then for each address in order a non-blocking connect and select() until it
// is accepted, refused, or the time left runs out. Name resolution itself is not bounded by the
// timeout (the system resolver has its own limits).
#include "platform/win32/windows.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <chrono>

#include "platform/network_errors.hpp"
#include "platform/win32/backends.hpp"

namespace wsbkit::win32 {
namespace {

struct socket_traits {
  using type = SOCKET;
  static type invalid() noexcept { return INVALID_SOCKET; }
  static void close(type s) noexcept { ::closesocket(s); }
};
using unique_socket = unique_any<socket_traits>;

struct addrinfo_traits {
  using type = ADDRINFOW*;
  static type invalid() noexcept { return nullptr; }
  static void close(type a) noexcept { ::FreeAddrInfoW(a); }
};
using unique_addrinfo = unique_any<addrinfo_traits>;

// WSAStartup's result, from the first use on (thread-safe static initialisation).
int winsock_started() {
  static const int code = [] {
    WSADATA data;
    return ::WSAStartup(MAKEWORD(2, 2), &data);
  }();
  return code;
}

// true: accepted; false: refused or out of time. The timeout is waited for inside this one request
// (select on the socket with the time left): the OS does the waiting, so the deadline stays on the
// OS's steady clock, not platform/clock.hpp; wait.port's polling between attempts uses Clock.
bool connect_one(const ADDRINFOW& address, std::chrono::steady_clock::time_point deadline) {
  unique_socket s(::socket(address.ai_family, address.ai_socktype, address.ai_protocol));
  if (!s) return false;
  u_long non_blocking = 1;
  if (::ioctlsocket(s.get(), FIONBIO, &non_blocking) != 0) return false;
  if (::connect(s.get(), address.ai_addr, static_cast<int>(address.ai_addrlen)) == 0) return true;
  if (::WSAGetLastError() != WSAEWOULDBLOCK) return false;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  timeval wait{static_cast<long>(left.count() / 1'000'000), static_cast<long>(left.count() % 1'000'000)};
  fd_set writable, failed;
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(s.get(), &writable);
  FD_SET(s.get(), &failed);  // Winsock reports a refused connect here, not as writable
  if (::select(0, nullptr, &writable, &failed, &wait) <= 0) return false;
  if (FD_ISSET(s.get(), &failed)) return false;
  int error = 0;
  int size = sizeof error;
  if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &size) != 0) return false;
  return error == 0;
}

class Win32Network final : public Network {
 public:
  Result<bool> try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (const int code = winsock_started(); code != 0) return win32_error(static_cast<DWORD>(code), "WSAStartup");
    ADDRINFOW hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    unique_addrinfo addresses;
    const int code = ::GetAddrInfoW(widen(host).c_str(), std::to_wstring(port).c_str(), &hints, addresses.put());
    if (code != 0) return win32_error(static_cast<DWORD>(code), "GetAddrInfoW", host + ":" + std::to_string(port));
    for (const ADDRINFOW* a = addresses.get(); a; a = a->ai_next) {
      if (connect_one(*a, deadline)) return true;
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    return false;
  }
};

}  // namespace

std::unique_ptr<Network> make_win32_network() { return std::make_unique<Win32Network>(); }

}  // namespace wsbkit::win32
