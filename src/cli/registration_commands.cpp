// wsbkit register | unregister | status | doctor | export: the registration lifecycle.
// register and unregister take --dry-run: the same code runs in plan mode and prints the exact
// changes (keys, values, types, old -> new) without writing anything.
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli_support.hpp"
#include "cli/inspection_commands.hpp"
#include "core/registration/registrar.hpp"
#include "core/registration/wsb_layout.hpp"
#include "core/steps/trust.hpp"
#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit::cli {
namespace {

// "12 change(s) (3 key(s) created, 8 value(s) written, 1 removed, 1 service created)".
std::string change_counts(const std::vector<Change>& changes, bool dry_run) {
  std::size_t keys = 0, values = 0, removed = 0, services_created = 0, services_deleted = 0;
  for (const auto& c : changes) {
    switch (c.kind) {
      case ChangeKind::create_key: ++keys; break;
      case ChangeKind::set_value: ++values; break;
      case ChangeKind::delete_key:
      case ChangeKind::delete_value: ++removed; break;
      case ChangeKind::create_service: ++services_created; break;
      case ChangeKind::delete_service: ++services_deleted; break;
    }
  }
  std::string text = std::to_string(changes.size()) + " change(s)" + (dry_run ? " planned" : "") + " (" +
                     std::to_string(keys) + " key(s) created, " + std::to_string(values) + " value(s) written, " +
                     std::to_string(removed) + " key(s) or value(s) removed";
  if (services_created) text += ", " + std::to_string(services_created) + " service created";
  if (services_deleted) text += ", " + std::to_string(services_deleted) + " service deleted";
  return text + ")";
}

// The summary first; every change only with --verbose or --dry-run.
void print_outcome(std::ostream& out, const std::string& headline, const std::vector<std::string>& summary,
                   const RegistrationOutcome& outcome, bool dry_run, bool verbose, const char* unchanged) {
  if (dry_run) out << "Dry run (nothing was written): ";
  out << headline << ": ";
  if (outcome.changes.empty()) out << unchanged << (dry_run ? "; nothing would change.\n" : "; nothing changed.\n");
  else out << change_counts(outcome.changes, dry_run) << ".\n";
  for (const auto& line : summary) out << "  " << line << "\n";
  if (!outcome.changes.empty() && (dry_run || verbose)) {
    out << outcome.changes.size() << (dry_run ? " change(s) planned:\n" : " change(s):\n");
    for (const auto& change : outcome.changes) out << "  " << describe(change) << "\n";
  } else if (!outcome.changes.empty()) {
    out << "(--verbose lists every change)\n";
  }
  for (const auto& left : outcome.left_behind) out << "Left in place: " << left << "\n";
}

// How COM starts the add-in, as an administrator reads it.
std::string hosting_text(const RegistrationSpec& spec, const std::string& clsid) {
  if (spec.addin->hosting == Hosting::local_service) {
    return "service " + service_definition(spec, clsid).name + " (runs as LocalSystem, started on demand by COM)";
  }
  return "COM local server, a process per activation (runs as the activating caller: SYSTEM under Windows Server Backup)";
}

std::vector<std::string> registration_summary(const RegistrationSpec& spec, const std::string& clsid, bool removing) {
  std::vector<std::string> lines;
  lines.push_back(std::string("Windows Server Backup ") + (removing ? "no longer shows" : "shows") + " the application '" +
                  spec.identifier + "'");
  if (!spec.addin || clsid.empty()) {
    if (!removing) lines.push_back("add-in: none (WSB backs up and restores its components; nothing runs around them)");
    return lines;
  }
  lines.push_back(std::string("add-in") + (removing ? " removed: " : ": ") + spec.addin->exe_path + ", CLSID " + clsid);
  lines.push_back(std::string("hosted as") + (removing ? " (was): " : ": ") + hosting_text(spec, clsid));
  if (!removing) lines.push_back("policy: " + spec.addin->policy_path.value_or("none (every WSB call gets 'nothing to do')"));
  return lines;
}

int invalid_option(std::ostream& err, const std::string& field, const std::string& rule) {
  err << "wsbkit register: invalid " << field << ": " << rule << "\nNothing was changed.\n";
  return exit_code::invalid_input;
}

// The add-in answers --version as wsbkit's add-in. Only a file that passes the trust check is run
// (through the handle checked); one that does not is left to the registrar, which refuses it.
int probe_addin_version(CliContext& ctx, const std::string& path, std::ostream& err) {
  if (!ctx.processes) return exit_code::ok;
  TrustedFile trusted;
  if (ctx.security) {
    trusted = open_trusted(*ctx.security, path, FileRole::executable);
    if (!trusted.refusal.empty() || !trusted.file) return exit_code::ok;
  }
  ProcessRequest request;
  request.executable = path;
  request.image = trusted.file.get();
  request.arguments = {"--version"};
  request.timeout = std::chrono::seconds(30);
  auto outcome = ctx.processes->run(request);
  const std::string answer = outcome ? outcome->standard_output.substr(0, 80) : std::string();
  if (outcome && !outcome->timed_out && outcome->exit_code == 0 && answer.rfind("wsbkit-addin ", 0) == 0) return exit_code::ok;
  return invalid_option(err, "addin",
                        path + " does not answer --version as wsbkit's add-in (" +
                            (outcome ? "exit code " + std::to_string(outcome->exit_code) + ", printed '" +
                                           answer.substr(0, answer.find_first_of("\r\n")) + "'"
                                     : outcome.error().message()) +
                            "): give the path of wsbkit-addin.exe");
}

// The add-in is wsbkit's, and its policy is valid on this machine for this registration.
int check_addin_inputs(CliContext& ctx, const RegistrationSpec& spec, bool no_policy, std::ostream& err) {
  const AddinSpec& addin = *spec.addin;
  const std::string file_name = addin.exe_path.substr(addin.exe_path.find_last_of("\\/") + 1);
  if (!iequals(file_name, "wsbkit-addin.exe")) {
    return invalid_option(err, "addin",
                          "'" + file_name + "' is not wsbkit's add-in: give the path of wsbkit-addin.exe (wsbkit.exe is the "
                          "administration tool)");
  }
  if (int rc = probe_addin_version(ctx, addin.exe_path, err); rc != exit_code::ok) return rc;
  if (!addin.policy_path) {
    if (no_policy) return exit_code::ok;
    return invalid_option(err, "policy",
                          "an add-in needs a policy: give --policy FILE (or --no-policy for an add-in that answers every "
                          "WSB call with 'nothing to do')");
  }
  if (no_policy) {
    err << "wsbkit register: --policy and --no-policy exclude each other\n";
    return exit_code::usage;
  }
  const std::string& path = *addin.policy_path;
  if (!ctx.files || !ctx.file_exists(path)) return invalid_option(err, "policy", "file not found: " + path);
  auto checked = read_policy_on_target(ctx, path, PolicyRegistration{spec.writer_id.braced(), spec.identifier});
  if (!checked) return invalid_option(err, "policy", "cannot read " + path + ": " + checked.error().message());
  if (checked->ok()) return exit_code::ok;
  for (const auto& problem : checked->problems) err << problem << "\n";
  return invalid_option(err, "policy",
                        std::to_string(checked->problems.size()) + " problem(s) in " + path + " (listed above; 'wsbkit validate " +
                            path + "' checks it again)");
}

// Registering without --addin removes the add-in an earlier registration has: only on purpose.
int confirm_addin_removal(CliContext& ctx, const Guid& writer, std::ostream& err) {
  Registrar registrar(ctx.registry, ctx.services);
  auto recorded = registrar.recorded(writer);
  if (!recorded) return report(recorded.error(), "register", err);
  if (!*recorded || !(*recorded)->spec.addin) return exit_code::ok;
  err << "wsbkit register: WARNING: writer " << writer.braced() << " is registered with the add-in "
      << (*recorded)->spec.addin->exe_path << " (CLSID " << (*recorded)->clsid.value_or("?") << "); registering it without --addin would "
      << "remove the add-in, its CLSID, AppID" << ((*recorded)->spec.addin->hosting == Hosting::local_service ? ", service" : "")
      << " and proxy/stub registration.\n";
  return invalid_option(err, "addin",
                        "repeat --addin " + (*recorded)->spec.addin->exe_path +
                            " (and its other options) to keep the add-in, or give --no-addin to remove it");
}

int cmd_register(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer, identifier, addin, clsid, policy, hosting, service_name, launch, access, proxy_stub, proxy_stub_dll;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer)->required(), "VSS writer id of the application (GUID, braces optional, any case)")
      ("identifier,i", po::value(&identifier)->required(),
       "name WSB shows for the application (1-256 characters, no control characters, unique among registered "
       "applications)")
      ("addin,a", po::value(&addin),
       "absolute path of an existing wsbkit-addin.exe; registers the add-in (without it: the application only)")
      ("no-addin", "register the application without an add-in (the default when --addin is absent); needed to "
                   "confirm removing the add-in of an earlier registration of this writer")
      ("clsid", po::value(&clsid), "CLSID of the add-in (default: derived from the writer id, stable)")
      ("policy,p", po::value(&policy),
       "absolute path of the policy file given to the add-in (required with --addin); it must be valid on this machine: "
       "the services it names installed, its application block naming this writer and identifier")
      ("no-policy", "register an add-in without a policy: it answers every WSB call with 'nothing to do'")
      ("hosting", po::value(&hosting)->default_value("LocalServer32"),
       "how COM starts the add-in: LocalServer32 (a process per activation) or LocalService (a Windows service "
       "running as LocalSystem, demand start)")
      ("service-name", po::value(&service_name), "name of the add-in's service (LocalService; default wsbkit-addin-XXXXXXXX)")
      ("launch-permission", po::value(&launch)->default_value(std::string(default_com_permission_sddl)),
       "who may launch and activate the add-in (SDDL; AppID LaunchPermission)")
      ("access-permission", po::value(&access)->default_value(std::string(default_com_permission_sddl)),
       "who may call the add-in (SDDL; AppID AccessPermission)")
      ("proxy-stub", po::value(&proxy_stub)->default_value("auto"),
       "register wsbkit-ps.dll for the WSB interfaces: auto (only where an interface has none), always (also "
       "re-write wsbkit's own), never; another product's registration is never touched")
      ("proxy-stub-dll", po::value(&proxy_stub_dll), "absolute path of wsbkit-ps.dll (default: beside the add-in)")
      ("force", "take over an Application Support entry for this writer that wsbkit did not write (unregister puts "
                "it back), and register an add-in (or its folder), proxy/stub DLL or policy that non-administrators "
                "may change, with a warning; never overrides the unique-identifier rule or another product's CLSID, "
                "service or proxy/stub")
      ("verbose,v", "list every change (key, value, type, old -> new) after the summary")
      ("dry-run,n", "print the summary and the exact changes, and write nothing");
  po::variables_map vm;
  if (int rc = parse("register", args, options, nullptr, vm, out, err,
                     "register --writer GUID --identifier NAME [--addin PATH] [options]",
                     "Registers an application with Windows Server Backup so it appears as a separately\n"
                     "recoverable item, and optionally its add-in (a COM server). All or nothing: on any\n"
                     "failure every change is rolled back (if undoing fails too, exit 1 and the changes\n"
                     "still in place are listed). Registering again updates in place; the same inputs\n"
                     "change nothing, and it completes a registration that was interrupted.\n"
                     "The add-in runs as SYSTEM: an add-in, its folder, the proxy/stub DLL or the policy\n"
                     "that anyone but SYSTEM, Administrators and TrustedInstaller may change is refused\n"
                     "(exit 3, with the icacls fix); --force registers it anyway, with a warning.\n"
                     "Refused too (exit 3, nothing written): an add-in that is not wsbkit-addin.exe, an add-in\n"
                     "without --policy (or --no-policy), a policy that is missing or invalid on this machine\n"
                     "(problems printed as FILE:LINE:COLUMN: PATH: MESSAGE: services not installed,\n"
                     "executables missing, an application block naming another writer or identifier), and\n"
                     "registering without --addin where an add-in is registered (--no-addin removes it).\n"
                     "Prints a summary (what WSB shows, the add-in and how it runs, counts of changes);\n"
                     "--verbose or --dry-run also list every change.");
      rc >= 0) {
    return rc;
  }
  if (vm.count("addin") && vm.count("no-addin")) {
    err << "wsbkit register: --addin and --no-addin exclude each other\n";
    return exit_code::usage;
  }
  const bool with_addin = vm.count("addin") > 0;
  for (const char* needs_addin : {"policy", "no-policy", "clsid", "service-name"}) {
    if (vm.count(needs_addin) && !with_addin) {
      err << "wsbkit register: --" << needs_addin << " needs --addin\n";
      return exit_code::usage;
    }
  }
  for (const char* needs_addin : {"hosting", "launch-permission", "access-permission"}) {
    if (!vm[needs_addin].defaulted() && !with_addin) {
      err << "wsbkit register: --" << needs_addin << " needs --addin\n";
      return exit_code::usage;
    }
  }
  auto writer_id = parse_guid_option("register", "writer", writer, err);
  if (!writer_id) return exit_code::invalid_input;

  RegistrationSpec spec;
  spec.writer_id = *writer_id;
  spec.identifier = identifier;
  spec.force = vm.count("force") > 0;
  if (proxy_stub == "auto") spec.proxy_stub = ProxyStubMode::automatic;
  else if (proxy_stub == "always") spec.proxy_stub = ProxyStubMode::always;
  else if (proxy_stub == "never") spec.proxy_stub = ProxyStubMode::never;
  else return invalid_option(err, "proxy-stub", "'" + proxy_stub + "' (expected auto, always or never)");
  if (with_addin) {
    AddinSpec a;
    a.exe_path = addin;
    if (vm.count("policy")) a.policy_path = policy;
    if (vm.count("clsid")) {
      a.clsid = parse_guid_option("register", "clsid", clsid, err);
      if (!a.clsid) return exit_code::invalid_input;
    }
    if (iequals(hosting, "LocalServer32")) a.hosting = Hosting::local_server;
    else if (iequals(hosting, "LocalService")) a.hosting = Hosting::local_service;
    else return invalid_option(err, "hosting", "'" + hosting + "' (expected LocalServer32 or LocalService)");
    if (vm.count("service-name") && a.hosting != Hosting::local_service) {
      err << "wsbkit register: --service-name needs --hosting LocalService\n";
      return exit_code::usage;
    }
    a.service_name = service_name;
    a.launch_permission = launch;
    a.access_permission = access;
    spec.proxy_stub_dll = vm.count("proxy-stub-dll") ? proxy_stub_dll
                                                     : addin.substr(0, addin.find_last_of("\\/") + 1) + "wsbkit-ps.dll";
    spec.addin = a;
  } else if (vm.count("proxy-stub-dll")) {
    spec.proxy_stub_dll = proxy_stub_dll;
  }
  // The rules that need no registry first, so the message names the real culprit.
  if (auto valid = validate_spec(spec); !valid) return report(valid.error(), "register", err);
  if (spec.addin) {
    if (!ctx.file_exists(addin)) return invalid_option(err, "addin", "file not found: " + addin);
    if (spec.proxy_stub != ProxyStubMode::never && !ctx.file_exists(spec.proxy_stub_dll)) {
      return invalid_option(err, "proxy-stub-dll",
                            "file not found: " + spec.proxy_stub_dll +
                                " (give --proxy-stub-dll, or --proxy-stub never if the interfaces are marshalled otherwise)");
    }
  }

  if (spec.addin) {
    if (int rc = check_addin_inputs(ctx, spec, vm.count("no-policy") > 0, err); rc != exit_code::ok) return rc;
  } else if (!vm.count("no-addin")) {
    if (int rc = confirm_addin_removal(ctx, spec.writer_id, err); rc != exit_code::ok) return rc;
  }

  const bool dry_run = vm.count("dry-run") > 0;
  Registrar registrar(ctx.registry, ctx.services, ctx.security);
  auto outcome = registrar.register_application(spec, dry_run ? TransactionMode::plan : TransactionMode::apply);
  if (!outcome) return report(outcome.error(), "register", err);
  for (const auto& warning : outcome->warnings) err << "wsbkit register: WARNING: " << warning << "\n";
  std::string headline = std::string(dry_run ? "registering '" : "Registered '") + identifier + "' (writer " +
                         spec.writer_id.braced() + ")";
  if (!outcome->clsid.empty()) headline += " with add-in " + outcome->clsid;
  print_outcome(out, headline, registration_summary(spec, outcome->clsid, false), *outcome, dry_run, vm.count("verbose") > 0,
                "already registered exactly so");
  if (outcome->proxy_stub_written) {
    out << (dry_run ? "Would register" : "Registered") << " the proxy/stub " << spec.proxy_stub_dll
        << " for the WSB interfaces.\n";
  }
  return exit_code::ok;
}

