#include "core/registrar.hpp"

#include <algorithm>
#include <cctype>

#include "core/ownership_record.hpp"
#include "core/wsb_layout.hpp"
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
  if (auto r = release(tx, *owned, DesiredState{}, expected, left_behind); !r) return r;
  return tx.delete_tree(hklm, record);
}

// Deletes SOFTWARE\wsbkit\Registrations and SOFTWARE\wsbkit once they hold nothing.
Result<void> remove_empty_wsbkit_keys(RegistryTransaction& tx) {
  for (const std::string& key : {str(layout::registrations), str(layout::wsbkit_root)}) {
    auto exists = tx.view().key_exists(hklm, key);
    if (!exists) return exists.error();
    if (!*exists) continue;
    auto children = tx.view().list_subkeys(hklm, key);
    if (!children) return children.error();
    auto values = tx.view().list_values(hklm, key);
    if (!values) return values.error();
    if (children->empty() && values->empty()) {
      if (auto r = tx.delete_key(hklm, key); !r) return r;
    }
  }
  return success();
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

bool same_definition(const ServiceDefinition& a, const ServiceDefinition& b) {
  return a.name == b.name && a.display_name == b.display_name && a.command_line == b.command_line &&
         a.start_type == b.start_type && a.dependencies == b.dependencies;
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

Result<std::vector<ApplicationEntry>> Registrar::list_applications() {
  std::vector<ApplicationEntry> entries;
  auto writers = reg_.list_subkeys(hklm, str(layout::application_support));
  if (!writers) {
    if (writers.error().is_win32(win32_error::file_not_found)) return entries;
    return writers.error();
  }
  const auto permission = [&](const std::string& key, const char* name) -> Result<std::optional<std::string>> {
    auto value = reg_.get_value(hklm, key, name);
    if (!value) {
      if (value.error().is_win32(win32_error::file_not_found)) return std::optional<std::string>();
      return value.error();
    }
    auto sd = decode_self_relative(value->data);
    if (value->type != reg_type::binary) return std::optional<std::string>("(not REG_BINARY)");
    if (!sd) return std::optional<std::string>("(unreadable: " + sd.error().system_message() + ")");
    return std::optional<std::string>(to_sddl(*sd));
  };
  for (const auto& writer : *writers) {
    ApplicationEntry entry;
    entry.writer_id = writer;
    auto identifier = read_optional_string(reg_, app_key(writer), layout::application_identifier_value);
    if (!identifier) return identifier.error();
    entry.identifier = identifier->value_or("");
    auto clsid = read_optional_string(reg_, app_key(writer), layout::clsid_value);
    if (!clsid) return clsid.error();
    entry.clsid = *clsid;
    if (entry.clsid) {
      auto server = read_optional_string(reg_, class_key(*entry.clsid) + "\\LocalServer32", "");
      if (!server) return server.error();
      entry.local_server = *server;
      auto appid = read_optional_string(reg_, class_key(*entry.clsid), "AppID");
      if (!appid) return appid.error();
      const std::string appid_path = appid_key(appid->value_or(*entry.clsid));
      auto service = read_optional_string(reg_, appid_path, "LocalService");
      if (!service) return service.error();
      entry.local_service = *service;
      auto launch = permission(appid_path, "LaunchPermission");
      if (!launch) return launch.error();
      entry.launch_permission = *launch;
      auto access = permission(appid_path, "AccessPermission");
      if (!access) return access.error();
      entry.access_permission = *access;
    }
    auto recorded = reg_.key_exists(hklm, record_key(writer));
    if (!recorded) return recorded.error();
    entry.registered_by_wsbkit = *recorded;
    entries.push_back(std::move(entry));
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

Result<std::optional<RecordedRegistration>> Registrar::recorded(const Guid& writer_id) {
  const std::string record = record_key(writer_id.braced());
  auto exists = reg_.key_exists(hklm, record);
  if (!exists) return exists.error();
  if (!*exists) return std::optional<RecordedRegistration>();
  RecordedRegistration r;
  r.spec.writer_id = writer_id;
  const auto text = [&](const char* name) { return read_optional_string(reg_, record, name); };
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
  auto uses = read_optional_dword(reg_, record, "ProxyStub");
  if (!uses) return uses.error();
  r.uses_proxy_stub = uses->value_or(0) == 1;
  return std::optional<RecordedRegistration>(r);
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

Result<RegistrationOutcome> Registrar::register_checked(const RegistrationSpec& spec, TransactionMode mode,
                                                        bool unique_identifier) {
  if (auto r = validate_spec(spec); !r) return r.error();
  const std::string writer = spec.writer_id.braced();
  const std::string record = record_key(writer);
  std::optional<std::string> clsid;
  if (spec.addin) clsid = (spec.addin->clsid ? *spec.addin->clsid : default_clsid(spec.writer_id)).braced();

  auto existing = list_applications();
  if (!existing) return existing.error();
  for (const auto& entry : *existing) {
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
  auto old = recorded(spec.writer_id);
  if (!old) return old.error();
  auto owned = read_ownership(reg_, record);
  if (!owned) return owned.error();

  // The add-in's CLSID must be this registration's own: not another product's class, not another
  // wsbkit registration's.
  if (clsid) {
    for (const std::string& key : {class_key(*clsid), appid_key(*clsid)}) {
      auto exists = reg_.key_exists(hklm, key);
      if (!exists) return exists.error();
      if (!*exists || owned->owns_key(key)) continue;
      auto records = reg_.list_subkeys(hklm, str(layout::registrations));
      if (records) {
        for (const auto& other : *records) {
          auto other_clsid = read_optional_string(reg_, record_key(other), layout::clsid_value);
          if (other_clsid && *other_clsid && iequals(**other_clsid, *clsid) && !iequals(other, writer)) {
            return invalid("clsid", *clsid + " is the add-in CLSID of wsbkit's registration for writer " + other);
          }
        }
      }
      return invalid("clsid", *clsid + " is already registered on this machine (" + key_display(hklm, key) +
                                  " exists and wsbkit did not create it); choose another --clsid");
    }
  }

  // The add-in's service: wsbkit's own, never another product's; not replaced while it runs.
  std::optional<ServiceDefinition> old_service, new_service;
  if (old->has_value() && (*old)->spec.addin && (*old)->clsid && (*old)->spec.addin->hosting == Hosting::local_service) {
    old_service = service_definition((*old)->spec, *(*old)->clsid);
  }
  if (spec.addin && spec.addin->hosting == Hosting::local_service) new_service = service_definition(spec, *clsid);
  if (old_service || new_service) {
    if (auto r = require(services_, (new_service ? new_service : old_service)->name); !r) return r.error();
  }
  if (new_service && !(old_service && iequals(old_service->name, new_service->name))) {
    auto exists = services_->exists(new_service->name);
    if (!exists) return exists.error();
    if (*exists) {
      return invalid("service-name", "service '" + new_service->name +
                                         "' already exists and wsbkit did not create it; choose another --service-name");
    }
  }
  const bool replace_service = old_service && (!new_service || !same_definition(*old_service, *new_service));
  if (replace_service) {
    if (auto r = require_stopped(*services_, old_service->name); !r) return r.error();
  }

  // Proxy/stub: per interface, absent, wsbkit's, or another product's (never touched).
  std::vector<layout::InterfaceInfo> ours_or_absent;
  std::size_t absent = 0, ours = 0;
  for (const auto& itf : layout::wsb_interfaces) {
    auto current = read_optional_string(reg_, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
    if (!current) return current.error();
    if (!*current) ++absent;
    else if (iequals(**current, layout::proxy_stub_clsid)) ++ours;
    else continue;
    ours_or_absent.push_back(itf);
  }
  bool uses_ps = false, write_ps = false;
  if (spec.addin && spec.proxy_stub != ProxyStubMode::never) {
    uses_ps = absent + ours > 0;
    // auto writes only where an interface has no registration; always also re-writes wsbkit's own.
    write_ps = spec.proxy_stub == ProxyStubMode::always ? uses_ps : absent > 0;
  }
  if (write_ps && !is_absolute_windows_path(spec.proxy_stub_dll)) {
    return invalid("proxy-stub-dll", "must be an absolute Windows path (got '" + spec.proxy_stub_dll + "')");
  }
  auto others_use = others_use_proxy_stub(reg_, writer);
  if (!others_use) return others_use.error();

  RegistrationOutcome outcome;
  outcome.clsid = clsid.value_or("");
  outcome.proxy_stub_used = uses_ps;
  RegistryTransaction tx(reg_, mode, services_);
  auto run = [&]() -> Result<void> {
    const DesiredState desired = writer_desired(spec, clsid);
    const DesiredState expected = *old ? writer_desired((*old)->spec, (*old)->clsid) : DesiredState{};
    if (auto r = release(tx, *owned, desired, expected, outcome.left_behind); !r) return r;
    std::size_t from = tx.changes().size();
    if (auto r = apply_desired(tx, desired); !r) return r;
    absorb(*owned, tx.changes(), from, writer_roots(writer, clsid));

    if (write_ps) {
      const std::string ps_record = str(layout::proxy_stub_record);
      auto ps_owned = read_ownership(tx.view(), ps_record);
      if (!ps_owned) return ps_owned.error();
      from = tx.changes().size();
      if (auto r = apply_desired(tx, proxy_stub_desired(spec.proxy_stub_dll, ours_or_absent)); !r) return r;
      outcome.proxy_stub_written = tx.changes().size() > from;
      absorb(*ps_owned, tx.changes(), from, proxy_stub_roots());
      if (auto r = write_record(tx, ps_record, *ps_owned, {{"Dll", reg_sz(spec.proxy_stub_dll)}}); !r) return r;
    } else if (!uses_ps && !*others_use) {
      if (auto r = release_proxy_stub(tx, outcome.left_behind); !r) return r;
    }

    if (replace_service) {
      if (auto r = tx.delete_service(*old_service); !r) return r;
    }
    if (new_service) {
      auto exists = tx.service_exists(new_service->name);
      if (!exists) return exists.error();
      if (!*exists) {
        if (auto r = tx.create_service(*new_service); !r) return r;
      }
    }
    return write_record(tx, record, *owned, record_inputs(spec, clsid, uses_ps));
  };
  if (auto r = run(); !r) {
    (void)tx.rollback();
    return r.error();
  }
  outcome.changes = tx.changes();
  tx.commit();
  return outcome;
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
  std::optional<ServiceDefinition> service;
  if ((*old)->spec.addin && (*old)->clsid && (*old)->spec.addin->hosting == Hosting::local_service) {
    service = service_definition((*old)->spec, *(*old)->clsid);
    if (auto r = require(services_, service->name); !r) return r.error();
    if (auto r = require_stopped(*services_, service->name); !r) return r.error();
  }
  auto others_use = others_use_proxy_stub(reg_, writer);
  if (!others_use) return others_use.error();

  RegistrationOutcome outcome;
  outcome.clsid = (*old)->clsid.value_or("");
  RegistryTransaction tx(reg_, mode, services_);
  auto run = [&]() -> Result<void> {
    const DesiredState expected = writer_desired((*old)->spec, (*old)->clsid);
    if (auto r = release(tx, *owned, DesiredState{}, expected, outcome.left_behind); !r) return r;
    // The proxy/stub is shared: it goes only with the last wsbkit registration that uses it.
    if (!*others_use) {
      if (auto r = release_proxy_stub(tx, outcome.left_behind); !r) return r;
    }
    if (service) {
      if (auto r = tx.delete_service(*service); !r) return r;
    }
    if (auto r = tx.delete_tree(hklm, record); !r) return r;
    // Leave no empty wsbkit keys behind (Application Support itself is never wsbkit's).
    return remove_empty_wsbkit_keys(tx);
  };
  if (auto r = run(); !r) {
    (void)tx.rollback();
    return r.error();
  }
  outcome.changes = tx.changes();
  tx.commit();
  return outcome;
}

Result<std::vector<Registrar::ExportedKey>> Registrar::exported_keys(const Guid& writer_id) {
  auto old = recorded(writer_id);
  if (!old) return old.error();
  if (!*old) {
    return Error::win32(win32_error::file_not_found, "export", writer_id.braced(),
                        "no wsbkit registration for this writer; nothing to export");
  }
  std::vector<ExportedKey> keys;
  // Owned keys with the values wsbkit wrote there, in the registry's order.
  const auto add_owned = [&](const std::string& record) -> Result<void> {
    auto owned = read_ownership(reg_, record);
    if (!owned) return owned.error();
    std::vector<std::string> paths = owned->created_keys;
    for (const auto& v : owned->values) {
      if (std::none_of(paths.begin(), paths.end(), [&](const std::string& p) { return iequals(p, v.key); })) paths.push_back(v.key);
    }
    for (const auto& path : paths) {
      auto exists = reg_.key_exists(hklm, path);
      if (!exists) return exists.error();
      if (!*exists) continue;
      ExportedKey key{path, {}};
      auto names = reg_.list_values(hklm, path);
      if (!names) return names.error();
      for (const auto& name : *names) {
        if (!owned->find_value(path, name)) continue;
        auto value = reg_.get_value(hklm, path, name);
        if (!value) return value.error();
        key.values.emplace_back(name, *value);
      }
      keys.push_back(std::move(key));
    }
    return success();
  };
  // A record key and its subkeys, whole.
  const auto add_whole = [&](const std::string& path) -> Result<void> {
    auto tree = read_tree(reg_, hklm, path);
    if (!tree) return tree.error();
    std::function<void(const RegistryTree&, const std::string&)> add = [&](const RegistryTree& t, const std::string& p) {
      keys.push_back({p, t.values});
      for (const auto& sub : t.subkeys) add(sub, p + "\\" + sub.name);
    };
    add(*tree, path);
    return success();
  };
  if (auto r = add_owned(record_key(writer_id.braced())); !r) return r.error();
  if (auto r = add_whole(record_key(writer_id.braced())); !r) return r.error();
  if ((*old)->uses_proxy_stub) {
    auto exists = reg_.key_exists(hklm, str(layout::proxy_stub_record));
    if (!exists) return exists.error();
    if (*exists) {
      if (auto r = add_owned(str(layout::proxy_stub_record)); !r) return r.error();
      if (auto r = add_whole(str(layout::proxy_stub_record)); !r) return r.error();
    }
  }
  // Parents before children, in one stable order.
  std::stable_sort(keys.begin(), keys.end(), [](const ExportedKey& a, const ExportedKey& b) {
    return to_upper_ascii(a.path) < to_upper_ascii(b.path);
  });
  return keys;
}

}  // namespace wsbkit
