#include "core/consistency/policy_consistency_checks.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/call_log.hpp"
#include "core/consistency/glob.hpp"
#include "core/consistency/manifest_verifier.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "core/consistency/writer_metadata.hpp"

namespace wsbkit {
namespace {

using namespace consistency;
using Steady = std::chrono::steady_clock;
using Fields = std::vector<std::pair<std::string, std::string>>;  // name, encoded JSON value

std::string json_number(std::uint64_t n) { return std::to_string(n); }

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

// What an Abort or the step's timeout asks of the running work.
class Interruption {
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
  bool sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, duration, [&] { return aborted_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool aborted_ = false;
};

// One JSON-lines run log per check, appended through the file system.
class RunLog {
 public:
  RunLog(FileSystem& files, Clock& clock, std::string path, std::string check_id, std::string component)
      : files_(files), clock_(clock), path_(std::move(path)), check_id_(std::move(check_id)), component_(std::move(component)) {}

  void write(const std::string& event, const Fields& fields) {
    if (path_.empty()) return;
    std::string line = "{\"time\":\"" + utc_stamp(clock_.now(), false) + "\",\"check\":" + json_quote(check_id_) +
                       ",\"component\":" + json_quote(component_) + ",\"event\":" + json_quote(event);
    for (const auto& [name, value] : fields) line += "," + json_quote(name) + ":" + value;
    line += "}\n";
    std::lock_guard lock(mutex_);
    (void)files_.append_file(path_, line);  // best effort: a full disk must not fail the check
  }

 private:
  FileSystem& files_;
  Clock& clock_;
  std::string path_, check_id_, component_;
  std::mutex mutex_;
};

// State shared by the async object (QueryStatus/Abort) and the worker thread.
struct CheckState {
  Interruption interruption;
  std::atomic<bool> abort_flag{false};  // the hot-loop copy of interruption.aborted()
  std::mutex mutex;
  Hresult status = hr::wsbapp_async_in_progress;
  std::shared_ptr<RunLog> log;  // the Abort request is logged when it arrives, not when it takes effect
};

enum class StepResult { passed, failed, aborted };

struct StepOutcome {
  StepResult result = StepResult::passed;
  std::string message;  // why it failed; what it checked when it passed
};

// One check: the request's context and the steps to run, executed on the worker thread.
class CheckRun {
 public:
  CheckRun(std::shared_ptr<const policy::Policy> policy, const ConsistencyEnvironment& env, ConsistencyRequest request,
           std::vector<const policy::CheckStep*> steps, std::shared_ptr<CheckState> state, std::string check_id)
      : policy_(std::move(policy)), env_(env), request_(std::move(request)), steps_(std::move(steps)),
        state_(std::move(state)), check_id_(check_id),
        log_(*state_->log), paths_(volume_pairs(request_), env_.volumes) {}

