#include "cli/cli.hpp"

#include <iomanip>
#include <ostream>

#include "cli/cli_support.hpp"

namespace wsbkit {
namespace cli {

int report(const Error& e, const std::string& command, std::ostream& err) {
  err << "wsbkit " << command << ": ";
  if (e.api() == "validate") {
    err << "invalid " << e.object() << ": " << e.system_message() << "\nNothing was changed.\n";
    return exit_code::invalid_input;
  }
  err << e.message() << "\n";
  if (e.is_win32(win32_error::access_denied) || e.hresult_code() == hr::e_accessdenied) {
    err << "hint: changing the machine's registration needs an elevated prompt (Run as administrator).\n";
    return exit_code::access_denied;
  }
  if (e.is_win32(win32_error::file_not_found)) return exit_code::not_found;
  return exit_code::failure;
}

// Parses a command's options; returns -1 when the command should run, else the exit code.
int parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
          const po::positional_options_description* positional, po::variables_map& vm, std::ostream& out,
          std::ostream& err, const char* usage_line, const char* description) {
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      out << "Usage: wsbkit " << usage_line << "\n\n" << description << "\n\n" << options << "\n";
      return exit_code::ok;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    err << "wsbkit " << command << ": " << e.what() << "\nTry 'wsbkit " << command << " --help'.\n";
    return exit_code::usage;
  }
  return -1;
}

std::optional<Guid> parse_guid_option(const std::string& command, const std::string& field, const std::string& text,
                                      std::ostream& err) {
  auto guid = Guid::parse(text);
  if (!guid) {
    err << "wsbkit " << command << ": invalid " << field << ": '" << text
        << "' is not a GUID (expected e.g. {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}, braces optional)\n"
        << "Nothing was changed.\n";
  }
  return guid;
}

}  // namespace cli

namespace {

std::vector<cli::Command> all_commands() {
  std::vector<cli::Command> commands = cli::registration_commands();
  for (auto& c : cli::simulation_commands()) commands.push_back(c);
  for (auto& c : cli::policy_commands()) commands.push_back(c);
  return commands;
}

void general_help(std::ostream& out) {
  out << "Usage: wsbkit COMMAND [options]\n\n"
         "Registers applications and their add-ins with Windows Server Backup, and tests add-ins\n"
         "by acting as Windows Server Backup.\n\nCommands:\n";
  for (const auto& c : all_commands()) out << "  " << std::left << std::setw(12) << c.name << c.summary << "\n";
  out << "\n'wsbkit COMMAND --help' describes a command's options.\n";
}

}  // namespace

int run_cli(const std::vector<std::string>& args, CliContext& context, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    general_help(err);
    return exit_code::usage;
  }
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    general_help(out);
    return exit_code::ok;
  }
  if (name == "--version") {
    out << "wsbkit " << context.version << "\n";
    return exit_code::ok;
  }
  for (const auto& c : all_commands()) {
    if (name == c.name) {
      try {
        return c.run(std::vector<std::string>(args.begin() + 1, args.end()), context, out, err);
      } catch (const ErrorException& e) {
        return cli::report(e.error(), name, err);
      } catch (const std::exception& e) {
        err << "wsbkit " << name << ": " << e.what() << "\n";
        return exit_code::failure;
      }
    }
  }
  err << "wsbkit: unknown command '" << name << "'\n";
  general_help(err);
  return exit_code::usage;
}

}  // namespace wsbkit