#include "cli/cli.hpp"

#include <boost/program_options.hpp>
#include <iomanip>
#include <ostream>

#include "core/guid.hpp"
#include "core/registrar.hpp"
#include "core/simulator.hpp"

namespace po = boost::program_options;

namespace wsbkit {
namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err);
};

// Prints an Error and picks its exit code: the one place where failures become exit codes.
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

int cmd_register(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer, identifier, addin, clsid, policy, proxy_stub, proxy_stub_dll;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer)->required(), "VSS writer id of the application (GUID, braces optional)")
      ("identifier,i", po::value(&identifier)->required(),
       "name WSB shows for the application (1-256 characters, unique among registered applications)")
      ("addin,a", po::value(&addin),
       "absolute path of wsbkit-addin.exe; registers the add-in (without it: the application only)")
      ("no-addin", "register the application without an add-in (the default when --addin is absent)")
      ("clsid", po::value(&clsid), "CLSID of the add-in (default: derived from the writer id, stable)")
      ("policy,p", po::value(&policy), "absolute path of the policy file given to the add-in")
      ("proxy-stub", po::value(&proxy_stub)->default_value("auto"),
       "register wsbkit-ps.dll for the WSB interfaces: auto (only when not registered), always, never")
      ("proxy-stub-dll", po::value(&proxy_stub_dll), "absolute path of wsbkit-ps.dll (default: beside the add-in)");
  po::variables_map vm;
  if (int rc = parse("register", args, options, nullptr, vm, out, err, "register --writer GUID --identifier NAME [--addin PATH] [options]",
                     "Registers an application with Windows Server Backup so it appears as a separately\n"
                     "recoverable item, and optionally its add-in (a COM local server). All or nothing:\n"
                     "on any failure every change is rolled back.");
      rc >= 0) {
    return rc;
  }
  if (vm.count("addin") && vm.count("no-addin")) {
    err << "wsbkit register: --addin and --no-addin exclude each other\n";
    return exit_code::usage;
  }
  auto writer_id = parse_guid_option("register", "writer", writer, err);
  if (!writer_id) return exit_code::invalid_input;

  RegistrationSpec spec;
  spec.writer_id = *writer_id;
  spec.identifier = identifier;
  if (proxy_stub == "auto") spec.proxy_stub = ProxyStubMode::automatic;
  else if (proxy_stub == "always") spec.proxy_stub = ProxyStubMode::always;
  else if (proxy_stub == "never") spec.proxy_stub = ProxyStubMode::never;
  else {
    err << "wsbkit register: invalid proxy-stub: '" << proxy_stub << "' (expected auto, always or never)\n";
    return exit_code::invalid_input;
  }
  if (vm.count("addin")) {
    AddinSpec a;
    a.exe_path = addin;
    if (vm.count("policy")) a.policy_path = policy;
    if (vm.count("clsid")) {
      a.clsid = parse_guid_option("register", "clsid", clsid, err);
      if (!a.clsid) return exit_code::invalid_input;
    }
    if (!is_absolute_windows_path(addin)) {
      err << "wsbkit register: invalid addin: must be an absolute Windows path (got '" << addin << "')\nNothing was changed.\n";
      return exit_code::invalid_input;
    }
    if (!ctx.file_exists(addin)) {
      err << "wsbkit register: invalid addin: file not found: " << addin << "\nNothing was changed.\n";
      return exit_code::invalid_input;
    }
    spec.proxy_stub_dll = vm.count("proxy-stub-dll") ? proxy_stub_dll
                                                     : addin.substr(0, addin.find_last_of("\\/") + 1) + "wsbkit-ps.dll";
    if (spec.proxy_stub != ProxyStubMode::never && !ctx.file_exists(spec.proxy_stub_dll)) {
      err << "wsbkit register: invalid proxy-stub-dll: file not found: " << spec.proxy_stub_dll
          << " (give --proxy-stub-dll, or --proxy-stub never if the interfaces are marshalled otherwise)\nNothing was changed.\n";
      return exit_code::invalid_input;
    }
    spec.addin = a;
  } else if (vm.count("policy") || vm.count("clsid")) {
    err << "wsbkit register: --policy and --clsid need --addin\n";
    return exit_code::usage;
  }

  Registrar registrar(ctx.registry);
  auto outcome = registrar.register_application(spec);
  if (!outcome) return report(outcome.error(), "register", err);
  out << "Registered '" << identifier << "' (writer " << spec.writer_id.braced() << ")";
  if (!outcome->clsid.empty()) out << " with add-in " << outcome->clsid;
  out << ": ";
  if (outcome->changes == 0) out << "already registered exactly so; nothing changed.\n";
  else out << outcome->changes << " registry change(s).\n";
  if (outcome->proxy_stub_registered) out << "Registered the proxy/stub " << spec.proxy_stub_dll << " for the WSB interfaces.\n";
  return exit_code::ok;
}

