// wsbkit doctor (checks each registration: ok / problem / fix) and wsbkit export (a registration
// as a .reg file). Neither changes the registry.
#include "cli/inspection_commands.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

#include "cli/cli_support.hpp"
#include "core/registration/doctor.hpp"
#include "core/policy/policy.hpp"
#include "core/registration/reg_file.hpp"
#include "core/registration/registrar.hpp"

namespace wsbkit::cli {

int cmd_doctor(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string writer;
  options.add_options()
      ("help,h", "show this help")
      ("writer,w", po::value(&writer), "check only this application (VSS writer id)");
  po::variables_map vm;
  if (int rc = parse("doctor", args, options, nullptr, vm, out, err, "doctor [--writer GUID]",
                     "Checks every application registered with Windows Server Backup: its entry, that its\n"
                     "identifier is unique, its add-in's CLSID and executable (or service), its policy file,\n"
                     "the AppID launch and access permissions (none for Everyone or Users), the proxy/stub\n"
                     "for the three WSB interfaces, that nobody but SYSTEM, Administrators and\n"
                     "TrustedInstaller may change the add-in, its folder, the proxy/stub DLL or the policy,\n"
                     "and, for wsbkit's registrations, that the registry still holds what wsbkit recorded\n"
                     "and that no register or unregister was interrupted. Prints ok or PROBLEM and a fix for\n"
                     "each; exit code 7 when any check finds a problem. Changes nothing.");
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
    doctor.validate_policy = [&ctx](const std::string& path) -> Result<void> {
      auto text = ctx.files->read_file(path);
      if (!text) return text.error();
      policy::ParseOptions parse_options;
      if (ctx.check_referenced_files) {
        parse_options.file_exists = [&ctx](const std::string& p) {
          auto exists = ctx.files->exists(p);
          return exists && *exists;
        };
      }
      const auto result = policy::parse_policy(*text, parse_options);
      if (result.policy) return success();
      std::string problems;
      for (const auto& p : result.problems) problems += (problems.empty() ? "" : "; ") + p.format(path);
      return Error::hresult(hr::e_invalidarg, "policy", path, problems + " (see 'wsbkit validate " + path + "')");
    };
  }
  auto checks = run_doctor(ctx.registry, ctx.services, doctor);
  if (!checks) return report(checks.error(), "doctor", err);
  if (checks->empty()) {
    if (doctor.writer) {
      err << "wsbkit doctor: no application is registered for writer " << doctor.writer->braced() << "\n";
      return exit_code::not_found;
    }
    out << "No application is registered with Windows Server Backup; nothing to check.\n";
    return exit_code::ok;
  }
  if (ctx.folders && !ctx.state_dir.empty()) {
    auto state = check_state_folder(*ctx.folders, ctx.state_dir);
    if (!state) return report(state.error(), "doctor", err);
    checks->push_back(*state);
  }
  std::size_t problems = 0;
  std::string subject;
  for (const auto& check : *checks) {
    if (check.subject != subject) {
      subject = check.subject;
      out << subject << "\n";
    }
    const bool bad = check.status == CheckStatus::problem;
    problems += bad ? 1 : 0;
    // Multi-line details (a plan) are indented under their check.
    std::string detail = check.detail;
    for (std::size_t at = detail.find('\n'); at != std::string::npos; at = detail.find('\n', at + 1)) {
      detail.insert(at + 1, "             ");
    }
    out << "  " << (bad ? "PROBLEM  " : "ok       ") << check.name << ": " << detail << "\n";
    if (bad) out << "           fix: " << check.fix << "\n";
  }
  out << checks->size() << " check(s): " << checks->size() - problems << " ok, " << problems << " problem(s).\n";
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
