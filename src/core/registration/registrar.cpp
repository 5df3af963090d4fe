#include "core/registration/registrar.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "core/registration/event_source.hpp"
#include "core/registration/ownership_record.hpp"
#include "core/registration/wsb_layout.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr auto hklm = RegistryRoot::local_machine;

std::string str(std::string_view s) { return std::string(s); }
std::string app_key(const std::string& writer) { return str(layout::application_support) + "\\" + writer; }
std::string record_key(const std::string& writer) { return str(layout::registrations) + "\\" + writer; }
std::string class_key(const std::string& clsid) { return str(layout::classes) + "\\CLSID\\" + clsid; }
std::string appid_key(const std::string& clsid) { return str(layout::classes) + "\\AppID\\" + clsid; }
std::string interface_key(std::string_view iid) { return str(layout::classes) + "\\Interface\\" + str(iid); }
std::string ps_class_key() { return class_key(str(layout::proxy_stub_clsid)); }

Error invalid(const std::string& field, const std::string& rule) {
  return Error::hresult(hr::e_invalidarg, "validate", field, rule);
}

// Reads an optional REG_SZ: nullopt when the key or value is missing.
Result<std::optional<std::string>> read_optional_string(Registry& reg, const std::string& key, std::string_view name) {
  auto value = get_string(reg, hklm, key, str(name));
  if (value) return std::optional<std::string>(*value);
  if (value.error().is_win32(win32_error::file_not_found)) return std::optional<std::string>();
  return value.error();
}

Result<std::optional<std::uint32_t>> read_optional_dword(Registry& reg, const std::string& key, std::string_view name) {
  auto value = get_dword(reg, hklm, key, str(name));
  if (value) return std::optional<std::uint32_t>(*value);
  if (value.error().is_win32(win32_error::file_not_found)) return std::optional<std::uint32_t>();
  return value.error();
}

std::string addin_name(const std::string& identifier) { return "wsbkit add-in for " + identifier; }

// The keys and values a registration wants for its application entry and add-in.
DesiredState writer_desired(const RegistrationSpec& spec, const std::optional<std::string>& clsid) {
  DesiredState d;
  const std::string app = app_key(spec.writer_id.braced());
  d.keys.push_back(app);
  d.values.push_back({app, str(layout::application_identifier_value), reg_sz(spec.identifier)});
  if (!spec.addin || !clsid) {
    d.absent.emplace_back(app, str(layout::clsid_value));  // no add-in: WSB must not look for one
    return d;
  }
  const AddinSpec& addin = *spec.addin;
  const std::string cls = class_key(*clsid), appid = appid_key(*clsid), name = addin_name(spec.identifier);
  d.values.push_back({app, str(layout::clsid_value), reg_sz(*clsid)});
  d.keys.push_back(cls);
  if (addin.hosting == Hosting::local_server) d.keys.push_back(cls + "\\LocalServer32");
  d.keys.push_back(appid);
  d.values.push_back({cls, "", reg_sz(name)});
  d.values.push_back({cls, "AppID", reg_sz(*clsid)});
  if (addin.hosting == Hosting::local_server) {
    d.values.push_back({cls + "\\LocalServer32", "", reg_sz(local_server_command(addin, *clsid))});
  }
  d.values.push_back({appid, "", reg_sz(name)});
  if (addin.hosting == Hosting::local_service) {
    d.values.push_back({appid, "LocalService", reg_sz(service_definition(spec, *clsid).name)});
  }
  // validate_spec checked both strings, so they encode.
  d.values.push_back({appid, "LaunchPermission", reg_binary(sddl_to_self_relative(addin.launch_permission).value())});
  d.values.push_back({appid, "AccessPermission", reg_binary(sddl_to_self_relative(addin.access_permission).value())});
  return d;
}

std::vector<std::string> writer_roots(const std::string& writer, const std::optional<std::string>& clsid) {
  std::vector<std::string> roots{app_key(writer)};
  if (clsid) {
    roots.push_back(class_key(*clsid));
    roots.push_back(appid_key(*clsid));
  }
  return roots;
}

// wsbkit's proxy/stub for the given interfaces (and its class, pointing at `dll`).
DesiredState proxy_stub_desired(const std::string& dll, const std::vector<layout::InterfaceInfo>& interfaces) {
  DesiredState d;
  for (const auto& itf : interfaces) {
    const std::string key = interface_key(itf.iid);
    d.keys.push_back(key);
    d.keys.push_back(key + "\\ProxyStubClsid32");
    d.keys.push_back(key + "\\NumMethods");
    d.values.push_back({key, "", reg_sz(str(itf.name))});
    d.values.push_back({key + "\\ProxyStubClsid32", "", reg_sz(str(layout::proxy_stub_clsid))});
    d.values.push_back({key + "\\NumMethods", "", reg_sz(str(itf.method_count))});
  }
  const std::string ps = ps_class_key();
  d.keys.push_back(ps);
  d.keys.push_back(ps + "\\InprocServer32");
  d.values.push_back({ps, "", reg_sz("wsbkit proxy/stub for the WSB add-in interfaces")});
  d.values.push_back({ps + "\\InprocServer32", "", reg_sz(dll)});
  d.values.push_back({ps + "\\InprocServer32", "ThreadingModel", reg_sz("Both")});
  return d;
}

std::vector<std::string> proxy_stub_roots() {
  std::vector<std::string> roots{ps_class_key()};
  for (const auto& itf : layout::wsb_interfaces) roots.push_back(interface_key(itf.iid));
  return roots;
}

std::vector<layout::InterfaceInfo> all_interfaces() {
  return {layout::wsb_interfaces.begin(), layout::wsb_interfaces.end()};
}