int cmd_unregister(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer)->required(), "VSS writer id of the application (GUID, braces optional)");
  po::variables_map vm;
  if (int rc = parse("unregister", args, options, nullptr, vm, out, err, "unregister --writer GUID",
                     "Removes exactly what 'wsbkit register' wrote for this writer (the application entry,\n"
                     "its add-in's COM keys, and the proxy/stub when no other wsbkit registration uses it).\n"
                     "Entries wsbkit did not write are never touched.");
      rc >= 0) {
    return rc;
  }
  auto writer_id = parse_guid_option("unregister", "writer", writer, err);
  if (!writer_id) return exit_code::invalid_input;
  Registrar registrar(ctx.registry);
  auto changes = registrar.unregister_application(*writer_id);
  if (!changes) return report(changes.error(), "unregister", err);
  out << "Unregistered writer " << writer_id->braced() << ": " << *changes << " registry change(s).\n";
  return exit_code::ok;
}

int cmd_status(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  if (int rc = parse("status", args, options, nullptr, vm, out, err, "status",
                     "Lists the applications registered with Windows Server Backup on this machine, with\n"
                     "their add-in and whether wsbkit registered them.");
      rc >= 0) {
    return rc;
  }
  Registrar registrar(ctx.registry);
  auto apps = registrar.list_applications();
  if (!apps) return report(apps.error(), "status", err);
  auto ps = registrar.proxy_stub_present();
  if (!ps) return report(ps.error(), "status", err);
  if (apps->empty()) {
    out << "No application is registered with Windows Server Backup.\n";
  } else {
    out << std::left << std::setw(24) << "IDENTIFIER" << std::setw(40) << "WRITER" << std::setw(40) << "ADD-IN CLSID"
        << "BY WSBKIT\n";
    for (const auto& app : *apps) {
      out << std::setw(24) << (app.identifier.empty() ? "(missing)" : app.identifier) << std::setw(40) << app.writer_id
          << std::setw(40) << app.clsid.value_or("-") << (app.registered_by_wsbkit ? "yes" : "no") << "\n";
      if (app.clsid) out << "  add-in server: " << app.local_server.value_or("(CLSID not registered)") << "\n";
    }
  }
  out << "Proxy/stub for the WSB interfaces: " << (*ps ? "registered" : "not registered") << "\n";
  return exit_code::ok;
}

