// wsbkit register | unregister | status: the registration lifecycle.
#include <iomanip>
#include <ostream>

#include "cli/cli_support.hpp"
#include "core/registrar.hpp"

namespace wsbkit::cli {
namespace {

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


}  // namespace

std::vector<Command> registration_commands() {
  return {
      {"register", "register an application (and its add-in) with Windows Server Backup", cmd_register},
      {"unregister", "remove what 'register' wrote", cmd_unregister},
      {"status", "list the applications registered with Windows Server Backup", cmd_status},
  };
}

}  // namespace wsbkit::cli
