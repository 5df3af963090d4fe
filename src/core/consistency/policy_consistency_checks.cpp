#include "core/consistency/policy_consistency_checks.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/consistency/glob.hpp"
#include "core/consistency/manifest_verifier.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "core/consistency/writer_metadata.hpp"
#include "core/steps/event_ids.hpp"
#include "core/steps/process_step.hpp"
#include "core/steps/retry.hpp"
#include "core/steps/run_log.hpp"
#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

using namespace consistency;
using Steady = std::chrono::steady_clock;

std::string utc_stamp(std::chrono::system_clock::time_point when, bool compact) {
  using namespace std::chrono;
  const auto now = floor<milliseconds>(when);
  const auto day = floor<days>(now);
  const year_month_day date{day};
  const hh_mm_ss time{now - day};
  char out[40];
  if (compact) {
    std::snprintf(out, sizeof out, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
  } else {
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
  }
  return out;
}

// What an Abort or the step's timeout asks of the running work. As the retry loop's pause, an
// Abort cuts the delay between two attempts short.
class Interruption final : public steps::Pause {
 public:
  void abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    changed_.notify_all();
  }
  bool aborted() const {
    std::lock_guard lock(mutex_);
    return aborted_;
  }
  // Sleeps up to `duration`; false if an Abort came first.
  bool wait(std::chrono::milliseconds duration) override {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, duration, [&] { return aborted_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool aborted_ = false;
};

// The check's run log ("" folder: none): every line carries the time, the check id, the component
// and the event. Best effort: a line that cannot be written must not fail the check (a full log
// disk says nothing about the backup), so failures are counted, and the check's final event
// message says how many lines are missing and why.
class CheckLog {
 public:
  CheckLog(FileSystem& files, Clock& clock, const std::string& directory, const std::string& separator,
           std::string check_id, std::string component)
      : clock_(clock), check_id_(std::move(check_id)), component_(std::move(component)) {
    if (!directory.empty()) log_ = std::make_unique<steps::RunLog>(files, directory, "check-" + check_id_ + ".jsonl", separator);
  }

  steps::JsonLine line(std::string_view event) const {
    steps::JsonLine line;
    line.text("time", utc_stamp(clock_.now(), false)).text("check", check_id_).text("component", component_).text("event", event);
    return line;
  }
  void write(const steps::JsonLine& line) {
    if (!log_) return;
    if (auto written = log_->append(line); !written) {
      std::lock_guard lock(mutex_);
      if (lost_++ == 0) first_failure_ = written.error().message();
    }
  }
  // "" when every line was written; else what the final event adds.
  std::string losses() const {
    std::lock_guard lock(mutex_);
    if (lost_ == 0) return "";
    return "; " + std::to_string(lost_) + " line(s) of the run log " + log_->path() + " could not be written (first: " +
           first_failure_ + ")";
  }

 private:
  Clock& clock_;
  std::string check_id_, component_;
  std::unique_ptr<steps::RunLog> log_;
  mutable std::mutex mutex_;
  std::uint64_t lost_ = 0;
  std::string first_failure_;
};

// State shared by the async object (QueryStatus/Abort) and the worker thread.
struct CheckState {
  Interruption interruption;
  std::atomic<bool> abort_flag{false};  // the hot-loop copy of interruption.aborted()
  std::mutex mutex;
  Hresult status = hr::wsbapp_async_in_progress;
  std::shared_ptr<CheckLog> log;  // the Abort request is logged when it arrives, not when it takes effect
};

enum class StepResult { passed, failed, aborted };

// A step of backup.check, in the policy's order, and whether its `when` applies to the component.
struct PlannedStep {
  const policy::CheckStep* step;
  bool applies;
};

struct StepOutcome {
  StepResult result = StepResult::passed;
  std::string message;  // why it failed; what it checked when it passed
};

// One check: the request's context and the steps to run, executed on the worker thread.
class CheckRun {
 public:
  CheckRun(std::shared_ptr<const policy::Policy> policy, const ConsistencyEnvironment& env, ConsistencyRequest request,
           std::vector<PlannedStep> steps, std::shared_ptr<CheckState> state, std::string check_id)
      : policy_(std::move(policy)), env_(env), request_(std::move(request)), steps_(std::move(steps)),
        state_(std::move(state)), check_id_(check_id),
        log_(*state_->log), paths_(volume_pairs(request_), env_.volumes) {}

  Hresult run() {
    const auto started = Steady::now();
    log_.write(log_.line("start")
                   .text_or_null("logical_path", request_.component_logical_path)
                   .number("steps", std::count_if(steps_.begin(), steps_.end(), [](const PlannedStep& p) { return p.applies; }))
                   .number("volumes", paths_.pairs().size()));
    std::string failure;
    bool aborted = false;
    auto privilege = enable_backup_privilege();
    read_writer_metadata();
    for (const auto& [step, applies] : steps_) {
      if (!failure.empty()) break;
      if (!applies) {
        log_skipped(*step);
        continue;
      }
      const StepOutcome outcome = run_with_retries(*step);
      if (outcome.result == StepResult::aborted) {
        aborted = true;
        break;
      }
      if (outcome.result == StepResult::failed) {
        const std::string reason = step->path + " (" + step->type() + "): " + outcome.message;
        if (step->options.on_error == policy::OnError::continue_) {
          report(EventSeverity::warning, event_id::check_step_failed_continued,
                 "Consistency check of " + component() + ": " + reason + " (on_error: continue)");
          continue;
        }
        failure = reason;
      }
    }
    if (state_->abort_flag) aborted = true;
    release_backup_privilege(std::move(privilege));
    const Hresult result = aborted ? hr::e_abort : failure.empty() ? hr::ok : hr::wsbapp_e_component_consistency_check_failed;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
    log_.write(log_.line("end")
                   .text("result", hr::name(result))
                   .text("hr", hr::to_hex(result))
                   .number("duration_ms", elapsed.count())
                   .text("reason", aborted ? "aborted" : failure));
    const std::string check = " (check " + check_id_ + log_.losses() + ")";
    if (aborted) {
      report(EventSeverity::warning, event_id::check_aborted, "Consistency check of " + component() + " aborted" + check);
    } else if (!failure.empty()) {
      report(EventSeverity::error, event_id::check_failed,
             "Consistency check of " + component() + " failed: " + failure + check +
                 "; recovery of this component from this backup will not be allowed");
    } else {
      report(EventSeverity::information, event_id::check_passed, "Consistency check of " + component() + " passed" + check);
    }
    return result;
  }

 private:
  static std::vector<VolumePair> volume_pairs(const ConsistencyRequest& r) {
    std::vector<VolumePair> pairs;
    if (!r.source_volumes || !r.snapshot_volumes) return pairs;
    for (std::size_t i = 0; i < r.source_volumes->size() && i < r.snapshot_volumes->size(); ++i) {
      const auto& source = (*r.source_volumes)[i];
      const auto& snapshot = (*r.snapshot_volumes)[i];
      if (source && snapshot && !source->empty() && !snapshot->empty()) {
        pairs.push_back({with_trailing_separator(*source), with_trailing_separator(*snapshot)});
      }
    }
    return pairs;
  }

  // SeBackupPrivilege for the check's reads. Without it the check still runs (files that SYSTEM may
  // read need none); the run log says why it is missing.
  std::unique_ptr<BackupPrivilege::Scope> enable_backup_privilege() {
    if (!env_.backup_privilege) return nullptr;
    auto scope = env_.backup_privilege->enable();
    if (!scope) {
      log_.write(log_.line("backup_privilege").text("state", "not enabled").text("error", scope.error().message()));
      return nullptr;
    }
    return std::move(*scope);
  }
  void release_backup_privilege(std::unique_ptr<BackupPrivilege::Scope> scope) {
    if (!scope) return;
    if (auto released = scope->release(); !released) {
      log_.write(log_.line("backup_privilege").text("state", "not restored").text("error", released.error().message()));
    }
  }

  // The component's file groups and the writer's exclusions. A document that cannot be read fails
  // only the steps that need it (files.present without paths), each with this reason; the run log
  // says so at once, and a checker sees it in WSBKIT_WRITER_METADATA_ERROR.
  void read_writer_metadata() {
    if (!request_.writer_metadata) return;
    auto groups = component_file_groups(*request_.writer_metadata, request_.component_name, request_.component_logical_path);
    auto exclusions = writer_exclusions(*request_.writer_metadata);
    if (!groups) metadata_problem_ = groups.error().system_message();
    else if (!exclusions) metadata_problem_ = exclusions.error().system_message();
    if (metadata_problem_.empty()) {
      file_groups_ = std::move(*groups);
      exclusions_ = std::move(*exclusions);
      if (auto expanded = expand_writer_paths(); !expanded) metadata_problem_ = expanded.error().message();
    }
    if (metadata_problem_.empty()) return;
    file_groups_.clear();
    exclusions_.clear();
    log_.write(log_.line("writer_metadata").text("state", "unreadable").text("reason", metadata_problem_));
  }

  // Writer paths as Windows reads them: %NAME% expanded from the add-in's environment (VSS: a file
  // set's path "can contain environment variables").
  Result<void> expand_writer_paths() {
    for (auto* list : {&file_groups_, &exclusions_}) {
      if (auto expanded = expand_paths(*list); !expanded) return expanded;
    }
    return success();
  }
  Result<void> expand_paths(std::vector<FileGroup>& groups) {
    for (auto& group : groups) {
      if (group.path.find('%') == std::string::npos) continue;
      if (!env_.environment) {
        return Error::win32(win32_error::invalid_parameter, "expand environment variables", group.path,
                            "no environment facility to expand the writer's path with");
      }
      auto expanded = env_.environment->expand(group.path);
      if (!expanded) return expanded.error();
      group.path = std::move(*expanded);
    }
    return success();
  }

  // An event; when the event log refuses it, the run log keeps the message instead.
  void report(EventSeverity severity, std::uint32_t id, const std::string& message) {
    if (auto reported = env_.events.report(severity, id, message); !reported) {
      log_.write(log_.line("event_log_failed").number("event_id", id).text("message", message).text("error", reported.error().message()));
    }
  }

  std::string component() const {
    return "'" + request_.component_name.value_or("(no name)") + "'" +
           (request_.component_logical_path ? " (" + *request_.component_logical_path + ")" : "");
  }

  // A step whose `when` does not apply to the component: in the run log, skipped with the reason.
  void log_skipped(const policy::CheckStep& step) {
    steps::JsonLine line = log_.line("step").text("step", step.path).text("type", step.type());
    log_.write(steps::mark_skipped(line, policy::when_does_not_apply));
  }

  StepOutcome run_with_retries(const policy::CheckStep& step) {
    StepOutcome outcome;
    const auto retried = steps::retry_with_backoff({step.options.retries, step.options.retry_delay}, state_->interruption,
                                                   [&](int attempt) {
      const auto started = Steady::now();
      outcome = run_step(step);
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
      log_.write(log_.line("step")
                     .text("step", step.path)
                     .text("type", step.type())
                     .number("attempt", attempt)
                     .text("outcome", outcome.result == StepResult::passed   ? "passed"
                                      : outcome.result == StepResult::failed ? "failed"
                                                                             : "aborted")
                     .number("duration_ms", elapsed.count())
                     .text("message", outcome.message));
      return outcome.result == StepResult::passed   ? steps::AttemptResult::succeeded
             : outcome.result == StepResult::failed ? steps::AttemptResult::failed
                                                    : steps::AttemptResult::stop;
    });
    if (retried.end == steps::RetryEnd::interrupted) return {StepResult::aborted, "aborted"};
    return outcome;
  }

  StepOutcome run_step(const policy::CheckStep& step) {
    const auto deadline = Steady::now() + step.options.timeout;
    timed_out_ = false;
    // Checked between read chunks and directory listings: an Abort or the deadline stops the step.
    should_stop_ = [this, deadline] {
      if (state_->abort_flag.load(std::memory_order_relaxed)) return true;
      if (Steady::now() < deadline) return false;
      timed_out_ = true;
      return true;
    };
    StepOutcome outcome;
    if (const auto* files = std::get_if<policy::FilesPresent>(&step.action)) outcome = files_present(step.path, *files);
    else if (const auto* manifest = std::get_if<policy::ManifestVerify>(&step.action)) outcome = manifest_verify(step, *manifest);
    else outcome = run_checker(step, std::get<policy::RunChecker>(step.action));
    if (state_->abort_flag) return {StepResult::aborted, "aborted"};
    if (timed_out_ && outcome.result != StepResult::passed) {
      outcome = {StepResult::failed, "timed out after " + policy::format_duration(step.options.timeout) +
                                         (outcome.message.empty() ? "" : " (" + outcome.message + ")")};
    }
    return outcome;
  }

  StepOutcome stopped_or(StepOutcome failure) {
    if (state_->abort_flag) return {StepResult::aborted, "aborted"};
    if (timed_out_) return {StepResult::failed, ""};
    return failure;
  }

  // --- files.present ---
  // The snapshot volume roots: no walk leaves them, nor enters a reparse point below them.
  std::vector<std::string> snapshot_roots() const {
    std::vector<std::string> roots;
    for (const auto& pair : paths_.pairs()) roots.push_back(pair.snapshot);
    return roots;
  }

  StepOutcome files_present(const std::string& step_path, const policy::FilesPresent& action) {
    struct Pattern {
      std::string live;      // as the policy or the writer wrote it
      std::string snapshot;  // where it is looked for
    };
    std::vector<Pattern> patterns;
    if (!action.paths.empty()) {
      for (const auto& live : action.paths) {
        auto mapped = paths_.to_snapshot(live);
        if (!mapped) return {StepResult::failed, live + ": " + mapped.error().system_message()};
        patterns.push_back({live, *mapped});
      }
    } else {
      if (!metadata_problem_.empty()) {
        return {StepResult::failed, "no paths are given and the writer metadata cannot be read: " + metadata_problem_};
      }
      if (file_groups_.empty()) {
        return {StepResult::failed, "no paths are given and the writer metadata names no file group for this component"};
      }
      for (const auto& group : file_groups_) {
        const std::string live = group.path + "\\" + (group.recursive ? "**\\" : "") + group.filespec;
        auto mapped = paths_.to_snapshot(live);
        if (!mapped) return {StepResult::failed, live + " (writer file group): " + mapped.error().system_message()};
        patterns.push_back({live, *mapped});
      }
    }
    std::uint64_t matched_total = 0;
    ReparsePoints reparse(env_.files, snapshot_roots());
    std::vector<std::string> skipped;
    std::uint64_t skipped_count = 0;
    const GlobWalk walk{env_.files, reparse, should_stop_, nullptr, [&](const std::string& path) {
      log_.write(log_.line("reparse_point").text("step", step_path).text("path", path).text("action", "skipped"));
      if (skipped.size() < 20) skipped.push_back(path);
      ++skipped_count;
    }, nullptr, &paths_};
    std::vector<std::string> problems;
    std::uint64_t problem_count = 0;
    const auto problem = [&](std::string text) {
      if (problems.size() < 20) problems.push_back(std::move(text));
      ++problem_count;
    };
    for (const auto& pattern : patterns) {
      std::uint64_t matched = 0;
      GlobWalk matching = walk;
      matching.on_match = [&](const GlobMatch& m) {
        ++matched;
        if (m.is_directory) return;
        if (action.non_empty && m.size == 0) problem(m.path + " is empty");
        else if (m.size < action.min_size) {
          problem(m.path + " holds " + std::to_string(m.size) + " bytes, less than " + std::to_string(action.min_size));
        }
      };
      std::string missing_folder;
      matching.on_missing_folder = [&](const std::string& folder) {
        if (missing_folder.empty()) missing_folder = folder;
      };
      auto walked = for_each_match(matching, pattern.snapshot);
      if (!walked) return stopped_or({StepResult::failed, pattern.live + ": " + walked.error().message()});
      if (matched == 0 && excluded_by_writer(pattern.live)) {
        log_.write(log_.line("excluded").text("step", step_path).text("path", pattern.live));
      } else if (matched == 0) {
        problem(pattern.live + ": nothing matches on the snapshot (" +
                (missing_folder.empty() ? pattern.snapshot : "folder not found: " + missing_folder) + ")" +
                unknown_exclusions());
      }
      matched_total += matched;
    }
    const std::string skipped_text = skipped_count ? "; " + describe_skipped(skipped, skipped_count) : "";
    if (problem_count > 0) {
      std::string text;
      for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
      if (problem_count > problems.size()) text += "; ... " + std::to_string(problem_count - problems.size()) + " more";
      return {StepResult::failed, text + skipped_text};
    }
    return {StepResult::passed, std::to_string(matched_total) + " present" + skipped_text};
  }

  // Said beside a missing file when the writer metadata (its EXCLUDE_FILES) cannot be read.
  std::string unknown_exclusions() const {
    if (metadata_problem_.empty()) return "";
    return "; whether the writer excludes it is unknown: the writer metadata cannot be read: " + metadata_problem_;
  }

  // Whether the writer excludes what `live_pattern` names from the shadow copy (EXCLUDE_FILES):
  // its folder is an exclusion's folder (or below it, for a recursive one) and its file name part
  // is matched by the exclusion's filespec (or is the same pattern).
  bool excluded_by_writer(const std::string& live_pattern) const {
    std::string folder = parent_directory(live_pattern);
    const std::string name = live_pattern.substr(folder.empty() ? 0 : folder.size() + 1);
    bool any_depth = false;
    while (folder.size() >= 3 && folder.compare(folder.size() - 3, 3, "\\**") == 0) {
      folder.resize(folder.size() - 3);
      any_depth = true;
    }
    for (const auto& exclusion : exclusions_) {
      const std::string excluded = with_trailing_separator(exclusion.path);
      const std::string here = with_trailing_separator(folder);
      const bool same_folder = iequals(here, excluded);
      const bool below = here.size() > excluded.size() && iequals(here.substr(0, excluded.size()), excluded);
      if (!(same_folder || (exclusion.recursive && below)) || (any_depth && !exclusion.recursive)) continue;
      if (iequals(name, exclusion.filespec) || file_name_match(exclusion.filespec, name)) return true;
    }
    return false;
  }

  // --- manifest.verify ---
  StepOutcome manifest_verify(const policy::CheckStep& step, const policy::ManifestVerify& action) {
    auto manifest = paths_.to_snapshot(action.manifest);
    if (!manifest) return {StepResult::failed, action.manifest + ": " + manifest.error().system_message()};
    const std::string live_base = action.base_directory.value_or(parent_directory(action.manifest));
    auto base = paths_.to_snapshot(live_base);
    if (!base) return {StepResult::failed, live_base + ": " + base.error().system_message()};
    // Entries behind a folder where another given volume is mounted are read in its snapshot
    // (a volume whose mount points cannot be read: its folders are not followed, and said so).
    std::string unknown_mounts;  // said with a failure: it explains entries behind them failing
    for (const auto& gap : paths_.learn_mounted_folders()) {
      log_.write(log_.line("mounted_folders")
                     .text("step", step.path)
                     .text("volume", gap.volume)
                     .text("state", "not followed")
                     .text("reason", gap.reason));
      unknown_mounts += "; where " + gap.volume + " is mounted is unknown, its folders not followed (" + gap.reason + ")";
    }
    VerifyTarget target;
    target.manifest = *manifest;
    target.base_directory = *base;
    target.snapshot_roots = snapshot_roots();
    target.resolve = [this, base = *base](const std::string& name) -> Result<std::string> {
      if (policy::is_absolute_live_path(name, false)) return paths_.to_snapshot(name);
      if (!name.empty() && (name[0] == '/' || name[0] == '\\' || (name.size() > 1 && name[1] == ':'))) {
        return Error::win32(win32_error::invalid_parameter, "map to snapshot", name, "not a path on a volume being backed up");
      }
      auto joined = join_below(base, name);
      if (!joined) return joined;
      return paths_.through_mounted_folders(*joined);
    };
    target.through_mounted_folder = [this](const std::string& path) { return paths_.through_mounted_folders(path); };
    VerifyOptions options;
    options.format = action.format;
    options.extra_files_fail = action.extra_files == policy::ExtraFiles::fail;
    options.threads = action.parallelism > 0 ? action.parallelism : hash_threads();
    options.progress_interval = env_.progress_interval;
    options.digests = env_.digests;
    auto report = verify_manifest(env_.files, target, options, should_stop_, [&](const VerifyProgress& p) {
      log_.write(log_.line("progress")
                     .text("step", step.path)
                     .number("files_done", p.files_done)
                     .number("files_listed", p.files_listed)
                     .number("bytes_done", p.bytes_done));
    });
    if (!report) return stopped_or({StepResult::failed, "manifest " + action.manifest + ": " + report.error().message()});
    for (const auto& name : report->reparse_point_names) {
      log_.write(log_.line("reparse_point").text("step", step.path).text("entry", name).text("action", "failed"));
    }
    for (const auto& path : report->skipped_reparse_point_names) {
      log_.write(log_.line("reparse_point").text("step", step.path).text("path", path).text("action", "skipped"));
    }
    if (report->stopped) return stopped_or({StepResult::failed, report->summary() + unknown_mounts});
    if (report->passed()) return {StepResult::passed, report->summary()};
    return {StepResult::failed, report->summary() + unknown_mounts};
  }

  int hash_threads() const {
    if (env_.hash_threads > 0) return env_.hash_threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp(cores, 1u, 8u));
  }

  // --- run --- (core/steps/process_step.hpp: trust check, exit codes, output)
  StepOutcome run_checker(const policy::CheckStep& step, const policy::RunChecker& action) {
    // Polled by the runner while the child runs: an Abort kills the checker's whole process tree.
    steps::ProcessStep checker{step.path, action, step.options.timeout, context_environment(step),
                               [state = state_] { return state->abort_flag.load(); }};
    auto outcome = steps::run_process_step({env_.processes, env_.security, &env_.events}, checker);
    if (!outcome) return {StepResult::failed, "could not run " + action.executable + ": " + outcome.error().message()};
    log_.write(log_.line("output")
                   .text("step", step.path)
                   .number("exit_code", outcome->exit_code)
                   .boolean("timed_out", outcome->verdict == steps::ProcessVerdict::timed_out)
                   .text("stdout", outcome->standard_output)
                   .text("stderr", outcome->standard_error));
    switch (outcome->verdict) {
      case steps::ProcessVerdict::passed: return {StepResult::passed, "exit code " + steps::describe_exit_code(outcome->exit_code)};
      case steps::ProcessVerdict::cancelled: return {StepResult::aborted, "aborted"};
      case steps::ProcessVerdict::timed_out:
      case steps::ProcessVerdict::failed: break;
    }
    return {StepResult::failed, action.executable + " " + outcome->reason};
  }

  std::vector<std::pair<std::string, std::string>> context_environment(const policy::CheckStep& step) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"WSBKIT_PHASE", "check"},
        {"WSBKIT_STEP", step.path},
        {"WSBKIT_CHECK_ID", check_id_},
        {"WSBKIT_COMPONENT", request_.component_name.value_or("")},
        {"WSBKIT_LOGICAL_PATH", request_.component_logical_path.value_or("")},
        {"WSBKIT_VOLUME_COUNT", std::to_string(paths_.pairs().size())}};
    for (std::size_t i = 0; i < paths_.pairs().size(); ++i) {
      const std::string n = std::to_string(i + 1);
      env.emplace_back("WSBKIT_SOURCE_VOLUME_" + n, paths_.pairs()[i].source);
      env.emplace_back("WSBKIT_SNAPSHOT_VOLUME_" + n, paths_.pairs()[i].snapshot);
    }
    env.emplace_back("WSBKIT_WRITER_METADATA_ERROR", metadata_problem_);
    env.emplace_back("WSBKIT_FILE_GROUP_COUNT", std::to_string(file_groups_.size()));
    for (std::size_t i = 0; i < file_groups_.size(); ++i) {
      const std::string prefix = "WSBKIT_FILE_GROUP_" + std::to_string(i + 1) + "_";
      const FileGroup& g = file_groups_[i];
      env.emplace_back(prefix + "PATH", g.path);
      env.emplace_back(prefix + "FILESPEC", g.filespec);
      env.emplace_back(prefix + "RECURSIVE", g.recursive ? "1" : "0");
      auto mapped = paths_.to_snapshot(g.path);
      env.emplace_back(prefix + "SNAPSHOT_PATH", mapped ? *mapped : "");
    }
    return env;
  }

  std::shared_ptr<const policy::Policy> policy_;  // the steps point into it
  ConsistencyEnvironment env_;                     // a copy: the check may outlive the engine object
  ConsistencyRequest request_;
  std::vector<PlannedStep> steps_;
  std::shared_ptr<CheckState> state_;
  std::string check_id_;
  CheckLog& log_;  // owned by the state: Abort writes to it too
  SnapshotPaths paths_;
  std::vector<FileGroup> file_groups_;
  std::vector<FileGroup> exclusions_;  // EXCLUDE_FILES: absent from the snapshot by design
  std::string metadata_problem_;       // why the writer metadata cannot be read ("" when it can)
  std::function<bool()> should_stop_;
  std::atomic<bool> timed_out_{false};
};

