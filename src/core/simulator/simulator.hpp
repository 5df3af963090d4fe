// A stand-in for Windows Server Backup: drives a WsbApplication (in process, or an add-in
// activated out of process) through the call sequence WSB uses, and reports every call.
//   backup:  CheckConsistency per component; while a check runs, QueryStatus is polled
//            (Abort when the check outlives the allowed time or abort_after is reached).
//   restore: OrderComponents over all components, IsRollForwardSupported, then per component in
//            the returned order PreRestore, (file restore), PostRestore.
// What WSB's documentation leaves open is an option (README, "WSB's restore sequence: documented
// and assumed"): the input or the returned order, every PreRestore first, a PostRestore skipped
// after a failure, a cancel after some PreRestores, "" or NULL for a missing logical path.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/clock.hpp"
#include "platform/registry.hpp"
#include "platform/com/wsb_application.hpp"

namespace wsbkit {

struct SimulatedComponent {
  std::string name;
  OptionalString logical_path;
};

struct SimulatedCall;

// The order WSB restores in: the one OrderComponents returned (S_OK), or the input order anyway.
enum class RestoreOrder { returned, input };
// Which calls pass "" for a component without a logical path (the others pass NULL).
enum class EmptyLogicalPathIn { none, order, restore };

struct SimulationOptions {
  std::vector<SimulatedComponent> components;
  OptionalString writer_metadata;
  std::vector<std::string> source_volumes;    // \\?\Volume{GUID}\ paths
  std::vector<std::string> snapshot_volumes;  // one per source volume
  bool no_roll_forward = false;
  bool backup = true;
  bool restore = true;
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds check_timeout{std::chrono::minutes(10)};
  std::optional<std::chrono::milliseconds> abort_after;  // cancel every running check after this
  // Which restore calls to make ("order", "rollforward", "pre", "post"); empty = all. Lets a test
  // stop between PreRestore and PostRestore, as a crashed or cancelled restore would.
  std::set<std::string> restore_calls;
  bool makes(const std::string& call) const { return restore_calls.empty() || restore_calls.count(call) > 0; }
  // The undocumented variations of the restore sequence:
  RestoreOrder restore_order = RestoreOrder::returned;
  bool pre_all_first = false;              // every PreRestore, then every PostRestore (not per component)
  std::set<std::string> failed_restores;   // components whose file restore fails (by name)
  bool skip_post_after_failure = false;    // no PostRestore for a failed PreRestore or file restore
  std::optional<std::size_t> cancel_after_pre;  // cancelled after this many PreRestores: no more of
                                                // them; PostRestore only for those made
  EmptyLogicalPathIn empty_logical_path_in = EmptyLogicalPathIn::none;
  // WSB's job cancelled right after the call this matches: a running check is aborted, no further
  // call is made (sim-timeline's --abort-after).
  std::function<bool(const SimulatedCall&)> cancel_after;
};

// One file WSB copies from the backup into place between a component's PreRestore and its
// PostRestore ("(file restore)"), or compares with the backup once the restore is over
// ("(file compare)").
struct RestoredFile {
  std::string component;
  std::string source;      // in the backup (on a snapshot volume)
  std::string path;        // where it is restored to (live)
  std::uint64_t bytes = 0;
  bool ok = true;
  std::string reason;      // why not, when !ok
};

struct SimulatedCall {
  std::string phase;   // "backup" | "restore"
  std::string method;  // "CheckConsistency", ... ; "(file restore)", "(file compare)": WSB's own work
  std::string arguments;
  Hresult hr = hr::ok;
  std::string outcome;  // what the call returned besides its HRESULT, in words
  bool ok = true;       // the HRESULT is one WSB accepts for this method
  // QueryStatus: the check's result it reported (S_OK, E_ABORT, ..._CONSISTENCY_CHECK_FAILED).
  std::optional<Hresult> check_result{};
  // Since the previous call was reported: the call itself (and, for QueryStatus, WSB's polling).
  std::chrono::milliseconds duration{0};
  std::vector<RestoredFile> files{};  // "(file restore)" and "(file compare)": file by file
};

// What WSB does to the files themselves (core/simulator/file_restore.hpp): a component's files
// copied from the backup into place, and all of them compared with the backup afterwards.
class FileRestore {
 public:
  virtual ~FileRestore() = default;
  virtual std::vector<RestoredFile> restore(const SimulatedComponent& component) = 0;
  virtual std::vector<RestoredFile> compare(const std::vector<RestoredFile>& restored) = 0;
};

class Simulator {
 public:
  using Observer = std::function<void(const SimulatedCall&)>;
  // Polling waits and the check timeouts run on `clock`.
  Simulator(WsbApplication& application, Clock& clock, Observer observer)
      : app_(application), clock_(clock), observer_(std::move(observer)) {}

  // Runs the configured phases; returns every call in order.
  std::vector<SimulatedCall> run(const SimulationOptions& options);
  // Restores each component's files between its PreRestore and PostRestore and compares them
  // afterwards; null (the default): only the calls (a --fail-restore still fails its component).
  void restore_files_with(FileRestore* files) { files_ = files; }

 private:
  void emit(std::vector<SimulatedCall>& calls, SimulatedCall call);
  void backup(const SimulationOptions& options, std::vector<SimulatedCall>& calls);
  void restore(const SimulationOptions& options, std::vector<SimulatedCall>& calls);
  std::vector<SimulatedComponent> order(const SimulationOptions& options, std::vector<SimulatedCall>& calls);
  void restore_components(const SimulationOptions& options, const std::vector<SimulatedComponent>& sequence,
                          std::vector<SimulatedCall>& calls);
  void await_check(const SimulationOptions& options, const SimulatedComponent& component, WsbAsync& async,
                   std::vector<SimulatedCall>& calls);
  void await_abort(const SimulatedComponent& component, WsbAsync& async, std::vector<SimulatedCall>& calls);
  bool restore_files(const SimulatedComponent& component, std::vector<SimulatedCall>& calls);
  void compare_files(std::vector<SimulatedCall>& calls);

  WsbApplication& app_;
  Clock& clock_;
  Observer observer_;
  FileRestore* files_ = nullptr;
  std::vector<RestoredFile> restored_;  // what this run restored, for the comparison
  std::optional<std::chrono::steady_clock::time_point> last_emit_;  // duration of each call
  std::function<bool(const SimulatedCall&)> cancel_after_;
  bool cancelled_ = false;  // WSB's job was cancelled (options.cancel_after)
};

// Finds an application under Application Support by writer id or identifier (case-insensitive);
// returns {writer id, CLSID}. Errors name what was looked for and what exists.
struct LocatedAddin {
  std::string writer_id;
  std::string identifier;
  std::string clsid;
};
Result<LocatedAddin> locate_addin(Registry& registry, const std::string& writer_or_identifier);

}  // namespace wsbkit