int cmd_unregister(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer)->required(), "VSS writer id of the application (GUID, braces optional)")
      ("verbose,v", "list every change after the summary")
      ("dry-run,n", "print the summary and the exact changes, and write nothing");
  po::variables_map vm;
  if (int rc = parse("unregister", args, options, nullptr, vm, out, err, "unregister --writer GUID [--dry-run] [--verbose]",
                     "Removes exactly what 'wsbkit register' wrote for this writer, as wsbkit recorded it: the\n"
                     "keys it created and the values it wrote (values it overwrote get their old data back),\n"
                     "the add-in's service, and the proxy/stub when no other wsbkit registration uses it.\n"
                     "Anything wsbkit did not write is never touched, Application Support included.\n"
                     "It also removes what an interrupted 'register' had written (its intent record says\n"
                     "what), and finishes an interrupted 'unregister'.");
      rc >= 0) {
    return rc;
  }
  auto writer_id = parse_guid_option("unregister", "writer", writer, err);
  if (!writer_id) return exit_code::invalid_input;
  const bool dry_run = vm.count("dry-run") > 0;
  Registrar registrar(ctx.registry, ctx.services);
  auto recorded = registrar.recorded(*writer_id);
  if (!recorded) return report(recorded.error(), "unregister", err);
  auto outcome = registrar.unregister_application(*writer_id, dry_run ? TransactionMode::plan : TransactionMode::apply);
  if (!outcome) return report(outcome.error(), "unregister", err);
  std::vector<std::string> summary;
  if (*recorded && !outcome->changes.empty()) summary = registration_summary((*recorded)->spec, (*recorded)->clsid.value_or(""), true);
  print_outcome(out, std::string(dry_run ? "unregistering" : "Unregistered") + " writer " + writer_id->braced(), summary,
                *outcome, dry_run, vm.count("verbose") > 0, "nothing recorded is left");
  return exit_code::ok;
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

