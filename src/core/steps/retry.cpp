#include "core/steps/retry.hpp"

#include <algorithm>

namespace wsbkit::steps {

bool ClockPause::wait(std::chrono::milliseconds duration) {
  clock_.sleep_for(duration);
  return true;
}

RetryOutcome retry_with_backoff(const RetrySchedule& schedule, Pause& pause,
                                const std::function<AttemptResult(int attempt)>& attempt) {
  constexpr std::chrono::milliseconds longest_wait = std::chrono::hours(24);
  const int attempts = 1 + std::max(schedule.retries, 0);
  auto delay = std::clamp(schedule.first_delay, std::chrono::milliseconds(0), longest_wait);
  RetryOutcome outcome;
  for (int n = 1; n <= attempts; ++n) {
    outcome.attempts = n;
    const AttemptResult result = attempt(n);
    if (result == AttemptResult::succeeded) return {RetryEnd::succeeded, n};
    if (result == AttemptResult::stop) return {RetryEnd::stopped, n};
    if (n == attempts) break;
    if (!pause.wait(delay)) return {RetryEnd::interrupted, n};
    delay = std::min(delay * 2, longest_wait);
  }
  outcome.end = RetryEnd::failed;
  return outcome;
}

}  // namespace wsbkit::steps