// The record's inputs part: enough to replay the registration (doctor) and to know what it wrote.
std::vector<std::pair<std::string, RegistryValue>> record_inputs(const RegistrationSpec& spec,
                                                                 const std::optional<std::string>& clsid, bool uses_ps) {
  std::vector<std::pair<std::string, RegistryValue>> v;
  v.emplace_back("Identifier", reg_sz(spec.identifier));
  if (spec.addin && clsid) {
    v.emplace_back(str(layout::clsid_value), reg_sz(*clsid));
    v.emplace_back("Addin", reg_sz(spec.addin->exe_path));
    if (spec.addin->policy_path) v.emplace_back("Policy", reg_sz(*spec.addin->policy_path));
    v.emplace_back("Hosting", reg_sz(to_string(spec.addin->hosting)));
    if (spec.addin->hosting == Hosting::local_service) {
      v.emplace_back("Service", reg_sz(service_definition(spec, *clsid).name));
    }
    v.emplace_back("LaunchPermission", reg_sz(spec.addin->launch_permission));
    v.emplace_back("AccessPermission", reg_sz(spec.addin->access_permission));
  }
  v.emplace_back("ProxyStubMode", reg_sz(to_string(spec.proxy_stub)));
  if (!spec.proxy_stub_dll.empty()) v.emplace_back("ProxyStubDll", reg_sz(spec.proxy_stub_dll));
  if (uses_ps) v.emplace_back("ProxyStub", reg_dword(1));
  return v;
}

// Whether another wsbkit registration than `writer` uses the proxy/stub.
Result<bool> others_use_proxy_stub(Registry& reg, const std::string& writer) {
  auto records = reg.list_subkeys(hklm, str(layout::registrations));
  if (!records) return records.error().is_win32(win32_error::file_not_found) ? Result<bool>(false) : records.error();
  for (const auto& other : *records) {
    if (iequals(other, writer)) continue;
    auto flag = read_optional_dword(reg, record_key(other), "ProxyStub");
    if (!flag) return flag.error();
    if (flag->value_or(0) == 1) return true;
  }
  return false;
}

// Whether wsbkit has a record of another registration than `writer`.
Result<bool> others_registered(Registry& reg, const std::string& writer) {
  auto records = reg.list_subkeys(hklm, str(layout::registrations));
  if (!records) return records.error().is_win32(win32_error::file_not_found) ? Result<bool>(false) : records.error();
  return std::any_of(records->begin(), records->end(), [&](const std::string& other) { return !iequals(other, writer); });
}

// Gives back the shared proxy/stub registration once nobody uses it.
Result<void> release_proxy_stub(RegistryTransaction& tx, std::vector<std::string>& left_behind) {
  Registry& reg = tx.view();
  const std::string record = str(layout::proxy_stub_record);
  auto exists = reg.key_exists(hklm, record);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto owned = read_ownership(reg, record);
  if (!owned) return owned.error();
  auto dll = read_optional_string(reg, record, "Dll");
  if (!dll) return dll.error();
  const DesiredState expected = proxy_stub_desired(dll->value_or(""), all_interfaces());
  if (auto r = release(tx, *owned, DesiredState{}, {expected}, left_behind); !r) return r;
  return tx.delete_tree(hklm, record);
}

Result<void> require(ServiceControl* services, const std::string& name) {
  if (services) return success();
  return Error::hresult(hr::e_notimpl, "service control", name,
                        "LocalService hosting needs the Windows service manager (run wsbkit.exe on Windows)");
}

// A service wsbkit is about to delete or re-create must not be serving WSB right now.
Result<void> require_stopped(ServiceControl& services, const std::string& name) {
  auto exists = services.exists(name);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto status = services.query_status(name);
  if (!status) return status.error();
  if (status->state == ServiceState::stopped) return success();
  return Error::win32(win32_error::service_already_running, "service", name,
                      "the add-in service is " + to_string(status->state) +
                          " (Windows Server Backup may be using it); nothing was changed. Try again once it has "
                          "stopped (it stops by itself after the last call), or stop it with 'sc stop " + name + "'");
}

}  // namespace

std::string to_string(ProxyStubMode mode) {
  switch (mode) {
    case ProxyStubMode::automatic: return "auto";
    case ProxyStubMode::always: return "always";
    case ProxyStubMode::never: return "never";
  }
  return "auto";
}

std::string to_string(Hosting hosting) {
  return hosting == Hosting::local_service ? "LocalService" : "LocalServer32";
}

Result<void> validate_identifier(const std::string& identifier) {
  const std::u16string wide = utf8_to_utf16(identifier);
  if (wide.empty() || wide.size() > 256) {
    return invalid("identifier", "must be 1 to 256 characters (got " + std::to_string(wide.size()) + ")");
  }
  for (const char16_t c : wide) {
    if (c < 0x20 || c == 0x7F) return invalid("identifier", "must not contain control characters");
  }
  return success();
}

Result<void> validate_service_name(const std::string& name) {
  const std::u16string wide = utf8_to_utf16(name);
  if (wide.empty() || wide.size() > 256) {
    return invalid("service-name", "must be 1 to 256 characters (got " + std::to_string(wide.size()) + ")");
  }
  for (const char16_t c : wide) {
    if (c == u'/' || c == u'\\' || c == u'"' || c < 0x20 || c == 0x7F) {
      return invalid("service-name", "must not contain '/', '\\', '\"' or control characters");
    }
  }
  return success();
}

Result<void> validate_spec(const RegistrationSpec& spec) {
  if (auto r = validate_identifier(spec.identifier); !r) return r;
  if (!spec.addin) return success();
  const AddinSpec& addin = *spec.addin;
  if (!is_absolute_windows_path(addin.exe_path)) {
    return invalid("addin", "must be an absolute Windows path without quotes (got '" + addin.exe_path + "')");
  }
  if (addin.policy_path && !is_absolute_windows_path(*addin.policy_path)) {
    return invalid("policy", "must be an absolute Windows path without quotes (got '" + *addin.policy_path + "')");
  }
  if (addin.clsid && addin.clsid->braced() == layout::proxy_stub_clsid) {
    return invalid("clsid", "is the CLSID of wsbkit's proxy/stub; choose another");
  }
  if (addin.hosting == Hosting::local_service && !addin.service_name.empty()) {
    if (auto r = validate_service_name(addin.service_name); !r) return r;
  }
  for (const auto& [field, sddl] : {std::pair<std::string, const std::string&>{"launch-permission", addin.launch_permission},
                                    std::pair<std::string, const std::string&>{"access-permission", addin.access_permission}}) {
    if (auto sd = parse_sddl(sddl); !sd) return invalid(field, "SDDL " + sd.error().system_message());
  }
  return success();
}