  Hresult run() {
    const auto started = Steady::now();
    log_.write("start", {{"logical_path", request_.component_logical_path ? json_quote(*request_.component_logical_path) : "null"},
                         {"steps", json_number(steps_.size())},
                         {"volumes", json_number(paths_.pairs().size())}});
    std::string failure;
    bool aborted = false;
    if (request_.writer_metadata) {
      auto groups = component_file_groups(*request_.writer_metadata, request_.component_name, request_.component_logical_path);
      if (!groups) failure = "writer metadata: " + groups.error().system_message();
      else file_groups_ = std::move(*groups);
    }
    for (const policy::CheckStep* step : steps_) {
      if (!failure.empty()) break;
      const StepOutcome outcome = run_with_retries(*step);
      if (outcome.result == StepResult::aborted) {
        aborted = true;
        break;
      }
      if (outcome.result == StepResult::failed) {
        const std::string reason = step->path + " (" + step->type() + "): " + outcome.message;
        if (step->options.on_error == policy::OnError::continue_) {
          (void)env_.events.report(EventSeverity::warning, check_event_id::check_step_failed_continued,
                                   "Consistency check of " + component() + ": " + reason + " (on_error: continue)");
          continue;
        }
        failure = reason;
      }
    }
    if (state_->abort_flag) aborted = true;
    const Hresult result = aborted ? hr::e_abort : failure.empty() ? hr::ok : hr::wsbapp_e_component_consistency_check_failed;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
    log_.write("end", {{"result", json_quote(hr::name(result))}, {"hr", json_quote(hr::to_hex(result))},
                       {"duration_ms", json_number(static_cast<std::uint64_t>(elapsed.count()))},
                       {"reason", json_quote(aborted ? "aborted" : failure)}});
    if (aborted) {
      (void)env_.events.report(EventSeverity::warning, check_event_id::check_aborted,
                               "Consistency check of " + component() + " aborted (check " + check_id_ + ")");
    } else if (!failure.empty()) {
      (void)env_.events.report(EventSeverity::error, check_event_id::check_failed,
                               "Consistency check of " + component() + " failed: " + failure + " (check " + check_id_ +
                                   "); recovery of this component from this backup will not be allowed");
    } else {
      (void)env_.events.report(EventSeverity::information, check_event_id::check_passed,
                               "Consistency check of " + component() + " passed (check " + check_id_ + ")");
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

  std::string component() const {
    return "'" + request_.component_name.value_or("(no name)") + "'" +
           (request_.component_logical_path ? " (" + *request_.component_logical_path + ")" : "");
  }

  StepOutcome run_with_retries(const policy::CheckStep& step) {
    StepOutcome outcome;
    auto delay = step.options.retry_delay;
    const int attempts = 1 + step.options.retries;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      const auto started = Steady::now();
      outcome = run_step(step);
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
      log_.write("step", {{"step", json_quote(step.path)}, {"type", json_quote(step.type())},
                          {"attempt", json_number(static_cast<std::uint64_t>(attempt))},
                          {"outcome", json_quote(outcome.result == StepResult::passed   ? "passed"
                                                 : outcome.result == StepResult::failed ? "failed"
                                                                                        : "aborted")},
                          {"duration_ms", json_number(static_cast<std::uint64_t>(elapsed.count()))},
                          {"message", json_quote(outcome.message)}});
      if (outcome.result != StepResult::failed || attempt == attempts) break;
      if (!state_->interruption.sleep_for(delay)) return {StepResult::aborted, "aborted"};
      delay *= 2;
    }
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
    if (const auto* files = std::get_if<policy::FilesPresent>(&step.action)) outcome = files_present(*files);
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
  StepOutcome files_present(const policy::FilesPresent& action) {
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
    std::vector<std::string> problems;
    std::uint64_t problem_count = 0;
    const auto problem = [&](std::string text) {
      if (problems.size() < 20) problems.push_back(std::move(text));
      ++problem_count;
    };
    for (const auto& pattern : patterns) {
      std::uint64_t matched = 0;
      auto walked = for_each_match(env_.files, pattern.snapshot, should_stop_, [&](const GlobMatch& m) {
        ++matched;
        if (m.is_directory) return;
        if (action.non_empty && m.size == 0) problem(m.path + " is empty");
        else if (m.size < action.min_size) {
          problem(m.path + " holds " + std::to_string(m.size) + " bytes, less than " + std::to_string(action.min_size));
        }
      });
      if (!walked) return stopped_or({StepResult::failed, pattern.live + ": " + walked.error().message()});
      if (matched == 0) problem(pattern.live + ": nothing matches on the snapshot (" + pattern.snapshot + ")");
      matched_total += matched;
    }
    if (problem_count > 0) {
      std::string text;
      for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
      if (problem_count > problems.size()) text += "; ... " + std::to_string(problem_count - problems.size()) + " more";
      return {StepResult::failed, text};
    }
    return {StepResult::passed, std::to_string(matched_total) + " present"};
  }

  // --- manifest.verify ---
  StepOutcome manifest_verify(const policy::CheckStep& step, const policy::ManifestVerify& action) {
    auto manifest = paths_.to_snapshot(action.manifest);
    if (!manifest) return {StepResult::failed, action.manifest + ": " + manifest.error().system_message()};
    const std::string live_base = action.base_directory.value_or(parent_directory(action.manifest));
    auto base = paths_.to_snapshot(live_base);
    if (!base) return {StepResult::failed, live_base + ": " + base.error().system_message()};
    VerifyTarget target;
    target.manifest = *manifest;
    target.base_directory = *base;
    target.resolve = [this, base = *base](const std::string& name) -> Result<std::string> {
      if (policy::is_absolute_live_path(name, false)) return paths_.to_snapshot(name);
      if (!name.empty() && (name[0] == '/' || name[0] == '\\' || (name.size() > 1 && name[1] == ':'))) {
        return Error::win32(win32_error::invalid_parameter, "map to snapshot", name, "not a path on a volume being backed up");
      }
      return join_below(base, name);
    };
    VerifyOptions options;
    options.format = action.format;
    options.extra_files_fail = action.extra_files == policy::ExtraFiles::fail;
    options.threads = action.parallelism > 0 ? action.parallelism : hash_threads();
    options.progress_interval = env_.progress_interval;
    options.digests = env_.digests;
    const std::string step_path = json_quote(step.path);
    auto report = verify_manifest(env_.files, target, options, should_stop_, [&](const VerifyProgress& p) {
      log_.write("progress", {{"step", step_path}, {"files_done", json_number(p.files_done)},
                              {"files_listed", json_number(p.files_listed)}, {"bytes_done", json_number(p.bytes_done)}});
    });
    if (!report) return stopped_or({StepResult::failed, "manifest " + action.manifest + ": " + report.error().message()});
    if (report->stopped) return stopped_or({StepResult::failed, report->summary()});
    return {report->passed() ? StepResult::passed : StepResult::failed, report->summary()};
  }

  int hash_threads() const {
    if (env_.hash_threads > 0) return env_.hash_threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp(cores, 1u, 8u));
  }

  // --- run ---
  StepOutcome run_checker(const policy::CheckStep& step, const policy::RunChecker& action) {
    if (!env_.processes) return {StepResult::failed, "this add-in has no process runner: run checks cannot start"};
    ProcessRequest request;
    request.executable = action.executable;
    request.arguments = action.arguments;
    request.working_directory = action.working_directory.value_or("");
    request.timeout = step.options.timeout;
    request.environment_additions = context_environment(step);
    // Polled by the runner while the child runs: an Abort kills the checker's whole process tree.
    request.cancelled = [state = state_] { return state->abort_flag.load(); };
    auto outcome = env_.processes->run(request);
    if (!outcome) return {StepResult::failed, "could not start " + action.executable + ": " + outcome.error().message()};
    const auto excerpt = [](const std::string& text) {
      return text.size() <= 2048 ? text : text.substr(0, 2048) + "... (" + std::to_string(text.size()) + " bytes)";
    };
    log_.write("output", {{"step", json_quote(step.path)}, {"exit_code", json_number(outcome->exit_code)},
                          {"timed_out", outcome->timed_out ? "true" : "false"},
                          {"stdout", json_quote(excerpt(outcome->standard_output))},
                          {"stderr", json_quote(excerpt(outcome->standard_error))}});
    if (outcome->cancelled) return {StepResult::aborted, "aborted"};
    if (outcome->timed_out) {
      return {StepResult::failed, action.executable + " did not finish within " + policy::format_duration(step.options.timeout) +
                                      "; it was killed with its child processes"};
    }
    const auto code = static_cast<std::int64_t>(outcome->exit_code);
    // Windows exit codes are DWORDs: -1 in a policy means 0xFFFFFFFF.
    const bool ok = std::any_of(action.success_exit_codes.begin(), action.success_exit_codes.end(), [&](std::int64_t c) {
      return c == code || static_cast<std::uint32_t>(c) == outcome->exit_code;
    });
    if (!ok) {
      std::string tail = outcome->standard_error.empty() ? outcome->standard_output : outcome->standard_error;
      if (tail.size() > 300) tail = tail.substr(tail.size() - 300);
      return {StepResult::failed, action.executable + " exited with " + std::to_string(outcome->exit_code) +
                                      (tail.empty() ? "" : ": " + tail)};
    }
    return {StepResult::passed, "exit code " + std::to_string(outcome->exit_code)};
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
  std::vector<const policy::CheckStep*> steps_;
  std::shared_ptr<CheckState> state_;
  std::string check_id_;
  RunLog& log_;  // owned by the state: Abort writes to it too
  SnapshotPaths paths_;
  std::vector<FileGroup> file_groups_;
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
    if (!state_->abort_flag.exchange(true)) state_->log->write("abort", {});
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
  std::vector<const policy::CheckStep*> steps;
  for (const auto& step : policy_->backup.checks) {
    if (policy::step_applies(step.options, policy_->components, request.component_name, request.component_logical_path, false)) {
      steps.push_back(&step);
    }
  }
  if (steps.empty()) {
    result.hr = hr::s_false;  // no check for this component
    return result;
  }
  const unsigned number = ++started_;
  const std::string check_id = utc_stamp(env_.clock.now(), true) + "-" + std::to_string(number);
  std::string log_path;
  if (!env_.log_dir.empty()) {
    (void)env_.files.create_directories(env_.log_dir);
    log_path = env_.log_dir + env_.separator + "check-" + check_id + ".jsonl";
  }
  auto state = std::make_shared<CheckState>();
  state->log = std::make_shared<RunLog>(env_.files, env_.clock, log_path, check_id, request.component_name.value_or(""));
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
