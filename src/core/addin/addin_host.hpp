// Everything the add-in process sets up around the core, portable so it is tested natively:
// load and validate the policy, build the restore engine (and the consistency checks when a
// factory is given), complete an expired restore session at activation, and hand COM a fresh
// AddinCore per object.
//
// An invalid or unreadable policy never leads to guessing: the add-in still answers every call,
// but PreRestore and CheckConsistency fail with the reason in the event log, and PostRestore still
// gives back whatever an earlier session owes (the journal needs no policy).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/addin/addin_core.hpp"
#include "core/policy/policy.hpp"
#include "core/restore/policy_restore_engine.hpp"
#include "platform/registry.hpp"

namespace wsbkit {

struct AddinSettings {
  std::optional<std::string> policy_path;
  std::string clsid;  // braced; names the journal when the policy has no writer id
  // How often a live add-in looks for a session older than restore.max_duration that a dead
  // process left; the session this process holds open is completed at its own expiry (within one
  // timer slice), whatever this says. 0: only at activation.
  std::chrono::milliseconds expiry_check_interval{std::chrono::minutes(1)};
  // The timer sleeps on the Clock in slices of at most this, so the host's end is seen within one:
  // short, because the process waits for it after it has revoked its class object, and an
  // activation meanwhile reaches a server that is gone.
  std::chrono::milliseconds timer_slice{20};
  // The writer whose Application Support entry names this CLSID (writer_for_clsid), braced;
  // nullopt when none does. A policy naming another writer is refused, and the journal is named
  // after this writer.
  std::optional<std::string> writer_id{};
};

using ConsistencyChecksFactory =
    std::function<std::unique_ptr<ConsistencyChecks>(std::shared_ptr<const policy::Policy> policy)>;

class AddinHost {
 public:
  AddinHost(RestoreEnvironment env, CallLog& log, AddinSettings settings, ConsistencyChecksFactory checks_factory = {});

  ~AddinHost();
  // Runs once per process start: completes a session older than restore.max_duration, then starts
  // the expiry timer (on the Clock): the session this process holds is completed when it reaches
  // restore.max_duration, so a process WSB never comes back to gives back and lets go of itself
  // (its keep_alive hold ends, and with it the COM server); other sessions are checked every
  // expiry_check_interval. The timer ends with the host.
  void on_activation();
  // One expiry check (what the periodic check runs).
  void complete_expired_session();
  std::shared_ptr<WsbApplication> make_application();

  bool policy_loaded() const { return policy_ != nullptr; }
  const std::string& policy_problem() const { return policy_problem_; }
  std::string session_key() const { return session_key_; }

 private:
  RestoreEnvironment env_;
  CallLog& log_;
  AddinSettings settings_;
  std::shared_ptr<const policy::Policy> policy_;
  std::string policy_problem_;
  std::string session_key_;
  std::unique_ptr<RestoreEngine> restore_;
  std::unique_ptr<ConsistencyChecks> checks_;
  void run_expiry_timer(PolicyRestoreEngine& engine);
  bool timer_stopping();
  // The expiry timer's thread; it sleeps on env_.clock, so tests run it on manual time.
  std::mutex timer_mutex_;
  bool stopping_ = false;
  std::thread timer_;
};

// The writer (braced key name) whose Application Support entry names `clsid`; nullopt when none.
Result<std::optional<std::string>> writer_for_clsid(Registry& registry, const std::string& clsid);

// A file-name-safe journal key: the writer id without braces, else the CLSID's.
std::string session_key_for(const std::string& writer_or_clsid);

}  // namespace wsbkit
