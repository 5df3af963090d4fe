#include "core/registrar.hpp"

#include "core/registry_transaction.hpp"
#include "core/wsb_layout.hpp"
#include "platform/text.hpp"

#include <cctype>

namespace wsbkit {
namespace {

constexpr auto hklm = RegistryRoot::local_machine;

std::string str(std::string_view s) { return std::string(s); }
std::string app_key(const std::string& writer) { return str(layout::application_support) + "\\" + writer; }
std::string record_key(const std::string& writer) { return str(layout::registrations) + "\\" + writer; }
std::string class_key(const std::string& clsid) { return str(layout::classes) + "\\CLSID\\" + clsid; }
std::string appid_key(const std::string& clsid) { return str(layout::classes) + "\\AppID\\" + clsid; }
std::string interface_key(std::string_view iid) { return str(layout::classes) + "\\Interface\\" + str(iid); }

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

// Whether this registration record says wsbkit registered the proxy/stub (absent = no).
Result<bool> read_ownership_flag(Registry& reg, const std::string& record) {
  auto flag = get_dword(reg, hklm, record, "ProxyStub");
  if (flag) return *flag == 1;
  if (flag.error().is_win32(win32_error::file_not_found)) return false;
  return flag.error();
}

}  // namespace

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

bool is_absolute_windows_path(const std::string& path) {
  const bool drive = path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
                     (path[2] == '\\' || path[2] == '/');
  const bool unc = path.size() > 2 && path[0] == '\\' && path[1] == '\\';
  return (drive || unc) && path.find('"') == std::string::npos;
}

std::string local_server_command(const AddinSpec& addin, const std::string& clsid) {
  std::string command = "\"" + addin.exe_path + "\" --clsid " + clsid;
  if (addin.policy_path) command += " --policy \"" + *addin.policy_path + "\"";
  return command;
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
    }
    auto recorded = reg_.key_exists(hklm, record_key(writer));
    if (!recorded) return recorded.error();
    entry.registered_by_wsbkit = *recorded;
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<bool> Registrar::proxy_stub_present() {
  for (const auto& itf : layout::wsb_interfaces) {
    auto ps = read_optional_string(reg_, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
    if (!ps) return ps.error();
    if (!*ps) return false;
  }
  return true;
}

Result<RegisterOutcome> Registrar::register_application(const RegistrationSpec& spec) {
  if (auto r = validate_identifier(spec.identifier); !r) return r.error();
  const std::string writer = spec.writer_id.braced();
  if (spec.addin && !is_absolute_windows_path(spec.addin->exe_path)) {
    return invalid("addin", "must be an absolute Windows path without quotes (got '" + spec.addin->exe_path + "')");
  }
  if (spec.addin && spec.addin->policy_path && !is_absolute_windows_path(*spec.addin->policy_path)) {
    return invalid("policy", "must be an absolute Windows path without quotes (got '" + *spec.addin->policy_path + "')");
  }

  auto existing = list_applications();
  if (!existing) return existing.error();
  for (const auto& entry : *existing) {
    const bool same_writer = iequals(entry.writer_id, writer);
    if (!same_writer && iequals(entry.identifier, spec.identifier)) {
      return invalid("identifier", "'" + spec.identifier + "' is already used by writer " + entry.writer_id +
                                       "; WSB ignores a second application with the same identifier");
    }
    if (same_writer && !entry.registered_by_wsbkit) {
      return invalid("writer", writer + " is already registered by something other than wsbkit; not touching it");
    }
  }

  auto old_clsid = read_optional_string(reg_, record_key(writer), layout::clsid_value);
  if (!old_clsid) return old_clsid.error();
  auto ps_present = proxy_stub_present();
  if (!ps_present) return ps_present.error();

  RegisterOutcome outcome;
  RegistryTransaction tx(reg_);
  const std::string app = app_key(writer);
  const std::string record = record_key(writer);
  auto run = [&]() -> Result<void> {
    if (auto r = tx.create_key(hklm, app); !r) return r;
    if (auto r = tx.set_value(hklm, app, str(layout::application_identifier_value), reg_sz(spec.identifier)); !r) return r;
    if (auto r = tx.create_key(hklm, record); !r) return r;
    std::optional<std::string> clsid;
    if (spec.addin) clsid = (spec.addin->clsid ? *spec.addin->clsid : default_clsid(spec.writer_id)).braced();
    if (*old_clsid && (!clsid || !iequals(**old_clsid, *clsid))) {  // the add-in moved or went away
      if (auto r = tx.delete_tree(hklm, class_key(**old_clsid)); !r) return r;
      if (auto r = tx.delete_tree(hklm, appid_key(**old_clsid)); !r) return r;
    }
    if (!clsid) {
      if (auto r = tx.delete_value(hklm, app, str(layout::clsid_value)); !r) return r;
      return tx.delete_value(hklm, record, str(layout::clsid_value));
    }
    outcome.clsid = *clsid;
    const std::string name = "wsbkit add-in for " + spec.identifier;
    if (auto r = tx.set_value(hklm, app, str(layout::clsid_value), reg_sz(*clsid)); !r) return r;
    if (auto r = tx.set_value(hklm, record, str(layout::clsid_value), reg_sz(*clsid)); !r) return r;
    const std::string cls = class_key(*clsid);
    if (auto r = tx.create_key(hklm, cls + "\\LocalServer32"); !r) return r;
    if (auto r = tx.set_value(hklm, cls, "", reg_sz(name)); !r) return r;
    if (auto r = tx.set_value(hklm, cls, "AppID", reg_sz(*clsid)); !r) return r;
    if (auto r = tx.set_value(hklm, cls + "\\LocalServer32", "", reg_sz(local_server_command(*spec.addin, *clsid))); !r) return r;
    if (auto r = tx.create_key(hklm, appid_key(*clsid)); !r) return r;
    if (auto r = tx.set_value(hklm, appid_key(*clsid), "", reg_sz(name)); !r) return r;

    const bool want_ps = spec.proxy_stub == ProxyStubMode::always ||
                         (spec.proxy_stub == ProxyStubMode::automatic && !*ps_present);
    if (!want_ps) return success();
    if (!is_absolute_windows_path(spec.proxy_stub_dll)) {
      return invalid("proxy-stub-dll", "must be an absolute Windows path (got '" + spec.proxy_stub_dll + "')");
    }
    for (const auto& itf : layout::wsb_interfaces) {
      auto current = read_optional_string(reg_, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
      if (!current) return current.error();
      // Never take over another marshaller's registration of these interfaces.
      if (*current && !iequals(**current, layout::proxy_stub_clsid)) continue;
      const std::string key = interface_key(itf.iid);
      if (auto r = tx.create_key(hklm, key + "\\ProxyStubClsid32"); !r) return r;
      if (auto r = tx.create_key(hklm, key + "\\NumMethods"); !r) return r;
      if (auto r = tx.set_value(hklm, key, "", reg_sz(str(itf.name))); !r) return r;
      if (auto r = tx.set_value(hklm, key + "\\ProxyStubClsid32", "", reg_sz(str(layout::proxy_stub_clsid))); !r) return r;
      if (auto r = tx.set_value(hklm, key + "\\NumMethods", "", reg_sz(str(itf.method_count))); !r) return r;
      outcome.proxy_stub_registered = true;
    }
    const std::string ps = class_key(str(layout::proxy_stub_clsid));
    if (auto r = tx.create_key(hklm, ps + "\\InprocServer32"); !r) return r;
    if (auto r = tx.set_value(hklm, ps, "", reg_sz("wsbkit proxy/stub for the WSB add-in interfaces")); !r) return r;
    if (auto r = tx.set_value(hklm, ps + "\\InprocServer32", "", reg_sz(spec.proxy_stub_dll)); !r) return r;
    if (auto r = tx.set_value(hklm, ps + "\\InprocServer32", "ThreadingModel", reg_sz("Both")); !r) return r;
    return tx.set_value(hklm, record, "ProxyStub", reg_dword(1));
  };
  if (auto r = run(); !r) {
    (void)tx.rollback();
    return r.error();
  }
  outcome.changes = tx.change_count();
  tx.commit();
  return outcome;
}

Result<std::size_t> Registrar::unregister_application(const Guid& writer_id) {
  const std::string writer = writer_id.braced();
  const std::string record = record_key(writer);
  auto recorded = reg_.key_exists(hklm, record);
  if (!recorded) return recorded.error();
  if (!*recorded) {
    return Error::win32(win32_error::file_not_found, "unregister", writer,
                        "no wsbkit registration for this writer; nothing removed");
  }
  auto clsid = read_optional_string(reg_, record, layout::clsid_value);
  if (!clsid) return clsid.error();
  auto owns_ps_value = read_ownership_flag(reg_, record);
  if (!owns_ps_value) return owns_ps_value.error();
  const bool owns_ps = *owns_ps_value;

  // The proxy/stub is shared: it goes only with the last wsbkit registration that uses it.
  bool ps_still_needed = false;
  if (owns_ps) {
    auto others = reg_.list_subkeys(hklm, str(layout::registrations));
    if (!others) return others.error();
    for (const auto& other : *others) {
      if (iequals(other, writer)) continue;
      auto other_ps = read_ownership_flag(reg_, record_key(other));
      if (!other_ps) return other_ps.error();
      if (*other_ps) ps_still_needed = true;
    }
  }

  RegistryTransaction tx(reg_);
  auto run = [&]() -> Result<void> {
    if (auto r = tx.delete_tree(hklm, app_key(writer)); !r) return r;
    if (*clsid) {
      if (auto r = tx.delete_tree(hklm, class_key(**clsid)); !r) return r;
      if (auto r = tx.delete_tree(hklm, appid_key(**clsid)); !r) return r;
    }
    if (owns_ps && !ps_still_needed) {
      for (const auto& itf : layout::wsb_interfaces) {
        auto current = read_optional_string(reg_, interface_key(itf.iid) + "\\ProxyStubClsid32", "");
        if (!current) return current.error();
        if (*current && iequals(**current, layout::proxy_stub_clsid)) {
          if (auto r = tx.delete_tree(hklm, interface_key(itf.iid)); !r) return r;
        }
      }
      if (auto r = tx.delete_tree(hklm, class_key(str(layout::proxy_stub_clsid))); !r) return r;
    }
    if (auto r = tx.delete_tree(hklm, record); !r) return r;
    // Leave no empty wsbkit keys behind (but never Application Support: others may use it).
    for (const std::string& key : {str(layout::registrations), std::string("SOFTWARE\\wsbkit")}) {
      auto children = reg_.list_subkeys(hklm, key);
      if (!children) return children.error();
      auto values = reg_.list_values(hklm, key);
      if (!values) return values.error();
      if (children->empty() && values->empty()) {
        if (auto r = tx.delete_tree(hklm, key); !r) return r;
      }
    }
    return success();
  };
  if (auto r = run(); !r) {
    (void)tx.rollback();
    return r.error();
  }
  const auto changes = tx.change_count();
  tx.commit();
  return changes;
}

}  // namespace wsbkit
