// Manual time: starts at 2024-01-01T00:00:00Z (wall) and moves only when told. sleep_for advances
// both clocks at once and returns immediately, so logic that polls with timeouts runs instantly and
// deterministically; every sleep is recorded.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "platform/clock.hpp"

namespace wsbkit::mock {

class FakeClock final : public Clock {
 public:
  FakeClock();
  std::chrono::system_clock::time_point now() override;
  std::chrono::steady_clock::time_point steady_now() override;
  void sleep_for(std::chrono::milliseconds duration) override;  // negative durations count as 0

  // --- test controls ---
  void advance(std::chrono::milliseconds duration);               // both clocks
  void set_wall_time(std::chrono::system_clock::time_point when); // the wall clock jumps, steady does not
  std::vector<std::chrono::milliseconds> sleeps() const;
  std::chrono::milliseconds total_slept() const;

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point steady_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace wsbkit::mock