// The async object: owns the worker; the last reference aborts and joins it.
class CheckOperation final : public WsbAsync {
 public:
  CheckOperation(std::shared_ptr<CheckState> state, std::unique_ptr<CheckRun> run, std::shared_ptr<std::atomic<int>> running)
      : state_(std::move(state)) {
    ++*running;
    worker_ = std::thread([state = state_, run = std::move(run), running]() mutable {
      Hresult result = hr::e_unexpected;
      try {
        result = run->run();
      } catch (const std::bad_alloc&) {
        result = hr::wsbapp_e_component_consistency_check_failed;
      } catch (...) {
        result = hr::wsbapp_e_component_consistency_check_failed;
      }
      run.reset();  // release files, threads and buffers before reporting the end
      {
        std::lock_guard lock(state->mutex);
        state->status = state->abort_flag ? hr::e_abort : result;
      }
      --*running;
    });
  }
  ~CheckOperation() override {
    request_abort();
    if (worker_.joinable()) worker_.join();
  }

  Hresult query_status(Hresult& result) override {
    std::lock_guard lock(state_->mutex);
    result = state_->status;
    return hr::ok;
  }
  Hresult abort() override {
    request_abort();
    return hr::ok;
  }

 private:
  void request_abort() {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->status != hr::wsbapp_async_in_progress) return;  // already over: the result stands
    }
    if (!state_->abort_flag.exchange(true)) state_->log->write(state_->log->line("abort"));
    state_->interruption.abort();
  }
  std::shared_ptr<CheckState> state_;
  std::thread worker_;
};

}  // namespace