std::string local_server_command(const AddinSpec& addin, const std::string& clsid) {
  std::string command = "\"" + addin.exe_path + "\" --clsid " + clsid;
  if (addin.policy_path) command += " --policy \"" + *addin.policy_path + "\"";
  return command;
}

std::string default_service_name(const std::string& clsid) {
  return str(layout::service_name_prefix) + clsid.substr(clsid.size() > 9 ? 1 : 0, 8);
}

ServiceDefinition service_definition(const RegistrationSpec& spec, const std::string& clsid) {
  ServiceDefinition d;
  d.name = spec.addin && !spec.addin->service_name.empty() ? spec.addin->service_name : default_service_name(clsid);
  d.display_name = addin_name(spec.identifier);
  d.command_line = "\"" + (spec.addin ? spec.addin->exe_path : std::string()) + "\" --service \"" + d.name +
                   "\" --clsid " + clsid;
  if (spec.addin && spec.addin->policy_path) d.command_line += " --policy \"" + *spec.addin->policy_path + "\"";
  d.start_type = ServiceStartType::manual;
  return d;
}

Guid default_clsid(const Guid& writer_id) {
  return Guid::derive(*Guid::parse(layout::clsid_namespace), writer_id.braced());
}

namespace {

// An AppID permission value as SDDL: nullopt when missing, or (in parentheses) why it is unreadable.
Result<std::optional<std::string>> read_permission(Registry& reg, const std::string& key, const char* name) {
  auto value = reg.get_value(hklm, key, name);
  if (!value) {
    if (value.error().is_win32(win32_error::file_not_found)) return std::optional<std::string>();
    return value.error();
  }
  auto sd = decode_self_relative(value->data);
  if (value->type != reg_type::binary) return std::optional<std::string>("(not REG_BINARY)");
  if (!sd) return std::optional<std::string>("(unreadable: " + sd.error().system_message() + ")");
  return std::optional<std::string>(to_sddl(*sd));
}

// What COM holds for the entry's add-in CLSID: LocalServer32, the AppID's LocalService and permissions.
Result<void> read_addin_registration(Registry& reg, ApplicationEntry& entry) {
  const std::string clsid = *entry.clsid;
  auto server = read_optional_string(reg, class_key(clsid) + "\\LocalServer32", "");
  if (!server) return server.error();
  entry.local_server = *server;
  auto appid = read_optional_string(reg, class_key(clsid), "AppID");
  if (!appid) return appid.error();
  const std::string appid_path = appid_key(appid->value_or(clsid));
  auto service = read_optional_string(reg, appid_path, "LocalService");
  if (!service) return service.error();
  entry.local_service = *service;
  auto launch = read_permission(reg, appid_path, "LaunchPermission");
  if (!launch) return launch.error();
  entry.launch_permission = *launch;
  auto access = read_permission(reg, appid_path, "AccessPermission");
  if (!access) return access.error();
  entry.access_permission = *access;
  return success();
}

Result<ApplicationEntry> read_application_entry(Registry& reg, const std::string& writer) {
  ApplicationEntry entry;
  entry.writer_id = writer;
  auto identifier = read_optional_string(reg, app_key(writer), layout::application_identifier_value);
  if (!identifier) return identifier.error();
  entry.identifier = identifier->value_or("");
  auto clsid = read_optional_string(reg, app_key(writer), layout::clsid_value);
  if (!clsid) return clsid.error();
  entry.clsid = *clsid;
  if (entry.clsid) {
    if (auto r = read_addin_registration(reg, entry); !r) return r.error();
  }
  auto recorded = reg.key_exists(hklm, record_key(writer));
  if (!recorded) return recorded.error();
  entry.registered_by_wsbkit = *recorded;
  return entry;
}

}  // namespace

Result<std::vector<ApplicationEntry>> Registrar::list_applications() {
  std::vector<ApplicationEntry> entries;
  auto writers = reg_.list_subkeys(hklm, str(layout::application_support));
  if (!writers) {
    if (writers.error().is_win32(win32_error::file_not_found)) return entries;
    return writers.error();
  }
  for (const auto& writer : *writers) {
    auto entry = read_application_entry(reg_, writer);
    if (!entry) return entry.error();
    entries.push_back(std::move(*entry));
  }
  return entries;
}

Result<bool> Registrar::proxy_stub_present() {
  auto clsids = proxy_stub_clsids();
  if (!clsids) return clsids.error();
  return std::all_of(clsids->begin(), clsids->end(), [](const auto& c) { return c.has_value(); });
}

