// Shared pieces of wsbkit's commands: option parsing with uniform help and errors, and the one
// place where an Error becomes a message and an exit code.
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "core/policy/policy.hpp"
#include "core/registration/policy_target_checks.hpp"
#include "core/support/guid.hpp"

namespace wsbkit::cli {

namespace po = boost::program_options;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);
};

// Each group of commands lives in its own file and lists its commands here.
std::vector<Command> registration_commands();  // registration_commands.cpp
std::vector<Command> simulation_commands();    // simulate_command.cpp
std::vector<Command> policy_commands();        // policy_commands.cpp

// Prints an Error and picks its exit code.
int report(const Error& e, const std::string& command, std::ostream& err);

// Parses a command's options; returns -1 when the command should run, else the exit code
// (0 after --help, exit_code::usage on a bad command line).
int parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
          const po::positional_options_description* positional, po::variables_map& vm, std::ostream& out,
          std::ostream& err, const char* usage_line, const char* description);

// A GUID option; prints the invalid-input message and returns nullopt when malformed.
std::optional<Guid> parse_guid_option(const std::string& command, const std::string& field, const std::string& text,
                                      std::ostream& err);

// A policy file read as the add-in will read it on this machine: every problem formatted
// "FILE:LINE:COLUMN: PATH: MESSAGE" (its rules; its executables and services when the host can
// check them, i.e. on the target; with `registration`, its application block against it).
struct PolicyReport {
  std::optional<policy::Policy> policy;  // set when the policy itself parsed
  std::vector<std::string> problems;
  bool ok() const { return policy && problems.empty(); }
};
// Error: the file could not be read, or the service manager failed.
Result<PolicyReport> read_policy_on_target(CliContext& ctx, const std::string& path,
                                           const std::optional<PolicyRegistration>& registration);

}  // namespace wsbkit::cli
