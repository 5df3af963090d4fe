// A `run` step, the same for restore steps and consistency checks: the trust check of the
// executable, the process request, exit-code matching and the outcome's text.
//
//   1. Without a process runner the step fails (E_NOTIMPL).
//   2. Trust (core/steps/trust.hpp): the executable and the working directory are opened, checked
//      and held through the run (nobody can swap them between the check and the start). An
//      executable that anyone but SYSTEM/Administrators could change, a working directory others
//      may add files to (the DLL search order), a batch file, a UNC or device path, or anything
//      whose security cannot be read is refused: event 18 (step_refused_insecure) names the step
//      and the reason, and the step fails with ERROR_ACCESS_DENIED. Skipped only without a
//      FileSecurity (unit tests); the add-in always has one.
//   3. The process starts from the held executable (its final path; the runner checks the
//      started image is that file: ProcessRequest::image) with the step's argv, the held working
//      directory, timeout, WSBKIT_* environment and cancellation; a start failure is the step's
//      error.
//   4. Outcome: cancelled (the tree was killed on request), timed out (killed at the timeout),
//      passed (the exit code is one of success_exit_codes, compared as 32-bit values), or failed.
//      The output comes back as excerpts (output_text.hpp: valid UTF-8, secrets redacted) and a
//      failure as a one-line reason ending with the last words of stderr (stdout if stderr is
//      blank).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/policy/step_options.hpp"
#include "platform/error.hpp"
#include "platform/event_log.hpp"
#include "platform/file_security.hpp"
#include "platform/process.hpp"

namespace wsbkit::steps {

// Whether `exit_code` is one of `success_codes`: each names a 32-bit code, signed or unsigned
// (-1, 4294967295 and 0xFFFFFFFF are one code); a value outside [policy::min_exit_code,
// policy::max_exit_code] names none.
bool exit_code_accepted(const std::vector<std::int64_t>& success_codes, std::uint32_t exit_code);
// "2"; from 0x80000000 on with its hex spelling too: "3221225477 (0xC0000005)".
std::string describe_exit_code(std::uint32_t exit_code);

// What a process step needs from the host.
struct ProcessHost {
  ProcessRunner* processes = nullptr;  // null: the step fails (no process runner on this host)
  FileSecurity* security = nullptr;    // null: no trust check (unit tests only)
  EventLog* events = nullptr;          // where a refusal is reported (event 18); null: not reported
};

struct ProcessStep {
  std::string path;  // "restore.pre[1]", "backup.check[0]": how messages and events name the step
  policy::RunCommand command;
  std::chrono::milliseconds timeout{0};
  std::vector<std::pair<std::string, std::string>> environment;  // WSBKIT_* context
  std::function<bool()> cancelled;                                // empty: never cancelled
};

enum class ProcessVerdict { passed, failed, timed_out, cancelled };

struct ProcessStepOutcome {
  ProcessVerdict verdict = ProcessVerdict::failed;
  std::uint32_t exit_code = 0;
  std::chrono::milliseconds elapsed{0};
  std::string standard_output;  // excerpts (output_text.hpp)
  std::string standard_error;
  // Why it did not pass, one line without the executable's name: "exited with 2: page 17
  // checksum wrong", "did not finish within 5m; it was killed with its child processes".
  std::string reason;
  bool passed() const { return verdict == ProcessVerdict::passed; }
  // Both streams in one text (stdout, then stderr after a "[stderr]" line) for one-field logs.
  std::string output() const;
};

// An error when the step could not run at all (1-3); every process that ran has an outcome.
Result<ProcessStepOutcome> run_process_step(const ProcessHost& host, const ProcessStep& step);

}  // namespace wsbkit::steps
