// CheckConsistency from the policy's `backup.check` steps (check_policy.hpp).
//
// start() picks the steps that apply to the component (`when.component`); none -> S_FALSE. Else it
// starts one worker thread for this check and returns S_OK with the async operation:
//   QueryStatus: WSBAPP_ASYNC_IN_PROGRESS while running, then S_OK, or
//                WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED (reason in the event log and run log),
//                or E_ABORT once an Abort has stopped the work.
//   Abort:       returns at once; hashing loops stop within one read chunk, a retry delay is cut
//                short, a checker process tree is killed (when the process runner can cancel);
//                QueryStatus reports E_ABORT as soon as the worker has stopped.
//   Release:     the last reference aborts a running check and waits for its worker, so nothing
//                outlives the async object (the COM server stays alive until then).
// Several checks run at once, each on its own thread (and hashing threads for manifests).
//
// A `run` check is a process step (core/steps/process_step.hpp), exactly like a restore `run` step:
// the same trust check of the executable (refused with event 18 when others may change it), exit
// codes compared as 32-bit values, output excerpts that are valid UTF-8. Retries wait with the
// same doubling delay (core/steps/retry.hpp).
//
// Every path is read on the snapshot: policy paths are mapped through the volume pairs WSB passes
// (snapshot_paths.hpp); a path on no given volume fails the check with a message naming it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/consistency/consistency_checks.hpp"
#include "core/policy/policy.hpp"
#include "platform/clock.hpp"
#include "platform/digests.hpp"
#include "platform/environment.hpp"
#include "platform/event_log.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"
#include "platform/privileges.hpp"
#include "platform/process.hpp"
#include "platform/volumes.hpp"

namespace wsbkit {

struct ConsistencyEnvironment {
  FileSystem& files;
  Volumes& volumes;
  Clock& clock;
  EventLog& events;
  ProcessRunner* processes = nullptr;  // null: `run` checks fail with a clear message
  // Folder of the run logs: one JSON-lines file per check, "check-<time>-<n>.jsonl" (created if
  // missing); "" = no run log.
  std::string log_dir;
  std::string separator = "\\";
  int hash_threads = 0;  // 0: one per processor, at most 8 (a step's `parallelism` overrides)
  std::chrono::milliseconds progress_interval{1000};
  Digests* digests = nullptr;  // SHA-256 (sha256sum) manifests; null: they fail saying so
  // null: no ownership check (tests); set in the add-in: a `run` checker writable by anyone but
  // SYSTEM/Administrators is refused (event 18), exactly like a restore `run` step.
  FileSecurity* security = nullptr;
  // Expands %NAME% in writer metadata paths ("%SystemRoot%\Ledger") from the add-in's own
  // environment, as VSS documents them; null: a writer path holding '%' fails the check saying so.
  Environment* environment = nullptr;
  // SeBackupPrivilege, enabled while a check runs and put back after (snapshot data whose ACL
  // excludes SYSTEM is read through backup semantics); null: not enabled (tests, no privilege).
  BackupPrivilege* backup_privilege = nullptr;
};

class PolicyConsistencyChecks final : public ConsistencyChecks {
 public:
  PolicyConsistencyChecks(std::shared_ptr<const policy::Policy> policy, ConsistencyEnvironment env);
  ConsistencyResult start(const ConsistencyRequest& request) override;
  // Checks whose worker has not finished yet.
  int running() const { return running_->load(); }

 private:
  std::shared_ptr<const policy::Policy> policy_;
  ConsistencyEnvironment env_;
  std::shared_ptr<std::atomic<int>> running_ = std::make_shared<std::atomic<int>>(0);
  std::atomic<unsigned> started_{0};
};

// The factory the add-in's main calls.
std::unique_ptr<ConsistencyChecks> make_policy_consistency_checks(std::shared_ptr<const policy::Policy> policy,
                                                                  ConsistencyEnvironment env);

}  // namespace wsbkit
