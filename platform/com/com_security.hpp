// COM security of the add-in's server process. The add-in applies the AccessPermission of its AppID
// (HKLM\SOFTWARE\Classes\AppID\{clsid}, written by `wsbkit register`, writable by administrators
// only) through CoInitializeSecurity(EOAC_APPID) with the AppID GUID (= the CLSID), in both
// hostings. COM would silently fall back to the machine-wide DefaultAccessPermission when the
// value is missing (and a descriptor without a DACL grants everyone), so the add-in checks the
// value first and refuses to serve without it: fail closed, never the machine default.
#pragma once

#include <cstdint>
#include <string>

#include "platform/error.hpp"
#include "platform/registry.hpp"

namespace wsbkit {

inline std::string appid_key(const std::string& clsid) { return "SOFTWARE\\Classes\\AppID\\" + clsid; }

// The AppID's AccessPermission: present, REG_BINARY, a self-relative security descriptor (revision
// 1, SE_SELF_RELATIVE) with a DACL (SE_DACL_PRESENT and a DACL offset inside the data). Anything
// else is an error naming the key and what is wrong.
inline Result<void> require_access_permission(Registry& registry, const std::string& clsid) {
  const std::string key = appid_key(clsid);
  const auto refuse = [&](const std::string& why) {
    return Error::win32(win32_error::access_denied, "AccessPermission", "HKLM\\" + key,
                        why + ": the add-in does not serve with the machine's default COM access permission; "
                              "run 'wsbkit register' again");
  };
  auto value = registry.get_value(RegistryRoot::local_machine, key, "AccessPermission");
  if (!value) return refuse("cannot be read (" + value.error().message() + ")");
  const auto& d = value->data;
  if (value->type != reg_type::binary) return refuse("is not REG_BINARY");
  if (d.size() < 20 || d[0] != 1) return refuse("is not a security descriptor");
  const unsigned control = d[2] | (d[3] << 8);
  const std::uint32_t dacl = d[16] | (d[17] << 8) | (d[18] << 16) | (static_cast<std::uint32_t>(d[19]) << 24);
  if (!(control & 0x8000u)) return refuse("is not a self-relative security descriptor");
  if (!(control & 0x0004u) || dacl == 0 || dacl + 8 > d.size()) return refuse("has no DACL (it would grant everyone)");
  return success();
}

}  // namespace wsbkit
