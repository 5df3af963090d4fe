#include "mock/fake_clock.hpp"

#include <numeric>

namespace wsbkit::mock {

FakeClock::FakeClock()
    : wall_(std::chrono::sys_days(std::chrono::year(2024) / 1 / 1)),
      steady_(std::chrono::hours(1)) {}

std::chrono::system_clock::time_point FakeClock::now() {
  std::lock_guard lock(mutex_);
  return wall_;
}

std::chrono::steady_clock::time_point FakeClock::steady_now() {
  std::lock_guard lock(mutex_);
  return steady_;
}

void FakeClock::sleep_for(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  const auto d = std::max(duration, std::chrono::milliseconds(0));
  sleeps_.push_back(d);
  wall_ += d;
  steady_ += d;
}

void FakeClock::advance(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  wall_ += duration;
  steady_ += duration;
}

void FakeClock::set_wall_time(std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mutex_);
  wall_ = when;
}

std::vector<std::chrono::milliseconds> FakeClock::sleeps() const {
  std::lock_guard lock(mutex_);
  return sleeps_;
}

std::chrono::milliseconds FakeClock::total_slept() const {
  std::lock_guard lock(mutex_);
  return std::accumulate(sleeps_.begin(), sleeps_.end(), std::chrono::milliseconds(0));
}

}  // namespace wsbkit::mock