Result<std::vector<std::optional<std::string>>> Registrar::proxy_stub_clsids() {
  std::vector<std::optional<std::string>> clsids;
  for (const auto& itf : layout::wsb_interfaces) {
    auto ps = read_optional_string(reg_, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
    if (!ps) return ps.error();
    clsids.push_back(*ps);
  }
  return clsids;
}

namespace {

constexpr std::string_view intent_value = "Intent";
std::string previous_key(const std::string& record) { return record + "\\Previous"; }

// The inputs recorded at `key` (a record, or its Previous part); nullopt when the key is missing.
Result<std::optional<RecordedRegistration>> read_recorded(Registry& reg, const std::string& key, const Guid& writer_id) {
  auto exists = reg.key_exists(hklm, key);
  if (!exists) return exists.error();
  if (!*exists) return std::optional<RecordedRegistration>();
  RecordedRegistration r;
  r.spec.writer_id = writer_id;
  const auto text = [&](std::string_view name) { return read_optional_string(reg, key, name); };
  auto identifier = text("Identifier");
  if (!identifier) return identifier.error();
  r.spec.identifier = identifier->value_or("");
  auto clsid = text("CLSID");
  if (!clsid) return clsid.error();
  r.clsid = *clsid;
  if (r.clsid) {
    AddinSpec addin;
    addin.clsid = Guid::parse(*r.clsid);
    auto exe = text("Addin"), policy = text("Policy"), hosting = text("Hosting"), service = text("Service"),
         launch = text("LaunchPermission"), access = text("AccessPermission");
    for (const auto* v : {&exe, &policy, &hosting, &service, &launch, &access}) {
      if (!*v) return v->error();
    }
    addin.exe_path = exe->value_or("");
    addin.policy_path = *policy;
    addin.hosting = hosting->value_or("") == "LocalService" ? Hosting::local_service : Hosting::local_server;
    addin.service_name = service->value_or("");
    addin.launch_permission = launch->value_or(str(default_com_permission_sddl));
    addin.access_permission = access->value_or(str(default_com_permission_sddl));
    r.spec.addin = addin;
  }
  auto mode = text("ProxyStubMode");
  if (!mode) return mode.error();
  r.spec.proxy_stub = *mode == "never" ? ProxyStubMode::never : *mode == "always" ? ProxyStubMode::always
                                                                                   : ProxyStubMode::automatic;
  auto dll = text("ProxyStubDll");
  if (!dll) return dll.error();
  r.spec.proxy_stub_dll = dll->value_or("");
  auto uses = read_optional_dword(reg, key, "ProxyStub");
  if (!uses) return uses.error();
  r.uses_proxy_stub = uses->value_or(0) == 1;
  auto intent = text(intent_value);
  if (!intent) return intent.error();
  r.intent = intent->value_or("");
  return std::optional<RecordedRegistration>(r);
}

}  // namespace

Result<std::optional<RecordedRegistration>> Registrar::recorded(const Guid& writer_id) {
  const std::string record = record_key(writer_id.braced());
  auto r = read_recorded(reg_, record, writer_id);
  if (!r || !*r) return r;
  auto previous = read_recorded(reg_, previous_key(record), writer_id);
  if (!previous) return previous.error();
  if (*previous) (*r)->previous.push_back(std::move(**previous));
  return r;
}

Result<std::vector<std::string>> Registrar::recorded_writers() {
  auto records = reg_.list_subkeys(hklm, str(layout::registrations));
  if (!records && records.error().is_win32(win32_error::file_not_found)) return std::vector<std::string>();
  return records;
}

Result<RegistrationOutcome> Registrar::register_application(const RegistrationSpec& spec, TransactionMode mode) {
  return register_checked(spec, mode, true);
}

Result<std::vector<Change>> Registrar::drift_from_record(const Guid& writer_id) {
  auto old = recorded(writer_id);
  if (!old) return old.error();
  if (!*old) {
    return Error::win32(win32_error::file_not_found, "doctor", writer_id.braced(), "no wsbkit registration for this writer");
  }
  auto plan = register_checked((*old)->spec, TransactionMode::plan, false);
  if (!plan) return plan.error();
  return plan->changes;
}

FileTrust file_trust(FileSecurity& security, const std::string& path, FileRole role) {
  auto writers = security.untrusted_writers(path, role);  // the one call: the check's interface
  if (!writers) {
    return {"cannot check who may change " + path + ": " + writers.error().message(),
            "make sure " + path + " exists and its security can be read, then check again"};
  }
  if (writers->empty()) return {};
  std::string problem = path + " can be changed by principals other than SYSTEM, Administrators and TrustedInstaller:";
  std::vector<std::string> commands;
  const auto add = [&](const std::string& command) {
    if (std::find(commands.begin(), commands.end(), command) == commands.end()) commands.push_back(command);
  };
  for (const auto& w : *writers) {
    problem += " " + w.describe() + ";";
    const std::string object = "icacls \"" + w.path + "\"";
    if (w.as_owner) add(object + " /setowner *" + str(well_known_sid::administrators));
    if ((w.rights & ~file_right::write_dac) != 0 || !w.as_owner) add(object + " /inheritance:d /remove:g *" + w.sid);
  }
  problem.pop_back();
  std::string fix = "keep it in a folder only Administrators can change (e.g. C:\\Program Files\\wsbkit\\), or take the "
                    "rights away:";
  for (const auto& command : commands) fix += " " + command + ";";
  fix.pop_back();
  return {problem, fix};
}

// What a registration wants, decided and checked before anything is written: the writer's entry
// and add-in (wanted now, and as the last registration left them), what the record says wsbkit
// owns, the add-in's service and the proxy/stub decision. apply() executes it in one transaction.
struct RegistrationPlan {
  std::string writer;  // braced writer id
  std::string record;  // the registration's record key
  std::optional<std::string> clsid;  // the add-in's, braced; none without add-in
  std::optional<RecordedRegistration> old;  // the registration as last recorded
  OwnershipRecord owned;                    // what that registration owns
  DesiredState desired;                     // the entry and add-in this registration wants
  std::vector<DesiredState> expected;       // ...and what the recorded ones wrote (what release may take back)
  std::vector<std::pair<std::string, RegistryValue>> record_inputs;
  std::optional<ServiceDefinition> new_service;
  std::vector<ServiceDefinition> services_to_delete;  // recorded services that go (removed, or re-created differently)
  bool uses_proxy_stub = false;
  bool others_use_proxy_stub = false;
  std::optional<DesiredState> proxy_stub;  // the proxy/stub to write, when this call writes it
  std::string proxy_stub_dll;
  std::string event_message_file;  // the add-in, the event source's module (event_source.hpp); "" without add-in
  std::vector<std::string> warnings;  // what --force let through
};

namespace {

// The service a recorded registration hosts its add-in in, if it uses LocalService hosting.
std::optional<ServiceDefinition> hosted_service(const RecordedRegistration& r) {
  if (!r.spec.addin || !r.clsid || r.spec.addin->hosting != Hosting::local_service) return std::nullopt;
  return service_definition(r.spec, *r.clsid);
}

// The services of a record and of the registration it replaces (while that is interrupted).
std::vector<ServiceDefinition> hosted_services(const RecordedRegistration& r) {
  std::vector<ServiceDefinition> services;
  for (const RecordedRegistration* each : {&r, r.previous.empty() ? nullptr : &r.previous.front()}) {
    if (!each) continue;
    auto service = hosted_service(*each);
    if (service && std::find(services.begin(), services.end(), *service) == services.end()) services.push_back(*service);
  }
  return services;
}

// What a record's registrations wrote: release takes back a value holding any of it.
std::vector<DesiredState> expected_states(const RecordedRegistration& r) {
  std::vector<DesiredState> states{writer_desired(r.spec, r.clsid)};
  for (const auto& previous : r.previous) states.push_back(writer_desired(previous.spec, previous.clsid));
  return states;
}

// Refuses an identifier another writer uses, and a writer entry wsbkit did not write (unless forced).
Result<void> check_entries(const std::vector<ApplicationEntry>& existing, const RegistrationSpec& spec,
                           const std::string& writer, bool unique_identifier) {
  for (const auto& entry : existing) {
    const bool same_writer = iequals(entry.writer_id, writer);
    if (unique_identifier && !same_writer && iequals(entry.identifier, spec.identifier)) {
      return invalid("identifier", "'" + spec.identifier + "' is already used by writer " + entry.writer_id +
                                       "; WSB ignores a second application with the same identifier (--force does not change this)");
    }
    if (same_writer && !entry.registered_by_wsbkit && !spec.force) {
      return invalid("writer", writer + " is already registered by something other than wsbkit ('" + entry.identifier +
                                   "'); not touching it (--force takes the entry over; unregister then puts it back)");
    }
  }
  return success();
}

// The other wsbkit registration whose add-in has this CLSID, if any (unreadable records are skipped).
std::optional<std::string> registration_with_clsid(Registry& reg, const std::string& clsid, const std::string& writer) {
  auto records = reg.list_subkeys(hklm, str(layout::registrations));
  if (!records) return std::nullopt;
  for (const auto& other : *records) {
    auto other_clsid = read_optional_string(reg, record_key(other), layout::clsid_value);
    if (other_clsid && *other_clsid && iequals(**other_clsid, clsid) && !iequals(other, writer)) return other;
  }
  return std::nullopt;
}

// The add-in's CLSID must be this registration's own: not another product's class, not another
// wsbkit registration's.
Result<void> check_clsid_is_own(Registry& reg, const RegistrationPlan& plan) {
  const std::string& clsid = *plan.clsid;
  for (const std::string& key : {class_key(clsid), appid_key(clsid)}) {
    auto exists = reg.key_exists(hklm, key);
    if (!exists) return exists.error();
    if (!*exists || plan.owned.owns_key(key)) continue;
    if (auto other = registration_with_clsid(reg, clsid, plan.writer)) {
      return invalid("clsid", clsid + " is the add-in CLSID of wsbkit's registration for writer " + *other);
    }
    return invalid("clsid", clsid + " is already registered on this machine (" + key_display(hklm, key) +
                                " exists and wsbkit did not create it); choose another --clsid");
  }
  return success();
}

// The add-in's service: wsbkit's own, never another product's; not replaced while it runs.
Result<void> plan_service(RegistrationPlan& plan, const RegistrationSpec& spec, ServiceControl* services) {
  const std::vector<ServiceDefinition> old_services = plan.old ? hosted_services(*plan.old) : std::vector<ServiceDefinition>{};
  if (spec.addin && spec.addin->hosting == Hosting::local_service) plan.new_service = service_definition(spec, *plan.clsid);
  const auto& new_service = plan.new_service;
  if (old_services.empty() && !new_service) return success();
  if (auto r = require(services, (new_service ? *new_service : old_services.front()).name); !r) return r;
  const bool recorded_name = new_service && std::any_of(old_services.begin(), old_services.end(), [&](const auto& old) {
    return iequals(old.name, new_service->name);
  });
  if (new_service && !recorded_name) {
    auto exists = services->exists(new_service->name);
    if (!exists) return exists.error();
    if (*exists) {
      return invalid("service-name", "service '" + new_service->name +
                                         "' already exists and wsbkit did not create it; choose another --service-name");
    }
  }
  for (const auto& old : old_services) {
    if (new_service && old == *new_service) continue;
    if (auto r = require_stopped(*services, old.name); !r) return r;
    plan.services_to_delete.push_back(old);
  }
  return success();
}

// Proxy/stub: per interface, absent, wsbkit's, or another product's (never touched).
Result<void> plan_proxy_stub(Registry& reg, RegistrationPlan& plan, const RegistrationSpec& spec) {
  std::vector<layout::InterfaceInfo> ours_or_absent;
  std::size_t absent = 0, ours = 0;
  for (const auto& itf : layout::wsb_interfaces) {
    auto current = read_optional_string(reg, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
    if (!current) return current.error();
    if (!*current) ++absent;
    else if (iequals(**current, layout::proxy_stub_clsid)) ++ours;
    else continue;
    ours_or_absent.push_back(itf);
  }
  bool write = false;
  if (spec.addin && spec.proxy_stub != ProxyStubMode::never) {
    plan.uses_proxy_stub = absent + ours > 0;
    // auto writes only where an interface has no registration; always also re-writes wsbkit's own,
    // and so does completing an interrupted registration (it may have written part of it).
    const bool completing = plan.old && plan.old->interrupted() && ours > 0;
    write = spec.proxy_stub == ProxyStubMode::always ? plan.uses_proxy_stub : absent > 0 || completing;
  }
  if (write && !is_absolute_windows_path(spec.proxy_stub_dll)) {
    return invalid("proxy-stub-dll", "must be an absolute Windows path (got '" + spec.proxy_stub_dll + "')");
  }
  auto others_use = others_use_proxy_stub(reg, plan.writer);
  if (!others_use) return others_use.error();
  plan.others_use_proxy_stub = *others_use;
  if (write) plan.proxy_stub = proxy_stub_desired(spec.proxy_stub_dll, ours_or_absent);
  plan.proxy_stub_dll = spec.proxy_stub_dll;
  return success();
}

// The files SYSTEM will run or read must be changeable by administrators only: the add-in (and
// its folder: DLL planting), the proxy/stub DLL it points COM at, the policy. Refused unless
// --force, which lets them through with a warning.
Result<void> check_files(FileSecurity& security, RegistrationPlan& plan, const RegistrationSpec& spec) {
  if (!spec.addin) return success();
  std::vector<std::tuple<std::string, std::string, FileRole>> files{{"addin", spec.addin->exe_path, FileRole::executable}};
  if (plan.proxy_stub) files.emplace_back("proxy-stub-dll", spec.proxy_stub_dll, FileRole::executable);
  if (spec.addin->policy_path) files.emplace_back("policy", *spec.addin->policy_path, FileRole::data);
  for (const auto& [field, path, role] : files) {
    const FileTrust trust = file_trust(security, path, role);
    if (trust.problem.empty()) continue;
    if (!spec.force) {
      return invalid(field, trust.problem + ". SYSTEM runs or reads it, so any of them could take over the machine. Fix: " +
                                trust.fix + " (--force registers it anyway, with a warning)");
    }
    plan.warnings.push_back(trust.problem + " (registered anyway because of --force; fix: " + trust.fix + ")");
  }
  return success();
}

// The writer's entry and add-in: gives back what the last registration wrote and this one does not
// want, then writes what this one wants, owning what that creates.
Result<void> apply_writer(RegistryTransaction& tx, RegistrationPlan& plan, std::vector<std::string>& left_behind) {
  if (auto r = release(tx, plan.owned, plan.desired, plan.expected, left_behind); !r) return r;
  const std::size_t from = tx.changes().size();
  if (auto r = apply_desired(tx, plan.desired); !r) return r;
  absorb(plan.owned, tx.changes(), from, writer_roots(plan.writer, plan.clsid));
  return success();
}

// Writes wsbkit's proxy/stub where the plan says so (and its record, returned in `ps_owned`), or
// gives it back once no registration uses it.
Result<void> apply_proxy_stub(RegistryTransaction& tx, const RegistrationPlan& plan, RegistrationOutcome& outcome,
                              std::optional<OwnershipRecord>& ps_owned) {
  if (!plan.proxy_stub) {
    if (plan.uses_proxy_stub || plan.others_use_proxy_stub) return success();
    return release_proxy_stub(tx, outcome.left_behind);
  }
  const std::string ps_record = str(layout::proxy_stub_record);
  auto owned = read_ownership(tx.view(), ps_record);
  if (!owned) return owned.error();
  const std::size_t from = tx.changes().size();
  if (auto r = apply_desired(tx, *plan.proxy_stub); !r) return r;
  outcome.proxy_stub_written = tx.changes().size() > from;
  absorb(*owned, tx.changes(), from, proxy_stub_roots());
  ps_owned = *owned;
  return write_record(tx, ps_record, *owned, {{"Dll", reg_sz(plan.proxy_stub_dll)}});
}

// Deletes the services recorded registrations created that this one changes or drops; creates
// this one's when it is missing.
Result<void> apply_service(RegistryTransaction& tx, const RegistrationPlan& plan) {
  for (const auto& old : plan.services_to_delete) {
    if (auto r = tx.delete_service(old); !r) return r;
  }
  if (!plan.new_service) return success();
  auto exists = tx.service_exists(plan.new_service->name);
  if (!exists) return exists.error();
  if (*exists) return success();
  return tx.create_service(*plan.new_service);
}

// The record's values while `command` runs: its intent first, then the inputs.
std::vector<std::pair<std::string, RegistryValue>> with_intent(const std::vector<std::pair<std::string, RegistryValue>>& inputs,
                                                               const char* command) {
  std::vector<std::pair<std::string, RegistryValue>> values{{str(intent_value), reg_sz(command)}};
  values.insert(values.end(), inputs.begin(), inputs.end());
  return values;
}

// Everything a registration changes after its intent: the entry and add-in, the proxy/stub, the
// service, and the record (with `record_values`).
Result<void> register_body(RegistryTransaction& tx, RegistrationPlan& plan, RegistrationOutcome& outcome,
                           std::optional<OwnershipRecord>& ps_owned,
                           const std::vector<std::pair<std::string, RegistryValue>>& record_values) {
  if (auto r = apply_writer(tx, plan, outcome.left_behind); !r) return r;
  if (auto r = apply_proxy_stub(tx, plan, outcome, ps_owned); !r) return r;
  if (!plan.event_message_file.empty()) {
    if (auto r = claim_event_source(tx, plan.event_message_file); !r) return r;
  }
  if (auto r = apply_service(tx, plan); !r) return r;
  return write_record(tx, plan.record, plan.owned, record_values);
}

// The intent, before anything else: the record (and the proxy/stub's, when it is written) claims
// what the registration owns now and everything it is about to own (`will_own`, predicted by
// planning it), marked Intent = register; the inputs it replaces are kept under Previous.
Result<void> write_intent(RegistryTransaction& tx, const RegistrationPlan& plan, const OwnershipRecord& will_own,
                          const std::optional<OwnershipRecord>& ps_will_own) {
  if (auto r = tx.create_key(hklm, plan.record); !r) return r;
  if (auto r = tx.set_value(hklm, plan.record, str(intent_value), reg_sz("register")); !r) return r;
  if (plan.old && !plan.old->interrupted()) {
    const auto old_inputs = record_inputs(plan.old->spec, plan.old->clsid, plan.old->uses_proxy_stub);
    if (old_inputs != plan.record_inputs) {
      if (auto r = write_key_exactly(tx, previous_key(plan.record), old_inputs, false); !r) return r;
    }
  }
  OwnershipRecord claims = plan.owned;
  merge(claims, will_own);
  if (auto r = write_record(tx, plan.record, claims, with_intent(plan.record_inputs, "register")); !r) return r;
  if (!ps_will_own) return success();
  const std::string ps_record = str(layout::proxy_stub_record);
  auto ps_claims = read_ownership(tx.view(), ps_record);
  if (!ps_claims) return ps_claims.error();
  merge(*ps_claims, *ps_will_own);
  return write_record(tx, ps_record, *ps_claims, {{"Dll", reg_sz(plan.proxy_stub_dll)}});
}

// The command is complete: the intent goes, last.
Result<void> finish_intent(RegistryTransaction& tx, const std::string& record) {
  if (auto r = tx.delete_tree(hklm, previous_key(record)); !r) return r;
  return tx.delete_value(hklm, record, str(intent_value));
}

// The error when undoing failed: the first error, every change still in place, and what to do.
Error undo_failed(const Error& e, const std::vector<UndoFailure>& failures, const std::vector<Change>& kept,
                  const std::string& writer) {
  std::string text = e.message() + "\nUndoing the changes already made FAILED; still in place:";
  for (const auto& f : failures) text += "\n  " + describe(f.change) + "  (undo failed: " + f.error.message() + ")";
  if (!kept.empty()) {
    text += "\nand wsbkit's record of the interrupted command, kept so that it names what may be left:";
    for (const auto& c : kept) text += "\n  " + describe(c);
  }
  text += "\nRun 'wsbkit doctor --writer " + writer + "', then the same command again to finish it, or 'wsbkit unregister --writer " +
          writer + "' to remove what is left.";
  return Error::hresult(hr::e_fail, "rollback", writer, text);
}

// Commits what `ran` did, or undoes it: all of it when that works. When a change cannot be undone,
// the intent (the first `intent_changes` changes, before `intent_mark`) stays, so wsbkit's record
// names what may be left for doctor and unregister, and the error lists every change in place.
Result<RegistrationOutcome> conclude(RegistryTransaction& tx, RegistrationOutcome outcome, const Result<void>& ran,
                                     std::size_t intent_mark, std::size_t intent_changes, const std::string& writer) {
  if (ran) {
    outcome.changes = tx.changes();
    tx.commit();
    return outcome;
  }
  auto failures = tx.rollback_to(intent_mark);
  std::vector<Change> kept;
  if (failures.empty()) {
    failures = tx.rollback();
    if (failures.empty()) return ran.error();
  } else {
    kept.assign(tx.changes().begin(), tx.changes().begin() + static_cast<std::ptrdiff_t>(intent_changes));
  }
  tx.commit();
  return undo_failed(ran.error(), failures, kept, writer);
}

// Deletes the record, with SOFTWARE\wsbkit\Registrations and SOFTWARE\wsbkit when it is all they
// hold, in one delete: an interrupted unregister never leaves empty wsbkit keys without a record.
Result<void> remove_record(RegistryTransaction& tx, const std::string& record) {
  std::string target = record;
  for (const std::string& parent : {str(layout::registrations), str(layout::wsbkit_root)}) {
    auto children = tx.view().list_subkeys(hklm, parent);
    if (!children) return children.error();
    auto values = tx.view().list_values(hklm, parent);
    if (!values) return values.error();
    if (children->size() != 1 || !iequals(children->front(), key_leaf(target)) || !values->empty()) break;
    target = parent;
  }
  return tx.delete_tree(hklm, target);
}

}  // namespace

Result<RegistrationOutcome> Registrar::register_checked(const RegistrationSpec& spec, TransactionMode mode,
                                                        bool unique_identifier) {
  auto plan = preflight(spec, unique_identifier);
  if (!plan) return plan.error();
  return apply(*plan, mode);
}

Result<RegistrationPlan> Registrar::preflight(const RegistrationSpec& spec, bool unique_identifier) {
  if (auto r = validate_spec(spec); !r) return r.error();
  RegistrationPlan plan;
  plan.writer = spec.writer_id.braced();
  plan.record = record_key(plan.writer);
  if (spec.addin) plan.clsid = (spec.addin->clsid ? *spec.addin->clsid : default_clsid(spec.writer_id)).braced();
  auto existing = list_applications();
  if (!existing) return existing.error();
  if (auto r = check_entries(*existing, spec, plan.writer, unique_identifier); !r) return r.error();
  auto old = recorded(spec.writer_id);
  if (!old) return old.error();
  plan.old = *old;
  auto owned = read_ownership(reg_, plan.record);
  if (!owned) return owned.error();
  plan.owned = *owned;
  if (plan.clsid) {
    if (auto r = check_clsid_is_own(reg_, plan); !r) return r.error();
  }
  if (auto r = plan_service(plan, spec, services_); !r) return r.error();
  if (auto r = plan_proxy_stub(reg_, plan, spec); !r) return r.error();
  if (spec.addin) plan.event_message_file = spec.addin->exe_path;
  // Doctor's re-planning (unique_identifier false) reports file security on its own.
  if (security_ && unique_identifier) {
    if (auto r = check_files(*security_, plan, spec); !r) return r.error();
  }
  plan.desired = writer_desired(spec, plan.clsid);
  if (plan.old) plan.expected = expected_states(*plan.old);
  plan.record_inputs = record_inputs(spec, plan.clsid, plan.uses_proxy_stub);
  return plan;
}

// Plans the registration first (what it will own, and whether it changes anything at all), then
// makes it: the intent, the changes, the record, the intent's removal; all or nothing.
Result<RegistrationOutcome> Registrar::apply(RegistrationPlan& plan, TransactionMode mode) {
  RegistrationOutcome outcome;
  outcome.clsid = plan.clsid.value_or("");
  outcome.proxy_stub_used = plan.uses_proxy_stub;
  outcome.warnings = plan.warnings;
  RegistrationPlan predicted = plan;
  std::optional<OwnershipRecord> predicted_ps;
  {
    RegistryTransaction dry(reg_, TransactionMode::plan, services_);
    RegistrationOutcome planned = outcome;
    if (auto r = register_body(dry, predicted, planned, predicted_ps, plan.record_inputs); !r) return r.error();
    dry.commit();
    if (dry.changes().empty()) return planned;  // registered exactly so: no intent either
  }
  RegistryTransaction tx(reg_, mode, services_);
  std::size_t intent_mark = 0, intent_changes = 0;
  const auto run = [&]() -> Result<void> {
    if (auto r = write_intent(tx, plan, predicted.owned, predicted_ps); !r) return r;
    intent_mark = tx.mark();
    intent_changes = tx.change_count();
    std::optional<OwnershipRecord> ps_owned;
    if (auto r = register_body(tx, plan, outcome, ps_owned, with_intent(plan.record_inputs, "register")); !r) return r;
    return finish_intent(tx, plan.record);
  };
  const Result<void> ran = run();  // before `outcome` is moved: the run fills it in
  return conclude(tx, std::move(outcome), ran, intent_mark, intent_changes, plan.writer);
}

Result<RegistrationOutcome> Registrar::unregister_application(const Guid& writer_id, TransactionMode mode) {
  const std::string writer = writer_id.braced();
  const std::string record = record_key(writer);
  auto old = recorded(writer_id);
  if (!old) return old.error();
  if (!*old) {
    return Error::win32(win32_error::file_not_found, "unregister", writer,
                        "no wsbkit registration for this writer; nothing removed");
  }
  auto owned = read_ownership(reg_, record);
  if (!owned) return owned.error();
  const std::vector<ServiceDefinition> services = hosted_services(**old);
  for (const auto& service : services) {
    if (auto r = require(services_, service.name); !r) return r.error();
    if (auto r = require_stopped(*services_, service.name); !r) return r.error();
  }
  auto others_use = others_use_proxy_stub(reg_, writer);
  if (!others_use) return others_use.error();
  auto others = others_registered(reg_, writer);
  if (!others) return others.error();

  RegistrationOutcome outcome;
  outcome.clsid = (*old)->clsid.value_or("");
  RegistryTransaction tx(reg_, mode, services_);
  std::size_t intent_mark = 0, intent_changes = 0;
  const auto run = [&]() -> Result<void> {
    // The intent first: until the record is gone it says that an unregister is under way.
    if (auto r = tx.set_value(hklm, record, str(intent_value), reg_sz("unregister")); !r) return r;
    intent_mark = tx.mark();
    intent_changes = tx.change_count();
    if (auto r = release(tx, *owned, DesiredState{}, expected_states(**old), outcome.left_behind); !r) return r;
    // The proxy/stub is shared: it goes only with the last wsbkit registration that uses it.
    if (!*others_use) {
      if (auto r = release_proxy_stub(tx, outcome.left_behind); !r) return r;
    }
    // So is the event source: it goes with the last wsbkit registration.
    if (!*others) {
      if (auto r = release_event_source(tx, outcome.left_behind); !r) return r;
    }
    for (const auto& service : services) {
      if (auto r = tx.delete_service(service); !r) return r;
    }
    // Leave no empty wsbkit keys behind (Application Support itself is never wsbkit's).
    return remove_record(tx, record);
  };
  const Result<void> ran = run();  // before `outcome` is moved: the run fills it in
  return conclude(tx, std::move(outcome), ran, intent_mark, intent_changes, writer);
}

namespace {

// The keys a record owns (created, or written to), with the values wsbkit wrote there, in the
// registry's order; keys gone since are left out.
Result<void> export_owned(Registry& reg, const std::string& record, std::vector<Registrar::ExportedKey>& keys) {
  auto owned = read_ownership(reg, record);
  if (!owned) return owned.error();
  std::vector<std::string> paths = owned->created_keys;
  for (const auto& v : owned->values) {
    if (std::none_of(paths.begin(), paths.end(), [&](const std::string& p) { return iequals(p, v.key); })) paths.push_back(v.key);
  }
  for (const auto& path : paths) {
    auto exists = reg.key_exists(hklm, path);
    if (!exists) return exists.error();
    if (!*exists) continue;
    Registrar::ExportedKey key{path, {}};
    auto names = reg.list_values(hklm, path);
    if (!names) return names.error();
    for (const auto& name : *names) {
      if (!owned->find_value(path, name)) continue;
      auto value = reg.get_value(hklm, path, name);
      if (!value) return value.error();
      key.values.emplace_back(name, *value);
    }
    keys.push_back(std::move(key));
  }
  return success();
}

// A record key and its subkeys, whole.
Result<void> export_whole(Registry& reg, const std::string& path, std::vector<Registrar::ExportedKey>& keys) {
  auto tree = read_tree(reg, hklm, path);
  if (!tree) return tree.error();
  std::function<void(const RegistryTree&, const std::string&)> add = [&](const RegistryTree& t, const std::string& p) {
    keys.push_back({p, t.values});
    for (const auto& sub : t.subkeys) add(sub, p + "\\" + sub.name);
  };
  add(*tree, path);
  return success();
}

Result<void> export_record(Registry& reg, const std::string& record, std::vector<Registrar::ExportedKey>& keys) {
  if (auto r = export_owned(reg, record, keys); !r) return r;
  return export_whole(reg, record, keys);
}

}  // namespace

Result<std::vector<Registrar::ExportedKey>> Registrar::exported_keys(const Guid& writer_id) {
  auto old = recorded(writer_id);
  if (!old) return old.error();
  if (!*old) {
    return Error::win32(win32_error::file_not_found, "export", writer_id.braced(),
                        "no wsbkit registration for this writer; nothing to export");
  }
  std::vector<ExportedKey> keys;
  if (auto r = export_record(reg_, record_key(writer_id.braced()), keys); !r) return r.error();
  if ((*old)->uses_proxy_stub) {
    auto exists = reg_.key_exists(hklm, str(layout::proxy_stub_record));
    if (!exists) return exists.error();
    if (*exists) {
      if (auto r = export_record(reg_, str(layout::proxy_stub_record), keys); !r) return r.error();
    }
  }
  auto source = reg_.key_exists(hklm, std::string(event_source_record));
  if (!source) return source.error();
  if (*source) {
    if (auto r = export_record(reg_, std::string(event_source_record), keys); !r) return r.error();
  }
  // Parents before children, in one stable order.
  std::stable_sort(keys.begin(), keys.end(), [](const ExportedKey& a, const ExportedKey& b) {
    return to_upper_ascii(a.path) < to_upper_ascii(b.path);
  });
  return keys;
}

}  // namespace wsbkit
