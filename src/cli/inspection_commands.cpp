// wsbkit doctor (checks each registration: ok / problem / fix) and wsbkit export (a registration
// as a .reg file). Neither changes the registry.
#include "cli/inspection_commands.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>
#include <ostream>

#include "cli/cli_support.hpp"
#include "core/registration/doctor.hpp"
#include "core/policy/policy.hpp"
#include "core/registration/reg_file.hpp"
#include "core/registration/registrar.hpp"
#include "core/restore/journal_key.hpp"
#include "core/restore/session.hpp"
#include "core/support/json_text.hpp"

namespace wsbkit::cli {

namespace {

// A check's stable id for --json: its name in lower case, words joined by '-'.
std::string check_id(const std::string& name) {
  std::string id;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!id.empty() && id.back() != '-') id += '-';
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

// "LedgerSvc: now STOPPED, DISABLED; before the restore RUNNING, AUTO_START (wsbkit disabled it)".
std::string held_service(ServiceControl* services, const Owed& owed) {
  std::string now = "(not checked: no service manager)";
  if (services) {
    auto status = services->query_status(owed.service);
    auto type = services->query_start_type(owed.service);
    now = (status ? to_string(status->state) : "(state unknown: " + status.error().message() + ")") + ", " +
          (type ? to_string(*type) : std::string("(start type unknown)"));
  }
  return owed.service + ": now " + now + "; before the restore " + to_string(owed.state) + ", " + to_string(owed.start_type) +
         (owed.disabled_by_us ? " (wsbkit disabled it)" : "");
}

}  // namespace

// The restore sessions open in the state folder, each with the services it holds and the repair
// command (read only: nothing is claimed, given back or created).
Result<std::vector<DoctorCheck>> check_sessions(CliContext& ctx, const std::optional<Guid>& only) {
  std::vector<DoctorCheck> checks;
  if (!ctx.files || ctx.state_dir.empty()) return checks;
  const std::string dir = ctx.state_dir + "\\sessions";
  auto is_dir = ctx.files->is_directory(dir);
  if (!is_dir) return is_dir.error();
  if (!*is_dir) return checks;
  auto entries = ctx.files->list_directory(dir);
  if (!entries) return entries.error();
  auto key = ctx.registry.get_value(RegistryRoot::local_machine, std::string(journal_key_path), std::string(journal_key_value));
  const std::string secret = key ? std::string(key->data.begin(), key->data.end()) : std::string();
  const std::string suffix = ".journal";
  for (const auto& entry : *entries) {
    if (entry.name.size() <= suffix.size() || entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string name = entry.name.substr(0, entry.name.size() - suffix.size());
    const auto writer = Guid::parse(name);
    if (only && !(writer && *writer == *only)) continue;
    const std::string repair = "wsbkit repair" + (writer ? " --writer " + writer->braced() : std::string());
    DoctorCheck check{"restore session " + name, "no restore session left open", CheckStatus::problem, {}, {}};
    check.fix = "if no restore is running now, give the services back: " + repair;
    RestoreSession session(*ctx.files, dir + "\\" + entry.name, JournalSeal{ctx.digests, secret, name});
    if (auto loaded = session.load(); !loaded) {
      check.detail = dir + "\\" + entry.name + " cannot be read: " + loaded.error().message();
    } else if (!session.state().open && !session.owes_anything()) {
      continue;
    } else {
      check.detail = dir + "\\" + entry.name + ": a restore session is open";
      for (const auto& owed : session.state().owed) check.detail += "\nholds " + held_service(ctx.services, owed);
    }
    checks.push_back(check);
  }
  return checks;
}

namespace {

void print_checks(std::ostream& out, const std::vector<DoctorCheck>& checks) {
  std::string subject;
  for (const auto& check : checks) {
    if (check.subject != subject) {
      subject = check.subject;
      out << subject << "\n";
    }
    const bool bad = check.status == CheckStatus::problem;
    // Multi-line details (a plan) are indented under their check.
    std::string detail = check.detail;
    for (std::size_t at = detail.find('\n'); at != std::string::npos; at = detail.find('\n', at + 1)) {
      detail.insert(at + 1, "             ");
    }
    out << "  " << (bad ? "PROBLEM  " : "ok       ") << check.name << ": " << detail << "\n";
    if (bad) out << "           fix: " << check.fix << "\n";
  }
}

void print_json(std::ostream& out, const std::vector<DoctorCheck>& checks, std::size_t problems) {
  nlohmann::json doc;
  doc["checks"] = nlohmann::json::array();
  for (const auto& check : checks) {
    nlohmann::json c{{"id", check_id(check.name)},
                     {"subject", check.subject},
                     {"name", check.name},
                     {"status", check.status == CheckStatus::problem ? "problem" : "ok"},
                     {"detail", check.detail}};
    if (check.status == CheckStatus::problem) c["fix"] = check.fix;
    doc["checks"].push_back(c);
  }
  doc["ok"] = checks.size() - problems;
  doc["problems"] = problems;
  out << json_text(doc, 2) << "\n";  // registry text may hold unpaired surrogates: dump() would throw
}

}  // namespace

int cmd_doctor(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer), "check only this application (VSS writer id)")
      ("json", "print one JSON document: every check with a stable id, its status, detail and fix");
  po::variables_map vm;
  if (int rc = parse("doctor", args, options, nullptr, vm, out, err, "doctor [--writer GUID] [--json]",
                     "Checks every application registered with Windows Server Backup: its entry, that its\n"
                     "identifier is unique, its add-in's CLSID and executable (or service), its policy file\n"
                     "(valid on this machine: the services it names installed, its application block naming\n"
                     "this writer and identifier), the AppID launch and access permissions (none for Everyone\n"
                     "or Users), the proxy/stub for the three WSB interfaces, that nobody but SYSTEM,\n"
                     "Administrators and TrustedInstaller may change the add-in, its folder, the proxy/stub\n"
                     "DLL or the policy, and, for wsbkit's registrations, that the registry still holds what\n"
                     "wsbkit recorded, that no register or unregister was interrupted and that no record was\n"
                     "orphaned (its Application Support entry deleted by hand). Reports the restore sessions\n"
                     "left open and the services they hold stopped or disabled, with the repair command.\n"
                     "Prints ok or PROBLEM and a fix for each; exit code 7 when any check finds a problem.\n"
                     "Changes nothing.");
      rc >= 0) {
    return rc;
  }
  DoctorOptions doctor;
  if (vm.count("writer")) {
    doctor.writer = parse_guid_option("doctor", "writer", writer, err);
    if (!doctor.writer) return exit_code::invalid_input;
  }
  doctor.file_exists = ctx.file_exists;
  doctor.security = ctx.security;
  if (ctx.files) {
    doctor.validate_policy = [&ctx](const std::string& path, const std::string& writer_id,
                                    const std::string& identifier) -> Result<void> {
      auto checked = read_policy_on_target(ctx, path, PolicyRegistration{writer_id, identifier});
      if (!checked) return checked.error();
      if (checked->ok()) return success();
      std::string problems;
      for (const auto& p : checked->problems) problems += (problems.empty() ? "" : "\n") + p;
      return Error::hresult(hr::e_invalidarg, "policy", path, problems);
    };
  }
  auto checks = run_doctor(ctx.registry, ctx.services, doctor);
  if (!checks) return report(checks.error(), "doctor", err);
  auto sessions = check_sessions(ctx, doctor.writer);
  if (!sessions) return report(sessions.error(), "doctor", err);
  checks->insert(checks->end(), sessions->begin(), sessions->end());
  if (checks->empty() && !vm.count("json")) {
    if (doctor.writer) {
      err << "wsbkit doctor: no application is registered for writer " << doctor.writer->braced() << "\n";
      return exit_code::not_found;
    }
    out << "No application is registered with Windows Server Backup, wsbkit has no record of one and no restore "
           "session is open; nothing to check.\n";
    return exit_code::ok;
  }
  if (ctx.folders && !ctx.state_dir.empty()) {
    auto state = check_state_folder(*ctx.folders, ctx.state_dir);
    if (!state) return report(state.error(), "doctor", err);
    checks->push_back(*state);
  }
  const auto problems = static_cast<std::size_t>(
      std::count_if(checks->begin(), checks->end(), [](const DoctorCheck& c) { return c.status == CheckStatus::problem; }));
  if (vm.count("json")) {
    print_json(out, *checks, problems);
  } else {
    print_checks(out, *checks);
    out << checks->size() << " check(s): " << checks->size() - problems << " ok, " << problems << " problem(s).\n";
  }
  return problems ? exit_code::problems_found : exit_code::ok;
}

