// Network facility: just enough for `wait.port` (is something accepting TCP connections there?).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class Network {
 public:
  virtual ~Network() = default;
  // true when a TCP connection to host:port is accepted within `timeout` (then closed at once);
  // false when refused or timed out; an error only when the host name cannot be resolved.
  virtual Result<bool> try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) = 0;
};

}  // namespace wsbkit