int cmd_status(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("json", "print one JSON document instead of the table");
  po::variables_map vm;
  if (int rc = parse("status", args, options, nullptr, vm, out, err, "status [--json]",
                     "Lists the applications registered with Windows Server Backup on this machine, with\n"
                     "their add-in, its permissions, and whether wsbkit registered them; and the proxy/stub\n"
                     "of the WSB interfaces.");
      rc >= 0) {
    return rc;
  }
  Registrar registrar(ctx.registry, ctx.services);
  auto apps = registrar.list_applications();
  if (!apps) return report(apps.error(), "status", err);
  auto clsids = registrar.proxy_stub_clsids();
  if (!clsids) return report(clsids.error(), "status", err);
  const bool ps_present = std::all_of(clsids->begin(), clsids->end(), [](const auto& c) { return c.has_value(); });

  if (vm.count("json")) {
    nlohmann::json doc;
    doc["applications"] = nlohmann::json::array();
    for (const auto& app : *apps) {
      nlohmann::json a;
      a["writer"] = app.writer_id;
      a["identifier"] = app.identifier;
      a["clsid"] = optional_json(app.clsid);
      a["hosting"] = app.local_service ? nlohmann::json("LocalService")
                     : app.local_server ? nlohmann::json("LocalServer32") : nlohmann::json(nullptr);
      a["local_server"] = optional_json(app.local_server);
      a["local_service"] = optional_json(app.local_service);
      a["launch_permission"] = optional_json(app.launch_permission);
      a["access_permission"] = optional_json(app.access_permission);
      a["registered_by_wsbkit"] = app.registered_by_wsbkit;
      doc["applications"].push_back(a);
    }
    nlohmann::json interfaces = nlohmann::json::array();
    for (std::size_t i = 0; i < layout::wsb_interfaces.size(); ++i) {
      const auto& itf = layout::wsb_interfaces[i];
      const auto& c = (*clsids)[i];
      interfaces.push_back({{"iid", std::string(itf.iid)},
                            {"name", std::string(itf.name)},
                            {"proxy_stub_clsid", optional_json(c)},
                            {"wsbkit", c.has_value() && iequals(*c, layout::proxy_stub_clsid)}});
    }
    doc["proxy_stub"] = {{"registered", ps_present}, {"interfaces", interfaces}};
    out << json_text(doc, 2) << "\n";  // registry text may hold unpaired surrogates: dump() would throw
    return exit_code::ok;
  }

  if (apps->empty()) {
    out << "No application is registered with Windows Server Backup.\n";
  } else {
    out << std::left << std::setw(24) << "IDENTIFIER" << std::setw(40) << "WRITER" << std::setw(40) << "ADD-IN CLSID"
        << "BY WSBKIT\n";
    for (const auto& app : *apps) {
      out << std::setw(24) << (app.identifier.empty() ? "(missing)" : app.identifier) << std::setw(40) << app.writer_id
          << std::setw(40) << app.clsid.value_or("-") << (app.registered_by_wsbkit ? "yes" : "no") << "\n";
      if (!app.clsid) continue;
      if (app.local_service) out << "  add-in hosted as: service " << *app.local_service << " (runs as LocalSystem)\n";
      else out << "  add-in server: " << app.local_server.value_or("(CLSID not registered)") << "\n";
      out << "  launch permission: " << app.launch_permission.value_or("(none)") << "\n";
      out << "  access permission: " << app.access_permission.value_or("(none)") << "\n";
    }
  }
  out << "Proxy/stub for the WSB interfaces: " << (ps_present ? "registered" : "not registered") << "\n";
  return exit_code::ok;
}

}  // namespace

std::vector<Command> registration_commands() {
  return {
      {"register", "register an application (and its add-in) with Windows Server Backup", cmd_register},
      {"unregister", "remove what 'register' wrote", cmd_unregister},
      {"status", "list the applications registered with Windows Server Backup", cmd_status},
      {"doctor", "check the registrations and say how to fix each problem", cmd_doctor},
      {"export", "write a registration as a .reg file for reg import / regedit", cmd_export},
  };
}

}  // namespace wsbkit::cli