int cmd_export(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer, file;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer)->required(), "VSS writer id of the application (GUID, braces optional)")
      ("out,o", po::value(&file)->required(), "the .reg file to write (replaced if it exists)");
  po::variables_map vm;
  if (int rc = parse("export", args, options, nullptr, vm, out, err, "export --writer GUID --out FILE.reg",
                     "Writes what 'wsbkit register' wrote for this writer (with wsbkit's record of it, so\n"
                     "that 'wsbkit unregister' and 'wsbkit doctor' work on the machine it is imported on) as\n"
                     "a .reg file, the way regedit writes one: 'Windows Registry Editor Version 5.00',\n"
                     "UTF-16LE. Import it from an elevated prompt with 'reg import FILE.reg' (64-bit) or\n"
                     "regedit. An add-in hosted as a service needs its service created separately (the file\n"
                     "says how).");
      rc >= 0) {
    return rc;
  }
  auto writer_id = parse_guid_option("export", "writer", writer, err);
  if (!writer_id) return exit_code::invalid_input;
  Registrar registrar(ctx.registry, ctx.services);
  auto recorded = registrar.recorded(*writer_id);
  if (!recorded) return report(recorded.error(), "export", err);
  auto keys = registrar.exported_keys(*writer_id);
  if (!keys) return report(keys.error(), "export", err);

  std::vector<RegFileKey> reg_keys;
  for (auto& key : *keys) reg_keys.push_back({RegistryRoot::local_machine, key.path, key.values});
  std::vector<std::string> comments{"wsbkit registration of '" + (*recorded)->spec.identifier + "' (writer " +
                                    writer_id->braced() + ")",
                                    "import from an elevated prompt: reg import FILE.reg"};
  if ((*recorded)->spec.addin && (*recorded)->clsid && (*recorded)->spec.addin->hosting == Hosting::local_service) {
    const auto service = service_definition((*recorded)->spec, *(*recorded)->clsid);
    std::string bin_path;  // sc.exe wants inner quotes escaped
    for (const char c : service.command_line) bin_path += c == '"' ? std::string("\\\"") : std::string(1, c);
    comments.push_back("the add-in runs as the service " + service.name + "; create it too:");
    comments.push_back("sc.exe create " + service.name + " binPath= \"" + bin_path + "\" start= demand obj= LocalSystem" +
                       " DisplayName= \"" + service.display_name + "\"");
  }
  const auto text = reg_file_text(reg_keys, comments);
  if (!text) return report(text.error(), "export", err);
  const std::string bytes = utf16le_with_bom(*text);
  const std::filesystem::path path(std::u8string(reinterpret_cast<const char8_t*>(file.data()), file.size()));
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  stream.close();
  if (!stream) {
    return report(Error::win32(win32_error::write_fault, "write", file, "could not write the .reg file"), "export", err);
  }
  out << "Exported " << reg_keys.size() << " key(s) of writer " << writer_id->braced() << " to " << file << "\n";
  return exit_code::ok;
}

}  // namespace wsbkit::cli
