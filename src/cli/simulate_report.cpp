#include "cli/simulate_report.hpp"

#include "cli/inspection_commands.hpp"

#include <algorithm>
#include <ostream>

#include "core/registration/doctor.hpp"
#include "core/registration/registrar.hpp"
#include "platform/command_line.hpp"
#include "platform/text.hpp"

namespace wsbkit::cli {
namespace {

const std::vector<std::string> wsb_calls = {"CheckConsistency", "QueryStatus",  "OrderComponents",
                                            "IsRollForwardSupported", "PreRestore", "PostRestore"};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// What one restore step does to services, in words ("" for a step that touches none).
std::string step_effect(const policy::RestoreStep& step) {
  if (const auto* stop = std::get_if<policy::ServiceStop>(&step.action)) {
    return "stops " + joined(stop->services) + (stop->disable_during_restore ? " and disables it until PostRestore" : "");
  }
  if (const auto* start = std::get_if<policy::ServiceStart>(&step.action)) return "starts " + joined(start->services);
  return "";
}

void add_unique(std::vector<std::string>& names, const std::vector<std::string>& more) {
  for (const auto& n : more) {
    if (std::none_of(names.begin(), names.end(), [&](const std::string& k) { return iequals(k, n); })) names.push_back(n);
  }
}

}  // namespace

void add_report_options(po::options_description& options, SimulateReportOptions& report) {
  options.add_options()
      ("json", "print the timeline as JSON (calls, their checks and steps, services before and after, verdict)")
      ("junit", po::value(&report.junit), "also write the timeline as a JUnit XML report to FILE (one test case per call)")
      ("service", po::value(&report.services),
       "a service whose state is shown before and after (repeatable; default: those the registered policy stops or starts)")
      ("yes", "against a registered add-in: go ahead with the restore phase, which changes live services")
      ("abort-after", po::value(&report.abort_after),
       "CALL[:COMPONENT]: WSB's job is cancelled right after that call (a running check is aborted; no further "
       "restore call is made, so a restore session may stay open)")
      ("kill-addin-after", po::value(&report.kill_addin_after),
       "CALL[:COMPONENT]: the add-in's process is terminated right after that call (found by the process id in its "
       "call log); WSB carries on and its next call activates a new add-in, which completes the session's undo");
}

bool CallMatch::matches(const SimulatedCall& call) const {
  if (call.method != method) return false;
  return !component || iequals(*component, component_of(call));
}

std::optional<CallMatch> parse_call_match(const std::string& option, const std::string& text, std::ostream& err) {
  const auto colon = text.find(':');
  CallMatch match{text.substr(0, colon), std::nullopt};
  if (colon != std::string::npos) match.component = text.substr(colon + 1);
  const bool known = std::find(wsb_calls.begin(), wsb_calls.end(), match.method) != wsb_calls.end();
  if (!known || (match.component && match.component->empty())) {
    err << "wsbkit simulate: invalid " << option << ": '" << text << "' (expected CALL[:COMPONENT], CALL one of "
        << joined(wsb_calls) << ")\n";
    return std::nullopt;
  }
  return match;
}

Result<std::string> registered_policy_path(CliContext& ctx, const std::string& writer_or_identifier) {
  auto located = locate_addin(ctx.registry, writer_or_identifier);
  if (!located) return located.error();
  const auto writer = Guid::parse(located->writer_id);
  if (!writer) return std::string();
  auto recorded = Registrar(ctx.registry).recorded(*writer);
  if (!recorded) return recorded.error();
  if (!*recorded || !(*recorded)->spec.addin) return std::string();
  return (*recorded)->spec.addin->policy_path.value_or("");
}

std::optional<policy::Policy> registered_policy(CliContext& ctx, const std::string& writer_id) {
  if (!ctx.files) return std::nullopt;
  const auto path = registered_policy_path(ctx, writer_id);
  if (!path || path->empty()) return std::nullopt;
  auto loaded = policy::load_policy_file(*ctx.files, *path);
  if (!loaded || !loaded->policy) return std::nullopt;
  return loaded->policy;
}

std::string registered_addin_image(CliContext& ctx, const std::string& writer_id) {
  Registrar registrar(ctx.registry);
  auto apps = registrar.list_applications();
  if (apps) {
    for (const auto& app : *apps) {
      if (app.writer_id != writer_id || !app.local_server) continue;
      const auto words = split_windows_command_line(*app.local_server);
      if (!words.empty()) return words.front();
    }
  }
  return "wsbkit-addin.exe";
}

std::vector<std::string> policy_services(const policy::Policy& policy) {
  std::vector<std::string> names;
  for (const auto* steps : {&policy.restore.pre, &policy.restore.post}) {
    for (const auto& step : *steps) {
      if (const auto* stop = std::get_if<policy::ServiceStop>(&step.action)) add_unique(names, stop->services);
      if (const auto* start = std::get_if<policy::ServiceStart>(&step.action)) add_unique(names, start->services);
    }
  }
  return names;
}

namespace {

// The administrator at a terminal types the application's name (its registered identifier,
// exactly) to go ahead; anything else, or no answer, starts nothing.
bool typed_confirmation(Console& console, const std::string& identifier, std::ostream& out) {
  out << "To go ahead, type the application's name (" << identifier << ") and press Enter; anything else cancels: "
      << std::flush;
  const auto typed = console.read_line();
  if (typed && *typed == identifier) {
    out << "Confirmed: the restore phase starts.\n";
    return true;
  }
  out << (typed ? "That is not '" + identifier + "'" : "\nNo answer (" + typed.error().message() + ")")
      << ": nothing was started.\n";
  return false;
}

}  // namespace

bool confirm_restore(const std::optional<policy::Policy>& policy, const std::string& identifier, bool yes, Console* console,
                     std::ostream& out) {
  out << "The restore phase runs the add-in of '" << identifier << "' on THIS machine, against its live services:\n";
  if (!policy) {
    out << "  (its policy could not be read here; the add-in will do what its policy says)\n";
  } else {
    for (const auto* steps : {&policy->restore.pre, &policy->restore.post}) {
      for (const auto& step : *steps) {
        if (const std::string effect = step_effect(step); !effect.empty()) out << "  " << step.path << ": " << effect << "\n";
      }
    }
  }
  if (yes) return true;
  if (console && console->input_is_interactive()) return typed_confirmation(*console, identifier, out);
  out << "Nothing was started. Run again with --yes to go ahead (or --backup-only for the checks alone), or from an "
         "interactive terminal to confirm by typing the application's name.\n";
  return false;
}

int finish_report(CliContext& ctx, const SimulateReportOptions& report, Timeline& timeline, std::ostream& out, std::ostream& err) {
  // Doctor's check of the open sessions: each with the services it holds and its repair command.
  auto sessions = check_sessions(ctx, std::nullopt);
  if (!sessions) timeline.notes.push_back("The open restore sessions could not be read: " + sessions.error().message());
  for (const auto& session : sessions ? *sessions : std::vector<DoctorCheck>{}) {
    timeline.open_sessions.push_back(session.detail);
    timeline.notes.push_back("A restore session is still open: " + session.detail +
                             "\nIts services stay so until WSB's next PostRestore or the session's expiry "
                             "(restore.max_duration); " + session.fix + " (it leaves alone a session an add-in process still holds).");
  }
  const Verdict verdict = verdict_of(timeline);
  if (report.json) {
    out << timeline_json(timeline);
  } else {
    out << timeline_table(timeline) << verdict_text(verdict) << "\n";
  }
  out << std::flush;
  if (!report.junit.empty()) {
    if (!ctx.files) return wsbkit::cli::report(Error::hresult(hr::e_notimpl, "simulate", report.junit, "no file system on this host"), "simulate", err);
    if (auto written = ctx.files->write_file(report.junit, timeline_junit(timeline)); !written) {
      return wsbkit::cli::report(written.error(), "simulate", err);
    }
  }
  switch (verdict) {
    case Verdict::ok: return exit_code::ok;
    case Verdict::recovery_refused: return exit_code::recovery_refused;
    case Verdict::failed: return exit_code::calls_failed;
  }
  return exit_code::failure;
}

}  // namespace wsbkit::cli
