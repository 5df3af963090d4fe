// The restore half of the policy: OrderComponents, PreRestore/PostRestore steps with retries,
// conditions and scope, and crash-safe undo through the restore session (session.hpp).
//
// Session: OrderComponents opens one with WSB's component list; then `once` steps (the default
// for service steps) run before the first component's PreRestore and after the PostRestore that
// ends the session: the one after which every component that had a PreRestore has had its
// PostRestore and every listed component has had its PreRestore, in whatever order WSB calls them
// (post_restore_ends_session). A repeated OrderComponents while a restore is under way keeps the
// session (nothing given back mid-restore). Without OrderComponents every PreRestore opens a session of its own component and
// its PostRestore closes it. Session state is read from the journal at every call, because COM
// may release and restart the add-in between calls.
//
// Serialised: every call (and `wsbkit repair`, and expiry) takes the engine's mutex, so concurrent
// COM calls get the outcomes of the same calls made one by one; and, with `env.locks`, the
// session's cross-process lock (sessions\<key>.lock), which the process that opened a session
// keeps until the session ends. While it holds it, `env.keep_alive` holds the process (the COM
// server does not exit), so a lock nobody holds means the session's process is gone: only then may
// another process, `wsbkit repair` or expiry give back what it owes.
//
// Undo: before a service is stopped (or disabled) the journal records it with its prior state and
// start type ("owe"). Whatever is still owed when the session ends (last PostRestore), when a step
// fails, when an exception escapes a step, when the session is older than restore.max_duration,
// or on `wsbkit repair`, is given back: start type restored, service started if it was running.
// A give-back waits at most env.give_back_timeout; what it could not give back stays owed in the
// journal, which is then kept.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/policy/policy.hpp"
#include "core/restore/session.hpp"
#include "core/restore/restore_engine.hpp"
#include "core/steps/event_ids.hpp"
#include "core/steps/process_step.hpp"
#include "core/steps/run_log.hpp"
#include "platform/clock.hpp"
#include "platform/digests.hpp"
#include "platform/event_log.hpp"
#include "platform/file_lock.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"
#include "platform/network.hpp"
#include "platform/process.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

struct RestoreEnvironment {
  FileSystem& files;
  ServiceControl& services;
  Clock& clock;
  EventLog& events;
  ProcessRunner* processes = nullptr;  // null: `run` steps fail with a clear message
  Network* network = nullptr;          // null: `wait.port` steps fail with a clear message
  std::string state_dir;               // journal in state_dir/sessions, run logs in state_dir/logs
  std::string separator = "\\";
  std::chrono::milliseconds poll{50};
  // null: no ownership check (tests); set in the add-in: a `run` executable writable by anyone
  // but SYSTEM/Administrators is refused.
  FileSecurity* security = nullptr;
  // null: calls are serialised within this process only (tests, `simulate --in-process`).
  FileLocks* locks = nullptr;
  // How long a call waits for a session another live process is working on.
  std::chrono::milliseconds lock_wait{std::chrono::seconds(60)};
  // The bound of one give-back (start types restored, services started).
  std::chrono::milliseconds give_back_timeout{std::chrono::minutes(5)};
  // Told `true` when this process takes a session's lock and `false` when it lets go of it: the
  // add-in holds its COM server alive in between. Empty: nothing to tell.
  std::function<void(bool)> keep_alive{};
  // The journal's authentication (core/restore/journal.hpp): without both, every journal is
  // refused and none is written (nothing unauthenticated is ever acted on).
  Digests* digests = nullptr;
  std::string journal_key{};
  // Set when the state folder or the journal key failed its check at start (state_folder.hpp):
  // every call is refused with it and nothing under state_dir is read or written.
  std::optional<std::string> state_problem{};
};

// What a completed (repaired) session gave back, or why it was left alone.
struct RepairOutcome {
  std::string journal;
  std::vector<std::string> services_restarted;
  std::vector<std::string> start_types_restored;
  std::optional<std::string> journal_problem;  // the journal's tail was damaged; its valid part was used
  bool live = false;                           // another live process holds the session: nothing touched
  std::optional<std::string> problem;          // what could not be given back (the journal is kept)
  std::vector<std::string> refused;            // boot/system start services left alone ("Name: why")
};

