// Lifetime rule of a COM local server, portable so it is tested natively: the server lives while
// any object or server lock is alive, exits when the count drops to zero, and exits after an idle
// timeout while nobody holds anything (started by COM but never connected to). It never exits
// under a held reference: WSB may keep the add-in between PreRestore and PostRestore for as long
// as the file restore takes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace wsbkit {

class ServerLifetime {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ServerLifetime(std::chrono::milliseconds idle_timeout) : idle_timeout_(idle_timeout) {}

  void add_ref() {
    std::lock_guard lock(mutex_);
    ++count_;
    ever_used_ = true;
    last_activity_ = Clock::now();
  }
  void release() {
    std::lock_guard lock(mutex_);
    if (count_ > 0) --count_;
    last_activity_ = Clock::now();
    changed_.notify_all();
  }
  void request_exit() {
    std::lock_guard lock(mutex_);
    exit_requested_ = true;
    changed_.notify_all();
  }

  enum class ExitReason { last_release, idle_timeout, requested };

  // Blocks until the server should exit.
  ExitReason wait() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (exit_requested_) return ExitReason::requested;
      if (ever_used_ && count_ == 0) return ExitReason::last_release;
      if (count_ > 0) {
        changed_.wait(lock);
        continue;
      }
      const auto deadline = last_activity_ + idle_timeout_;
      if (Clock::now() >= deadline) return ExitReason::idle_timeout;
      changed_.wait_until(lock, deadline);
    }
  }

  long count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::chrono::milliseconds idle_timeout_;
  long count_ = 0;
  bool ever_used_ = false;
  bool exit_requested_ = false;
  Clock::time_point last_activity_ = Clock::now();
};

}  // namespace wsbkit
