#include "core/steps/process_step.hpp"

#include <algorithm>
#include <cstdio>

#include "core/steps/event_ids.hpp"
#include "core/steps/output_text.hpp"
#include "core/steps/trust.hpp"

namespace wsbkit::steps {
namespace {

// Step 2: the executable (and the working directory) held open and trusted, or the refusal,
// reported as event 18. Without a FileSecurity nothing is held (unit tests only).
Result<std::unique_ptr<HeldFile>> hold_trusted(const ProcessHost& host, const ProcessStep& step, const std::string& path,
                                               FileRole role) {
  if (!host.security) return std::unique_ptr<HeldFile>();
  TrustedFile trusted = open_trusted(*host.security, path, role);
  if (trusted.refusal.empty()) return std::move(trusted.file);
  std::string message = "refused: " + trusted.refusal;
  if (host.events) {
    auto reported = host.events->report(EventSeverity::error, event_id::step_refused_insecure,
                                        "wsbkit refused step " + step.path + ": " + trusted.refusal);
    if (!reported) message += " (the event log did not take this report: " + reported.error().message() + ")";
  }
  return Error::win32(win32_error::access_denied, "run", path, message);
}

std::string reason_of(const ProcessStep& step, const ProcessOutcome& outcome, ProcessVerdict verdict,
                      const StreamText& out, const StreamText& err) {
  const std::string words = last_words(last_words(err).empty() ? out : err);
  switch (verdict) {
    case ProcessVerdict::passed: return "";
    case ProcessVerdict::cancelled: return "was cancelled; it was killed with its child processes";
    case ProcessVerdict::timed_out:
      return "did not finish within " + policy::format_duration(step.timeout) +
             "; it was killed with its child processes" + (words.empty() ? "" : " (last output: " + words + ")");
    case ProcessVerdict::failed: break;
  }
  return "exited with " + describe_exit_code(outcome.exit_code) + (words.empty() ? "" : ": " + words);
}

}  // namespace

bool exit_code_accepted(const std::vector<std::int64_t>& success_codes, std::uint32_t exit_code) {
  return std::any_of(success_codes.begin(), success_codes.end(), [&](std::int64_t code) {
    return code >= policy::min_exit_code && code <= policy::max_exit_code && static_cast<std::uint32_t>(code) == exit_code;
  });
}

std::string describe_exit_code(std::uint32_t exit_code) {
  if (exit_code < 0x80000000u) return std::to_string(exit_code);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(exit_code));
  return std::to_string(exit_code) + " (" + hex + ")";
}

std::string ProcessStepOutcome::output() const {
  if (standard_error.empty()) return standard_output;
  return standard_output + (standard_output.empty() || standard_output.back() == '\n' ? "" : "\n") + "[stderr]\n" +
         standard_error;
}

Result<ProcessStepOutcome> run_process_step(const ProcessHost& host, const ProcessStep& step) {
  const auto& command = step.command;
  if (!host.processes) return Error::hresult(hr::e_notimpl, "run", command.executable, "no process runner on this host");
  auto image = hold_trusted(host, step, command.executable, FileRole::executable);
  if (!image) return image.error();
  std::unique_ptr<HeldFile> directory;  // held (cannot be renamed or removed) during the run
  if (command.working_directory) {
    auto held = hold_trusted(host, step, *command.working_directory, FileRole::folder);
    if (!held) return held.error();
    directory = std::move(*held);
  }
  ProcessRequest request;
  request.image = image->get();
  request.executable = request.image ? request.image->final_path() : command.executable;
  request.arguments = command.arguments;
  request.working_directory = directory ? directory->final_path() : command.working_directory.value_or("");
  request.timeout = step.timeout;
  request.environment_additions = step.environment;
  request.cancelled = step.cancelled;
  auto ran = host.processes->run(request);
  if (!ran) return ran.error();
  const ProcessOutcome& p = *ran;
  const StreamText out = stream_text({p.standard_output, p.standard_output_bytes_cut, request.output_limit}, command.secrets);
  const StreamText err = stream_text({p.standard_error, p.standard_error_bytes_cut, request.output_limit}, command.secrets);
  ProcessStepOutcome outcome;
  outcome.verdict = p.cancelled                                               ? ProcessVerdict::cancelled
                    : p.timed_out                                             ? ProcessVerdict::timed_out
                    : exit_code_accepted(command.success_exit_codes, p.exit_code) ? ProcessVerdict::passed
                                                                              : ProcessVerdict::failed;
  outcome.exit_code = p.exit_code;
  outcome.elapsed = p.elapsed;
  outcome.standard_output = excerpt(out);
  outcome.standard_error = excerpt(err);
  outcome.reason = reason_of(step, p, outcome.verdict, out, err);
  return outcome;
}

}  // namespace wsbkit::steps
