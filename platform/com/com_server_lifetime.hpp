// Lifetime rule of a COM local server, portable so it is tested natively: the server lives while
// any object or server lock is alive, exits when the count drops to zero, and exits after an idle
// timeout while nobody holds anything (started by COM but never connected to). It never exits
// under a held reference: WSB may keep the add-in between PreRestore and PostRestore for as long
// as the file restore takes. The idle timeout runs on a Clock (tests use manual time): the idle
// wait sleeps through it in slices of at most `poll`, so an exit request or a first reference is
// seen within one slice; while referenced, nothing is timed and the wait blocks until released.
//
// Shutdown is one-way and race-free: once the server decides to exit (the last release, the idle
// timeout, or an exit request such as a service STOP) it is stopping, and from then on every new
// activation (activate(): the class factory's CreateInstance, LockServer(TRUE)) and every new call
// (enter_call()) is refused, atomically with the decision, so no object is handed out from a
// server that is unwinding. wait() returns only once no call is in flight: an exit request drains
// the calls already running (they finish; their clients get their answers) before the server
// revokes its class object.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "platform/clock.hpp"

namespace wsbkit {

class ServerLifetime {
 public:
  ServerLifetime(Clock& clock, std::chrono::milliseconds idle_timeout,
                 std::chrono::milliseconds poll = std::chrono::milliseconds(50))
      : clock_(clock), idle_timeout_(idle_timeout), poll_(poll), last_activity_(clock.steady_now()) {}

  // A new object or server lock from outside (CreateInstance, LockServer(TRUE)): false, and
  // nothing counted, once the server is stopping.
  bool activate() {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    ++count_;
    ever_used_ = true;
    last_activity_ = clock_.steady_now();
    return true;
  }
  // A further reference while one is alive (an object a live call creates): always counted.
  void add_ref() {
    std::lock_guard lock(mutex_);
    ++count_;
    ever_used_ = true;
    last_activity_ = clock_.steady_now();
  }
  void release() {
    std::lock_guard lock(mutex_);
    if (count_ > 0) --count_;
    if (count_ == 0 && ever_used_) stopping_ = true;  // the last release: no activation after it
    last_activity_ = clock_.steady_now();
    changed_.notify_all();
  }
  // A hold that is not a client (the add-in's open restore session): it keeps the server alive as
  // a reference does, but does not count as a client having come, so a hold taken and let go
  // before any client leaves the idle timeout in force. let_go() is release().
  void hold() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void let_go() { release(); }
  void request_exit() {
    std::lock_guard lock(mutex_);
    exit_requested_ = true;
    stopping_ = true;
    changed_.notify_all();
  }
  // Every COM method runs between enter_call() and leave_call() (CallScope): false, and the call
  // refused, once the server is stopping.
  bool enter_call() {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    ++calls_;
    return true;
  }
  void leave_call() {
    std::lock_guard lock(mutex_);
    if (calls_ > 0) --calls_;
    changed_.notify_all();
  }

  enum class ExitReason { last_release, idle_timeout, requested };

  // Blocks until the server should exit and no call is in flight; the server is then stopping.
  ExitReason wait() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (stopping_) {
        if (calls_ > 0) {
          changed_.wait(lock);
          continue;
        }
        return exit_requested_ ? ExitReason::requested : ExitReason::last_release;
      }
      if (count_ > 0 || calls_ > 0) {
        changed_.wait(lock);
        continue;
      }
      const auto idle = clock_.steady_now() - last_activity_;
      if (idle >= idle_timeout_) {
        stopping_ = true;  // a first client arriving now is refused, not handed a dying server
        return ExitReason::idle_timeout;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(idle_timeout_ - idle);
      lock.unlock();
      clock_.sleep_for(std::min(left, poll_));
      lock.lock();
    }
  }

  long count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::chrono::milliseconds idle_timeout_;
  std::chrono::milliseconds poll_;
  long count_ = 0;
  bool ever_used_ = false;
  bool exit_requested_ = false;
  bool stopping_ = false;
  long calls_ = 0;
  std::chrono::steady_clock::time_point last_activity_;
};

// One COM method's call: refused (ok() false) once the server is stopping.
class CallScope {
 public:
  explicit CallScope(ServerLifetime& lifetime) : lifetime_(lifetime), entered_(lifetime.enter_call()) {}
  ~CallScope() {
    if (entered_) lifetime_.leave_call();
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  bool ok() const { return entered_; }

 private:
  ServerLifetime& lifetime_;
  bool entered_;
};

}  // namespace wsbkit