PolicyConsistencyChecks::PolicyConsistencyChecks(std::shared_ptr<const policy::Policy> policy, ConsistencyEnvironment env)
    : policy_(std::move(policy)), env_(std::move(env)) {}

ConsistencyResult PolicyConsistencyChecks::start(const ConsistencyRequest& request) {
  ConsistencyResult result;
  std::vector<PlannedStep> steps;
  bool any_applies = false;
  for (const auto& step : policy_->backup.checks) {
    const bool applies =
        policy::step_applies(step.options, policy_->components, request.component_name, request.component_logical_path, false);
    steps.push_back({&step, applies});
    any_applies = any_applies || applies;
  }
  if (!any_applies) {
    result.hr = hr::s_false;  // no check for this component
    return result;
  }
  const unsigned number = ++started_;
  const std::string check_id = utc_stamp(env_.clock.now(), true) + "-" + std::to_string(number);
  auto state = std::make_shared<CheckState>();
  state->log = std::make_shared<CheckLog>(env_.files, env_.clock, env_.log_dir, env_.separator, check_id,
                                          request.component_name.value_or(""));
  auto run = std::make_unique<CheckRun>(policy_, env_, request, std::move(steps), state, check_id);
  result.async = std::make_shared<CheckOperation>(state, std::move(run), running_);
  result.hr = hr::ok;
  return result;
}

std::unique_ptr<ConsistencyChecks> make_policy_consistency_checks(std::shared_ptr<const policy::Policy> policy,
                                                                  ConsistencyEnvironment env) {
  return std::make_unique<PolicyConsistencyChecks>(std::move(policy), std::move(env));
}

}  // namespace wsbkit
