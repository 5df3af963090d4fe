// wsbkit simulate: what the run tells (the timeline as a table, --json, --junit FILE, the exit
// code WSB's verdict gives) and what keeps it safe (--yes before a restore touches the live
// services of a registered add-in; the sessions left open and the repair command at the end).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"
#include "core/simulator/timeline.hpp"

namespace wsbkit::cli {

struct SimulateReportOptions {
  bool json = false;
  std::string junit;                  // file to write, "" for none
  std::vector<std::string> services;  // shown before and after; default: those the policy names
  bool yes = false;
  std::string abort_after;            // CALL[:COMPONENT]: WSB cancels the job right after that call
  std::string kill_addin_after;       // CALL[:COMPONENT]: the add-in process is terminated right after that call
};

void add_report_options(po::options_description& options, SimulateReportOptions& report);

// A CALL[:COMPONENT] option; nullopt (message printed) when CALL is not one of WSB's calls.
struct CallMatch {
  std::string method;
  std::optional<std::string> component;
  bool matches(const SimulatedCall& call) const;
};
std::optional<CallMatch> parse_call_match(const std::string& option, const std::string& text, std::ostream& err);

// The policy `register --policy` recorded for a registered application, found by writer id or
// identifier ("" when none): where its components and metadata come from when nothing else names them.
Result<std::string> registered_policy_path(CliContext& ctx, const std::string& writer_or_identifier);
// That policy, read and parsed; nullopt when it has none or it cannot be read (the add-in then says
// why at its first call).
std::optional<policy::Policy> registered_policy(CliContext& ctx, const std::string& writer_id);

// The registered add-in's executable (its LocalServer32 command line's first word); "wsbkit-addin.exe"
// when that cannot be read (an add-in hosted as a service).
std::string registered_addin_image(CliContext& ctx, const std::string& writer_id);

// The services the policy's restore steps stop or start, in the order first named.
std::vector<std::string> policy_services(const policy::Policy& policy);

// Against a registered add-in the restore phase changes live services: says what it will do and
// returns false (nothing started) unless --yes was given or, when standard input is an interactive
// terminal (`console`), the administrator types the application's name (its identifier) there.
bool confirm_restore(const std::optional<policy::Policy>& policy, const std::string& identifier, bool yes, Console* console,
                     std::ostream& out);


// Prints the timeline (table or JSON), writes the JUnit file; returns the exit code of the verdict.
int finish_report(CliContext& ctx, const SimulateReportOptions& report, Timeline& timeline, std::ostream& out, std::ostream& err);

}  // namespace wsbkit::cli
