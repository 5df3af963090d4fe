#include "core/registration/doctor.hpp"

#include <algorithm>

#include "core/registration/registrar.hpp"
#include "core/registration/security_descriptor.hpp"
#include "core/registration/wsb_layout.hpp"
#include "core/restore/state_folder.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr auto hklm = RegistryRoot::local_machine;

std::string str(std::string_view s) { return std::string(s); }
std::string class_key(const std::string& clsid) { return str(layout::classes) + "\\CLSID\\" + clsid; }
std::string appid_key(const std::string& clsid) { return str(layout::classes) + "\\AppID\\" + clsid; }

Result<std::optional<RegistryValue>> read_optional(Registry& reg, const std::string& key, const std::string& name) {
  auto value = reg.get_value(hklm, key, name);
  if (value) return std::optional<RegistryValue>(*value);
  if (value.error().is_win32(win32_error::file_not_found)) return std::optional<RegistryValue>();
  return value.error();
}

Result<std::optional<std::string>> read_string(Registry& reg, const std::string& key, const std::string& name) {
  auto value = read_optional(reg, key, name);
  if (!value) return value.error();
  if (!*value) return std::optional<std::string>();
  auto text = decode_string(**value);
  if (!text) return std::optional<std::string>("(not a string: " + text.error().system_message() + ")");
  return std::optional<std::string>(*text);
}

// The program of a command line: the quoted first token, or up to the first blank.
std::string program_of(const std::string& command) {
  if (!command.empty() && command[0] == '"') {
    const auto end = command.find('"', 1);
    return command.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  return command.substr(0, command.find(' '));
}

}  // namespace

