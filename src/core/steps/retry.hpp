// Retries with a doubling delay: the one loop behind every policy step's `retries` and
// `retry_delay` (restore steps and consistency checks alike).
//
// An attempt says whether it succeeded, failed (worth another attempt while retries are left) or
// must stop (aborted: no further attempt). Between attempts the loop waits through a Pause: the
// restore engine waits on its Clock (manual time in tests), a consistency check on a pause that an
// Abort cuts short, which ends the loop at once.
#pragma once

#include <chrono>
#include <functional>

#include "platform/clock.hpp"

namespace wsbkit::steps {

// A wait that may be cut short.
class Pause {
 public:
  virtual ~Pause() = default;
  // Waits `duration`; false when interrupted before it elapsed.
  virtual bool wait(std::chrono::milliseconds duration) = 0;
};

// Waits on a Clock; never interrupted.
class ClockPause final : public Pause {
 public:
  explicit ClockPause(Clock& clock) : clock_(clock) {}
  bool wait(std::chrono::milliseconds duration) override;

 private:
  Clock& clock_;
};

struct RetrySchedule {
  int retries = 0;                          // attempts after the first
  std::chrono::milliseconds first_delay{0}; // before the second attempt; doubled before each next one
};

enum class AttemptResult { succeeded, failed, stop };
enum class RetryEnd {
  succeeded,    // an attempt succeeded
  failed,       // every attempt failed
  stopped,      // an attempt said stop
  interrupted,  // the pause between two attempts was cut short
};

struct RetryOutcome {
  RetryEnd end = RetryEnd::failed;
  int attempts = 0;  // attempts made
};

// Runs attempt(1), attempt(2)... (at most 1 + retries) until one succeeds or stops, waiting
// first_delay, 2 x first_delay, 4 x ... between them (capped at 24 hours per wait).
RetryOutcome retry_with_backoff(const RetrySchedule& schedule, Pause& pause,
                                const std::function<AttemptResult(int attempt)>& attempt);

}  // namespace wsbkit::steps
