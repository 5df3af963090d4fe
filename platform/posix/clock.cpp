// POSIX clock backend: the standard clocks (CLOCK_REALTIME / CLOCK_MONOTONIC on Linux).
#include <thread>

#include "platform/posix/backends.hpp"

namespace wsbkit::posix {
namespace {

class PosixClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steady_now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds duration) override {
    if (duration.count() > 0) std::this_thread::sleep_for(duration);
  }
};

}  // namespace

std::unique_ptr<Clock> make_posix_clock() { return std::make_unique<PosixClock>(); }

}  // namespace wsbkit::posix
