// Time facility: wall-clock time for timestamps, steady time for timeouts, and sleeping. Logic that
// waits (service stop timeouts, polling) takes a Clock so tests run it on manual time.
#pragma once

#include <chrono>

namespace wsbkit {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC), for timestamps; may jump when the system time is set.
  virtual std::chrono::system_clock::time_point now() = 0;
  // Monotonic time, for measuring durations and deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() = 0;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

}  // namespace wsbkit