int cmd_simulate(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string application;
  std::vector<std::string> components, volumes;
  int abort_after_ms = -1;
  int poll_ms = 200;
  options.add_options()
      ("help,h", "show this help")
      ("application,a", po::value(&application), "writer id or identifier of a registered application")
      ("in-process", "drive the add-in core inside wsbkit instead of activating the registered add-in")
      ("component,c", po::value(&components), "component NAME or NAME=LOGICAL_PATH (repeatable; default: two samples)")
      ("volume", po::value(&volumes), "SOURCE=SNAPSHOT volume pair for CheckConsistency (repeatable)")
      ("no-roll-forward", "restore as point-in-time (bNoRollForward TRUE)")
      ("backup-only", "only the backup phase (CheckConsistency)")
      ("restore-only", "only the restore phase")
      ("poll-ms", po::value(&poll_ms)->default_value(200), "QueryStatus polling interval")
      ("abort-after-ms", po::value(&abort_after_ms), "cancel a running consistency check after this many ms");
  po::positional_options_description positional;
  positional.add("application", 1);
  po::variables_map vm;
  if (int rc = parse("simulate", args, options, &positional, vm, out, err, "simulate (APPLICATION | --in-process) [options]",
                     "Acts as Windows Server Backup: finds the application under Application Support, activates\n"
                     "its add-in out of process and makes the calls WSB makes, in WSB's order:\n"
                     "  backup:  CheckConsistency per component (QueryStatus/Abort while a check runs)\n"
                     "  restore: OrderComponents, IsRollForwardSupported, PreRestore/PostRestore per component\n"
                     "printing each call and its HRESULT. Exit code 6 if any call returned something WSB rejects.");
      rc >= 0) {
    return rc;
  }
  const bool in_process = vm.count("in-process") > 0;
  if (in_process == !application.empty()) {
    err << "wsbkit simulate: give either an APPLICATION (writer id or identifier) or --in-process\n"
        << "Try 'wsbkit simulate --help'.\n";
    return exit_code::usage;
  }
  if (vm.count("backup-only") && vm.count("restore-only")) {
    err << "wsbkit simulate: --backup-only and --restore-only exclude each other\n";
    return exit_code::usage;
  }
  if (poll_ms < 1 || poll_ms > 60000) {
    err << "wsbkit simulate: invalid poll-ms: must be 1 to 60000\n";
    return exit_code::invalid_input;
  }

  SimulationOptions sim;
  if (components.empty()) components = {"SampleDatabase=SampleApp\\Databases", "SampleLogs=SampleApp\\Logs"};
  for (const auto& c : components) {
    const auto eq = c.find('=');
    SimulatedComponent component{c.substr(0, eq), std::nullopt};
    if (eq != std::string::npos) component.logical_path = c.substr(eq + 1);
    if (component.name.empty()) {
      err << "wsbkit simulate: invalid component: '" << c << "' has an empty name\n";
      return exit_code::invalid_input;
    }
    sim.components.push_back(component);
  }
  for (const auto& v : volumes) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      err << "wsbkit simulate: invalid volume: '" << v << "' (expected SOURCE=SNAPSHOT)\n";
      return exit_code::invalid_input;
    }
    sim.source_volumes.push_back(v.substr(0, eq));
    sim.snapshot_volumes.push_back(v.substr(eq + 1));
  }
  sim.no_roll_forward = vm.count("no-roll-forward") > 0;
  sim.backup = !vm.count("restore-only");
  sim.restore = !vm.count("backup-only");
  sim.poll_interval = std::chrono::milliseconds(poll_ms);
  if (abort_after_ms >= 0) sim.abort_after = std::chrono::milliseconds(abort_after_ms);

  std::shared_ptr<WsbApplication> app;
  std::unique_ptr<ComRuntime> com;  // outlives `app`: declared first, destroyed last
  if (in_process) {
    app = ctx.make_in_process_addin();
    out << "Simulating Windows Server Backup against the in-process add-in core\n";
  } else {
    auto located = locate_addin(ctx.registry, application);
    if (!located) return report(located.error(), "simulate", err);
    auto runtime = ctx.make_com_runtime();
    if (!runtime) return report(runtime.error(), "simulate", err);
    com = std::move(*runtime);
    out << "Simulating Windows Server Backup against '" << located->identifier << "' (writer " << located->writer_id
        << ", add-in " << located->clsid << ")\n";
    auto activated = com->activate_local_server(located->clsid);
    if (!activated) return report(activated.error(), "simulate", err);
    app = std::move(*activated);
  }
  Simulator simulator(*app, [&](const SimulatedCall& call) {
    out << "  " << std::left << std::setw(8) << call.phase << call.method << "(" << call.arguments << ") -> "
        << hr::name(call.hr);
    if (!call.outcome.empty()) out << ", " << call.outcome;
    out << (call.ok ? "" : "   <-- WSB would reject this") << "\n" << std::flush;
  });
  const auto calls = simulator.run(sim);
  std::size_t failed = 0;
  for (const auto& c : calls) failed += c.ok ? 0 : 1;
  out << calls.size() << " call(s), " << failed << " rejected\n";
  return failed == 0 ? exit_code::ok : exit_code::calls_failed;
}

const Command commands[] = {
    {"register", "register an application (and its add-in) with Windows Server Backup", cmd_register},
    {"unregister", "remove what 'register' wrote", cmd_unregister},
    {"status", "list the applications registered with Windows Server Backup", cmd_status},
    {"simulate", "act as Windows Server Backup and call an add-in", cmd_simulate},
};

void general_help(std::ostream& out) {
  out << "Usage: wsbkit COMMAND [options]\n\n"
         "Registers applications and their add-ins with Windows Server Backup, and tests add-ins\n"
         "by acting as Windows Server Backup.\n\nCommands:\n";
  for (const auto& c : commands) out << "  " << std::left << std::setw(12) << c.name << c.summary << "\n";
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
    out << "wsbkit 0.1.0\n";
    return exit_code::ok;
  }
  for (const auto& c : commands) {
    if (name == c.name) {
      try {
        return c.run(std::vector<std::string>(args.begin() + 1, args.end()), context, out, err);
      } catch (const ErrorException& e) {
        return report(e.error(), name, err);
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
