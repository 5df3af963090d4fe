// What a simulated WSB run tells: the timeline of its calls as data (each call with component,
// HRESULT, duration, and the checks and steps the add-in ran for it, read from the add-in's own run
// logs), the service states before and after, the restore sessions left open, and the verdict WSB
// would reach. Printed as a table, as JSON and as a JUnit report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/simulator/simulator.hpp"
#include "platform/file_system.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

// One check or restore step the add-in ran (from check-*.jsonl / restore-*.jsonl).
struct TimelineStep {
  std::string log;      // "check" | "restore"
  std::string step;     // the policy path ("backup.check[1]", "restore.pre[0]"), or "(check)" for a check's verdict
  std::string kind;     // the step's type or phase ("files.present", "PreRestore", ...)
  std::string outcome;  // passed | failed | aborted | ok | skipped
  std::string reason;   // the add-in's message
  std::int64_t duration_ms = 0;
};

struct TimelineEntry {
  SimulatedCall call;
  std::string component;  // the component the call was for ("" for the calls over every component)
  std::vector<TimelineStep> steps;
};

struct ServiceView {
  std::string name;
  std::string state;       // RUNNING, STOPPED, ... or why it could not be read
  std::string start_type;  // automatic, manual, disabled, ...
};

struct Timeline {
  std::vector<ServiceView> services_before;
  std::vector<ServiceView> services_after;
  std::vector<TimelineEntry> entries;
  std::vector<std::string> open_sessions;  // journals left in <state>\sessions after the run
  std::vector<std::string> notes;          // what happened around the calls (a fault injected, ...)
};

// What WSB would make of the run.
enum class Verdict {
  ok,                // every call accepted, every check passed
  recovery_refused,  // a consistency check failed: WSB would not allow recovery of that component
  failed,            // a call returned what WSB rejects (a failed restore, a protocol violation)
};
Verdict verdict_of(const Timeline& timeline);
std::string verdict_text(Verdict verdict);

// Follows the add-in's run logs in one folder: each take() returns the steps written since the
// previous one (lines of files that appear later are read from their start).
class RunLogFollower {
 public:
  RunLogFollower(FileSystem& files, std::string logs_dir, std::string separator);
  void skip_existing();  // what is there now is not this run's
  std::vector<TimelineStep> take();

 private:
  FileSystem& files_;
  std::string dir_, separator_;
  std::map<std::string, std::size_t> seen_;  // file name: bytes already read
};

// One line of a run log as a step; nullopt for the lines that are no step (start, progress, ...).
std::optional<TimelineStep> step_of_log_line(const std::string& log, const std::string& line);

std::vector<ServiceView> service_views(ServiceControl& services, const std::vector<std::string>& names);

// Collects the timeline as the simulator reports its calls.
class TimelineRecorder {
 public:
  explicit TimelineRecorder(RunLogFollower* logs) : logs_(logs) {}
  void record(const SimulatedCall& call);
  Timeline& timeline() { return timeline_; }

 private:
  RunLogFollower* logs_;
  Timeline timeline_;
  std::vector<TimelineStep> pending_checks_;  // a running check's lines, until QueryStatus reports its result
};

// The component a call names in its arguments ("" when none).
std::string component_of(const SimulatedCall& call);

std::string timeline_table(const Timeline& timeline);
std::string timeline_json(const Timeline& timeline);
std::string timeline_junit(const Timeline& timeline);

}  // namespace wsbkit