class PolicyRestoreEngine final : public RestoreEngine {
 public:
  // session_key names the journal and the lock file (file-safe: the writer id is a good key).
  PolicyRestoreEngine(std::shared_ptr<const policy::Policy> policy, RestoreEnvironment env, std::string session_key);
  ~PolicyRestoreEngine() override;

  Hresult pre_restore(const RestoreRequest& request) override;
  Hresult post_restore(const RestoreRequest& request) override;
  OrderResult order_components(const OrderRequest& request) override;
  bool roll_forward_supported() const override { return policy_->roll_forward_supported; }

  // A session older than restore.max_duration is completed (what it owes given back), unless
  // another live process holds it. Called at activation and periodically while the add-in lives.
  Result<std::optional<RepairOutcome>> complete_expired_session();
  // How long until the session this process holds open reaches restore.max_duration (negative:
  // past it); none when this process holds no open session.
  std::optional<std::chrono::milliseconds> held_session_expires_in();

  std::string journal_path() const;

 private:
  friend Result<RepairOutcome> repair_session(const RestoreEnvironment& env, const std::string& session_key);
  template <class Body>
  auto contained(const char* method, Hresult failure, Body&& body) -> decltype(body());
  Hresult after_exception(const char* method, Hresult failure, const std::string& what);

  Hresult pre_restore_locked(const RestoreRequest& request);
  Hresult post_restore_locked(const RestoreRequest& request);
  OrderResult order_components_locked(const OrderRequest& request);
  Result<std::optional<RepairOutcome>> complete_expired_locked();
  Hresult fail_pre_restore(const RestoreRequest& request, std::string failure);

  Result<bool> claim(std::chrono::milliseconds wait);
  void let_go_unless_open();
  Result<void> load();
  Result<void> load_journal();
  std::string keep_damaged_journal();
  Result<void> start_session(std::optional<ComponentList> components);
  Result<RepairOutcome> give_back_and_close();

  Result<void> run_steps(bool pre, const RestoreRequest& request, bool run_once_steps);
  Result<void> execute(const policy::RestoreStep& step, bool pre, const RestoreRequest& request);
  // One attempt; a `run` step leaves what its process did in `process` (for the run log).
  Result<void> execute_once(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                            std::optional<steps::ProcessStepOutcome>& process);
  Result<void> stop_services(const policy::RestoreStep& step, const policy::ServiceStop& stop);
  Result<void> start_services(const policy::RestoreStep& step, const policy::ServiceStart& start);
  Result<void> run_process(const policy::RestoreStep& step, const policy::Run& run, bool pre, const RestoreRequest& request,
                           std::optional<steps::ProcessStepOutcome>& process);
  Result<void> wait_port(const policy::RestoreStep& step, const policy::WaitPort& port);
  Result<void> wait_file(const policy::RestoreStep& step, const policy::WaitFile& file);
  // One line of the run log (state_dir\logs\restore-<session>.jsonl) per attempt.
  Result<void> log_step(const policy::RestoreStep& step, bool pre, const RestoreRequest& request, int attempt,
                        std::chrono::milliseconds duration, const Result<void>& result,
                        const std::optional<steps::ProcessStepOutcome>& process);
  // A run log line's common fields (times, session, phase, step, component), and its append.
  steps::JsonLine log_line(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                           std::chrono::milliseconds duration);
  Result<void> append_log(const steps::JsonLine& line);
  // One line (result "skipped", the reason) for a step that does not run for this call.
  void log_skipped(const policy::RestoreStep& step, bool pre, const RestoreRequest& request, const std::string& reason);
  void report(EventSeverity severity, std::uint32_t id, const std::string& message);

  std::shared_ptr<const policy::Policy> policy_;
  RestoreEnvironment env_;
  std::string session_key_;
  RestoreSession session_;
  std::mutex calls_;                  // one call at a time, whichever COM thread it comes on
  std::unique_ptr<FileLock> claim_;   // this process's hold on the session (cross-process)
};

// `wsbkit repair` of one session: gives back what it owes unless another live process holds it.
Result<RepairOutcome> repair_session(const RestoreEnvironment& env, const std::string& session_key);

// `wsbkit repair`: every session journal under state_dir (or only `session_key`'s), each in turn;
// one it cannot complete is reported in its outcome and the others are still done.
Result<std::vector<RepairOutcome>> repair_sessions(const RestoreEnvironment& env, const std::optional<std::string>& session_key);

}  // namespace wsbkit