std::optional<std::string> policy_argument(const std::string& command) {
  const std::string marker = "--policy \"";
  const auto at = command.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + marker.size();
  const auto end = command.find('"', start);
  return command.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

namespace {

std::string quote_arg(const std::string& text) { return "\"" + text + "\""; }

class Doctor {
 public:
  Doctor(Registry& reg, ServiceControl* services, const DoctorOptions& options)
      : reg_(reg), services_(services), options_(options) {}

  Result<std::vector<DoctorCheck>> run() {
    Registrar registrar(reg_, services_);
    auto apps = registrar.list_applications();
    if (!apps) return apps.error();
    bool any_addin = false;
    for (const auto& app : *apps) {
      if (options_.writer) {
        auto writer = Guid::parse(app.writer_id);
        if (!writer || !(*writer == *options_.writer)) continue;
      }
      const std::string subject = "'" + app.identifier + "' " + app.writer_id;
      if (auto r = check_application(registrar, *apps, app, subject); !r) return r.error();
      any_addin = any_addin || app.clsid.has_value();
    }
    if (any_addin) {
      if (auto r = check_proxy_stub(); !r) return r.error();
    }
    if (auto r = check_interrupted(registrar, *apps); !r) return r.error();
    return checks_;
  }

 private:
  void ok(const std::string& subject, const std::string& name, const std::string& detail) {
    checks_.push_back({subject, name, CheckStatus::ok, detail, {}});
  }
  void problem(const std::string& subject, const std::string& name, const std::string& detail, const std::string& fix) {
    checks_.push_back({subject, name, CheckStatus::problem, detail, fix});
  }

  Result<void> check_application(Registrar& registrar, const std::vector<ApplicationEntry>& apps,
                                 const ApplicationEntry& app, const std::string& subject) {
    const auto writer = Guid::parse(app.writer_id);
    std::optional<RecordedRegistration> record;
    if (writer && app.registered_by_wsbkit) {
      auto r = registrar.recorded(*writer);
      if (!r) return r.error();
      record = *r;
    }
    const std::string reregister = record ? register_command_line(record->spec) : "wsbkit register --writer " + app.writer_id + " ...";

    // Application Support entry valid.
    {
      std::string trouble;
      if (!writer || writer->braced() != app.writer_id) trouble = "the key name '" + app.writer_id + "' is not a braced GUID";
      else if (auto id = validate_identifier(app.identifier); !id) trouble = "Application Identifier " + id.error().system_message();
      else if (app.clsid && !Guid::parse(*app.clsid)) trouble = "CLSID '" + *app.clsid + "' is not a GUID";
      if (trouble.empty()) {
        ok(subject, "Application Support entry valid",
           "Application Identifier '" + app.identifier + "'" + (app.clsid ? ", CLSID " + *app.clsid : ", no add-in"));
      } else {
        problem(subject, "Application Support entry valid", trouble, "register it again: " + reregister);
      }
    }

    // Identifier unique: WSB ignores the second of two applications with the same identifier.
    {
      std::vector<std::string> others;
      for (const auto& other : apps) {
        if (!iequals(other.writer_id, app.writer_id) && iequals(other.identifier, app.identifier)) others.push_back(other.writer_id);
      }
      if (others.empty()) {
        ok(subject, "identifier unique", "no other application uses '" + app.identifier + "'");
      } else {
        std::string list;
        for (const auto& o : others) list += (list.empty() ? "" : ", ") + o;
        problem(subject, "identifier unique", "'" + app.identifier + "' is also used by " + list + "; WSB ignores one of them",
                "give one application another identifier (wsbkit register --identifier NEW ...)");
      }
    }

    if (app.clsid) {
      std::optional<std::string> command;
      if (auto r = check_addin(app, record, subject, reregister, command); !r) return r;
      if (command) check_addin_files(subject, *command);
    }

    // Registry state matching wsbkit's record: re-registering what was recorded changes nothing.
    if (record) {
      auto drift = registrar.drift_from_record(*writer);
      if (!drift) {
        problem(subject, "registry matches wsbkit's record", "re-planning the recorded registration fails: " + drift.error().message(),
                "fix the cause above, then: " + reregister);
      } else if (!drift->empty()) {
        std::string lines;
        for (const auto& c : *drift) lines += "\n" + describe(c);
        problem(subject, "registry matches wsbkit's record",
                std::to_string(drift->size()) + " difference(s); registering again would make these changes:" + lines,
                reregister);
      } else {
        ok(subject, "registry matches wsbkit's record", "every key and value wsbkit recorded is in place");
      }
    }
    return success();
  }

  // `command`: the add-in's command line, when known.
  Result<void> check_addin(const ApplicationEntry& app, const std::optional<RecordedRegistration>& record,
                           const std::string& subject, const std::string& reregister, std::optional<std::string>& command) {
    const std::string& clsid = *app.clsid;
    auto class_exists = reg_.key_exists(hklm, class_key(clsid));
    if (!class_exists) return class_exists.error();
    const std::string name = "add-in CLSID registered and its server present";
    if (!*class_exists) {
      problem(subject, name, key_display(hklm, class_key(clsid)) + " does not exist: WSB cannot start the add-in",
              reregister);
    } else if (app.local_server) {
      command = *app.local_server;
      const std::string exe = program_of(*command);
      if (options_.file_exists && !options_.file_exists(exe)) {
        problem(subject, name, "LocalServer32 runs " + exe + ", which does not exist",
                "copy wsbkit-addin.exe to " + exe + ", or register again with --addin PATH");
      } else {
        ok(subject, name, "LocalServer32: " + *command);
      }
    } else if (app.local_service) {
      if (record && record->clsid && record->spec.addin) command = service_definition(record->spec, *record->clsid).command_line;
      if (!services_) {
        ok(subject, name, "LocalService " + *app.local_service + " (not checked: no service manager on this host)");
      } else {
        auto exists = services_->exists(*app.local_service);
        if (!exists) return exists.error();
        if (!*exists) {
          problem(subject, name, "AppID names the service '" + *app.local_service + "', which is not installed", reregister);
        } else if (command && options_.file_exists && !options_.file_exists(program_of(*command))) {
          problem(subject, name, "service " + *app.local_service + " runs " + program_of(*command) + ", which does not exist",
                  "copy wsbkit-addin.exe to " + program_of(*command) + ", or register again with --addin PATH");
        } else {
          ok(subject, name, "LocalService " + *app.local_service + (command ? ": " + *command : ""));
        }
      }
    } else {
      problem(subject, name, "neither LocalServer32 nor an AppID LocalService: COM cannot start the add-in", reregister);
    }

    // Policy file present and valid.
    {
      const std::string check = "policy file present and valid";
      const auto policy = command ? policy_argument(*command) : std::nullopt;
      if (!command) {
        ok(subject, check, "not checked: the add-in's command line is not known");
      } else if (!policy) {
        ok(subject, check, "no --policy: the add-in answers every WSB call with 'nothing to do'");
      } else if (options_.file_exists && !options_.file_exists(*policy)) {
        problem(subject, check, "policy file " + *policy + " does not exist", "create it, or register again with --policy PATH");
      } else if (options_.validate_policy) {
        if (auto valid = options_.validate_policy(*policy, app.writer_id, app.identifier); !valid) {
          problem(subject, check, valid.error().system_message(), "correct the policy file (each line says how)");
        } else {
          ok(subject, check, *policy);
        }
      } else {
        ok(subject, check, *policy + " present (its content is not validated yet: the policy format is not implemented)");
      }
    }

    // AppID permissions present and not granting Everyone/Users.
    auto appid = read_string(reg_, class_key(clsid), "AppID");
    if (!appid) return appid.error();
    const std::string appid_path = appid_key(appid->value_or(clsid));
    for (const char* value : {"LaunchPermission", "AccessPermission"}) {
      const std::string check = std::string("AppID ") + value;
      auto raw = read_optional(reg_, appid_path, value);
      if (!raw) return raw.error();
      const std::string fix = "register again (the default is " + str(default_com_permission_sddl) + "): " + reregister;
      if (!*raw) {
        problem(subject, check, "missing under " + key_display(hklm, appid_path) + ": COM's machine-wide defaults apply", fix);
        continue;
      }
      auto sd = (*raw)->type == reg_type::binary ? decode_self_relative((*raw)->data)
                                                 : Result<SecurityDescriptor>(Error::win32(win32_error::invalid_data, "decode", {}, "not REG_BINARY"));
      if (!sd) {
        problem(subject, check, "unreadable: " + sd.error().system_message(), fix);
        continue;
      }
      std::string broad;
      if (!sd->dacl) broad = "no DACL (everyone)";
      for (const auto& ace : sd->dacl.value_or(std::vector<AccessControlEntry>{})) {
        if (ace.type == 0 && ace.mask != 0 && is_broad_principal(ace.sid)) broad += (broad.empty() ? "" : ", ") + ace.sid;
      }
      if (broad.empty()) {
        ok(subject, check, to_sddl(*sd));
      } else {
        problem(subject, check, to_sddl(*sd) + " grants " + broad + ": any user could start or use the add-in, which runs as SYSTEM",
                "register again with a --" + to_lower_ascii(std::string(value).substr(0, 6)) +
                    "-permission that names only SYSTEM, Administrators and Backup Operators (the default)");
      }
    }
    return success();
  }

  Result<void> check_proxy_stub() {
    const std::string subject = "proxy/stub";
    for (const auto& itf : layout::wsb_interfaces) {
      const std::string check = std::string(itf.name) + " marshalling";
      const std::string key = str(layout::classes) + "\\Interface\\" + str(itf.iid) + "\\ProxyStubClsid32";
      auto ps = read_string(reg_, key, "");
      if (!ps) return ps.error();
      if (!*ps) {
        problem(subject, check, key_display(hklm, key) + " is missing: calls to the add-in cannot cross processes",
                "register an add-in with --proxy-stub auto (or always) and wsbkit-ps.dll beside it");
        continue;
      }
      if (!iequals(**ps, layout::proxy_stub_clsid)) {
        ok(subject, check, "marshalled by " + **ps + " (not wsbkit's; left alone)");
        continue;
      }
      auto dll = read_string(reg_, class_key(str(layout::proxy_stub_clsid)) + "\\InprocServer32", "");
      if (!dll) return dll.error();
      if (!*dll) {
        problem(subject, check, "wsbkit's proxy/stub class has no InprocServer32", "register again with --proxy-stub always");
      } else if (options_.file_exists && !options_.file_exists(**dll)) {
        problem(subject, check, "wsbkit-ps.dll is registered at " + **dll + ", which does not exist",
                "copy wsbkit-ps.dll there, or register again with --proxy-stub always --proxy-stub-dll PATH");
      } else {
        ok(subject, check, "wsbkit-ps.dll " + **dll);
        check_file(subject, "proxy/stub DLL changeable by administrators only", **dll, FileRole::executable);
      }
    }
    return success();
  }

  // Who may change a file SYSTEM runs or reads (not checked without a FileSecurity, nor for a file
  // that is missing: its presence check says so).
  void check_file(const std::string& subject, const std::string& name, const std::string& path, FileRole role) {
    if (!options_.security || (options_.file_exists && !options_.file_exists(path))) return;
    const FileTrust trust = file_trust(*options_.security, path, role);
    if (trust.problem.empty()) {
      ok(subject, name, path + (role == FileRole::executable ? " and its folder" : ""));
    } else {
      problem(subject, name, trust.problem + ": SYSTEM runs or reads it, so any of them could take over the machine",
              trust.fix);
    }
  }

  // The add-in (and its folder: a DLL planted beside it runs as SYSTEM) and its policy.
  void check_addin_files(const std::string& subject, const std::string& command) {
    check_file(subject, "add-in and its folder changeable by administrators only", program_of(command), FileRole::executable);
    if (const auto policy = policy_argument(command)) {
      check_file(subject, "policy file changeable by administrators only", *policy, FileRole::data);
    }
  }

  // wsbkit's records of registrations that did not finish (killed midway, or their undo failed),
  // found whether or not an Application Support entry exists yet.
  Result<void> check_interrupted(Registrar& registrar, const std::vector<ApplicationEntry>& apps) {
    auto writers = registrar.recorded_writers();
    if (!writers) return writers.error();
    for (const auto& name : *writers) {
      const auto writer = Guid::parse(name);
      if (!writer || (options_.writer && !(*writer == *options_.writer))) continue;
      auto record = registrar.recorded(*writer);
      if (!record) return record.error();
      if (!*record) continue;
      const std::string subject = "'" + (*record)->spec.identifier + "' " + name;
      const std::string check = "wsbkit's last register/unregister completed";
      const std::string where = key_display(hklm, str(layout::registrations) + "\\" + name);
      const std::string unregister = "wsbkit unregister --writer " + writer->braced();
      const bool listed = std::any_of(apps.begin(), apps.end(), [&](const ApplicationEntry& app) {
        const auto app_writer = Guid::parse(app.writer_id);
        return app_writer && *app_writer == *writer;
      });
      if (!(*record)->interrupted() && !listed) {
        problem(subject, "registration not orphaned",
                "wsbkit's record " + where + (((*record)->clsid) ? " and the add-in's CLSID " + *(*record)->clsid : std::string()) +
                    " remain, but the Application Support entry is gone (deleted by hand?): Windows Server Backup no "
                    "longer shows the application",
                "register it again: " + register_command_line((*record)->spec) + "; or remove the rest: " + unregister);
      } else if (!(*record)->interrupted()) {
        ok(subject, check, where);
      } else if ((*record)->intent == "unregister") {
        problem(subject, check, "a 'wsbkit unregister' was interrupted (" + where + " says so): part of the registration may be left",
                "finish it: " + unregister);
      } else {
        problem(subject, check,
                "a 'wsbkit register' was interrupted (" + where + " holds its intent): part of it may be in the registry",
                "complete it by registering again: " + register_command_line((*record)->spec) + "; or remove it: " + unregister);
      }
    }
    return success();
  }

  Registry& reg_;
  ServiceControl* services_;
  const DoctorOptions& options_;
  std::vector<DoctorCheck> checks_;
};

}  // namespace

std::string register_command_line(const RegistrationSpec& spec) {
  std::string line = "wsbkit register --writer " + spec.writer_id.braced() + " --identifier " + quote_arg(spec.identifier);
  if (spec.addin) {
    const AddinSpec& a = *spec.addin;
    line += " --addin " + quote_arg(a.exe_path);
    if (a.policy_path) line += " --policy " + quote_arg(*a.policy_path);
    if (a.clsid) line += " --clsid " + a.clsid->braced();
    if (a.hosting == Hosting::local_service) {
      line += " --hosting LocalService";
      if (!a.service_name.empty()) line += " --service-name " + quote_arg(a.service_name);
    }
    if (a.launch_permission != default_com_permission_sddl) line += " --launch-permission " + quote_arg(a.launch_permission);
    if (a.access_permission != default_com_permission_sddl) line += " --access-permission " + quote_arg(a.access_permission);
    if (spec.proxy_stub != ProxyStubMode::automatic) line += " --proxy-stub " + to_string(spec.proxy_stub);
    if (!spec.proxy_stub_dll.empty()) line += " --proxy-stub-dll " + quote_arg(spec.proxy_stub_dll);
  }
  return line;
}

Result<std::vector<DoctorCheck>> run_doctor(Registry& registry, ServiceControl* services, const DoctorOptions& options) {
  return Doctor(registry, services, options).run();
}

Result<DoctorCheck> check_state_folder(ProtectedFolders& folders, const std::string& root) {
  auto problems = StateFolder::inspect(folders, root);
  if (!problems) return problems.error();
  DoctorCheck check{"wsbkit state " + root, "state folder SYSTEM and Administrators only", CheckStatus::ok, {}, {}};
  if (problems->empty()) {
    check.detail = "not a junction, owned by SYSTEM or Administrators, nobody else granted access (or not created yet)";
    return check;
  }
  check.status = CheckStatus::problem;
  for (const auto& p : *problems) check.detail += (check.detail.empty() ? "" : "\n") + p;
  check.fix = state_folder_fix(root);
  return check;
}

}  // namespace wsbkit
