// The restore half of the policy: OrderComponents, PreRestore/PostRestore steps with retries,
// conditions and scope, and crash-safe undo through the journal (journal.hpp).
//
// Session: OrderComponents opens one with WSB's component list; then `once` steps (the default
// for service steps) run before the first component's PreRestore and after the last component's
// PostRestore. Without OrderComponents every PreRestore opens a session of its own component and
// its PostRestore closes it. Session state is read from the journal at every call, because COM
// may release and restart the add-in between calls.
//
// Undo: before a service is stopped (or disabled) the journal records it with its prior state and
// start type ("owe"). Whatever is still owed when the session ends (last PostRestore), when a step
// fails, when the session is older than restore.max_duration at the next activation, or on
// `wsbkit repair`, is given back: start type restored, service started if it was running.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/policy/policy.hpp"
#include "core/restore/journal.hpp"
#include "core/restore/restore_engine.hpp"
#include "platform/clock.hpp"
#include "platform/event_log.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"
#include "platform/network.hpp"
#include "platform/process.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

// Stable event ids (README lists them).
namespace event_id {
inline constexpr std::uint32_t addin_started = 1;
inline constexpr std::uint32_t addin_failed = 2;
inline constexpr std::uint32_t session_started = 10;
inline constexpr std::uint32_t session_completed = 11;
inline constexpr std::uint32_t pre_restore_failed = 12;
inline constexpr std::uint32_t post_restore_failed = 13;
inline constexpr std::uint32_t services_given_back = 14;
inline constexpr std::uint32_t interrupted_session_completed = 15;
inline constexpr std::uint32_t journal_damaged = 16;
inline constexpr std::uint32_t policy_invalid = 17;
inline constexpr std::uint32_t step_refused_insecure = 18;
inline constexpr std::uint32_t step_failed_continued = 19;
}  // namespace event_id

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
};

// Why a file may not be trusted ("" when it may): its untrusted writers, or the error that kept
// the check from reading its security (never trusted on missing information).
std::string untrusted_reason(FileSecurity& security, const std::string& path, FileRole role);

// What a completed (repaired) session gave back.
struct RepairOutcome {
  std::string journal;
  std::vector<std::string> services_restarted;
  std::vector<std::string> start_types_restored;
  std::optional<std::string> journal_problem;
};

class PolicyRestoreEngine final : public RestoreEngine {
 public:
  // session_key names the journal (file-safe: the writer id is a good key).
  PolicyRestoreEngine(std::shared_ptr<const policy::Policy> policy, RestoreEnvironment env, std::string session_key);

  Hresult pre_restore(const RestoreRequest& request) override;
  Hresult post_restore(const RestoreRequest& request) override;
  OrderResult order_components(const OrderRequest& request) override;
  bool roll_forward_supported() const override { return policy_->roll_forward_supported; }

  // At activation: a session older than restore.max_duration is completed (what it owes given back).
  Result<std::optional<RepairOutcome>> complete_expired_session();

  std::string journal_path() const;

 private:
  friend Result<std::vector<RepairOutcome>> repair_sessions(const RestoreEnvironment& env,
                                                            const std::optional<std::string>& session_key);
  struct Session;
  Result<Session> load_session();
  Result<void> open_session(Session& session, std::optional<std::vector<std::pair<OptionalString, OptionalString>>> components);
  Hresult run_steps(bool pre, const RestoreRequest& request, Session& session, bool run_once_steps, bool run_component_steps,
                    std::string& failure);
  Result<void> execute(const policy::RestoreStep& step, bool pre, const RestoreRequest& request, Session& session);
  Result<void> execute_once(const policy::RestoreStep& step, bool pre, const RestoreRequest& request, Session& session);
  Result<RepairOutcome> give_back_and_close(Session& session);
  void log_step(const Session& session, const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                int attempt, std::chrono::milliseconds duration, const std::string& result, const std::string& detail,
                std::optional<std::int64_t> exit_code = std::nullopt, bool timed_out = false, const std::string& output = {});

  std::shared_ptr<const policy::Policy> policy_;
  RestoreEnvironment env_;
  std::string session_key_;
  Journal journal_;
};

// `wsbkit repair`: completes every open session journal under state_dir (or only `session_key`'s).
Result<std::vector<RepairOutcome>> repair_sessions(const RestoreEnvironment& env, const std::optional<std::string>& session_key);

}  // namespace wsbkit
