#include "platform/file_security.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr std::uint32_t file_mask = file_right::write_data | file_right::append_data | file_right::delete_ |
                                    file_right::write_dac | file_right::write_owner | file_right::generic_write |
                                    file_right::generic_all;
constexpr std::uint32_t folder_mask = file_right::delete_child | file_right::delete_ | file_right::write_dac |
                                      file_right::write_owner | file_right::generic_all;
// An executable's own folder, a working directory: also no new files (DLL planting).
constexpr std::uint32_t executable_folder_mask = folder_mask | file_right::write_data | file_right::generic_write;
// A link on the path as written: also no retargeting (its reparse data and attributes).
constexpr std::uint32_t write_attributes = 0x0100;
constexpr std::uint32_t reparse_point_mask = folder_mask | file_right::write_data | write_attributes | file_right::generic_write;

std::uint32_t dangerous_rights(std::size_t position, const ObjectSecurity& object, FileRole role) {
  if (object.reparse_point) return reparse_point_mask;
  if (position == 0) return role == FileRole::folder ? executable_folder_mask : file_mask;
  if (position == 1 && role == FileRole::executable) return executable_folder_mask;
  return folder_mask;
}

bool known_ace_type(std::uint8_t type) {
  return type == ace_type_allowed || type == ace_type_denied || type == ace_type_allowed_callback ||
         type == ace_type_denied_callback;
}

struct Grant {
  std::string sid;
  std::uint32_t rights = 0;
  bool as_owner = false;
};

Grant& grant_for(std::vector<Grant>& grants, const std::string& sid) {
  for (Grant& g : grants) {
    if (iequals(g.sid, sid)) return g;
  }
  return grants.emplace_back(Grant{sid, 0, false});
}

bool applies(const FileAce& ace) {
  return (ace.flags & ace_flag_inherit_only) == 0 && !iequals(ace.sid, well_known_sid::creator_owner) &&
         !iequals(ace.sid, well_known_sid::creator_group);
}

}  // namespace

std::string UntrustedWriter::describe() const {
  char rights_text[16];
  std::snprintf(rights_text, sizeof rights_text, "0x%08X", static_cast<unsigned>(rights));
  std::string who = principal.empty() ? sid : principal;
  if (!principal.empty() && principal != sid) who += " (" + sid + ")";
  return who + " may change " + path + " (rights " + rights_text + (as_owner ? ", as its owner)" : ")");
}

Result<std::vector<UntrustedWriter>> untrusted_writers_in(const std::vector<ObjectSecurity>& chain, FileRole role,
                                                          const std::vector<std::string>& trusted) {
  auto is_trusted = [&](const std::string& sid) {
    for (const std::string_view t : {well_known_sid::system, well_known_sid::administrators, well_known_sid::trusted_installer}) {
      if (iequals(sid, t)) return true;
    }
    return std::any_of(trusted.begin(), trusted.end(), [&](const std::string& t) { return iequals(sid, t); });
  };
  std::vector<UntrustedWriter> writers;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ObjectSecurity& object = chain[i];
    const std::uint32_t mask = dangerous_rights(i, object, role);
    std::vector<Grant> grants;
    bool owner_rights_ace = false;
    if (!object.dacl) {
      grant_for(grants, std::string(well_known_sid::everyone)).rights |= file_right::all_access & mask;
    } else {
      for (const FileAce& ace : *object.dacl) {
        if (!known_ace_type(ace.type)) {
          char type[8];
          std::snprintf(type, sizeof type, "0x%02X", static_cast<unsigned>(ace.type));
          return Error::win32(win32_error::invalid_acl, "check security", object.path,
                              std::string("the DACL holds an ACE of type ") + type +
                                  ", which wsbkit does not evaluate: refused (fail closed)");
        }
        if (!applies(ace)) continue;
        const bool for_owner = iequals(ace.sid, well_known_sid::owner_rights);
        owner_rights_ace = owner_rights_ace || for_owner;
        if (ace.type != ace_type_allowed && ace.type != ace_type_allowed_callback) continue;
        const std::uint32_t rights = ace.mask & mask;
        if (rights == 0) continue;
        Grant& g = grant_for(grants, for_owner ? object.owner_sid : ace.sid);
        g.rights |= rights;
        g.as_owner = g.as_owner || for_owner;
      }
    }
    // An owner may always rewrite the DACL, unless OWNER RIGHTS ACEs say what owners get.
    if (!owner_rights_ace && !object.owner_sid.empty()) {
      Grant& g = grant_for(grants, object.owner_sid);
      g.rights |= file_right::write_dac;
      g.as_owner = true;
    }
    for (const Grant& g : grants) {
      if (g.rights == 0 || is_trusted(g.sid)) continue;
      writers.push_back(UntrustedWriter{object.path, g.sid, g.sid, g.rights, g.as_owner});
    }
  }
  return writers;
}

bool is_batch_file(std::string_view path) {
  std::string name(path.substr(std::min(path.size(), path.find_last_of("\\/") + 1)));
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
  if (name.size() < 4) return false;
  const std::string extension = to_upper_ascii(name.substr(name.size() - 4));
  return extension == ".BAT" || extension == ".CMD";
}

std::string path_refusal(std::string_view path, FileRole role) {
  const std::string text(path);
  const bool slash0 = !path.empty() && (path[0] == '\\' || path[0] == '/');
  const bool slash1 = path.size() > 1 && (path[1] == '\\' || path[1] == '/');
  if (slash0 && slash1) {
    return text + " is a UNC or device path (\\\\server\\share, \\\\?\\, \\\\.\\): SYSTEM runs and reads only files on "
                  "local drives (C:\\...)";
  }
  const bool drive = path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
                     (path[2] == '\\' || path[2] == '/');
  if (!drive) return text + " is not an absolute local path (C:\\...)";
  if (path.find(':', 2) != std::string_view::npos) return text + " names an alternate data stream (':' after the drive)";
  if (role == FileRole::executable && is_batch_file(path)) {
    std::string json_path;  // the path as a JSON string holds it
    for (const char c : text) json_path += c == '\\' ? std::string("\\\\") : std::string(1, c);
    return text + " is a batch file, which Windows runs through cmd.exe (%-expansion, & and |, commands looked up in "
                  "the current folder); wsbkit runs no shell. To run it anyway, name cmd.exe: \"executable\": "
                  "\"C:\\\\Windows\\\\System32\\\\cmd.exe\", \"arguments\": [\"/d\", \"/c\", \"" + json_path + "\"]";
  }
  return "";
}

Result<std::unique_ptr<HeldFile>> FileSecurity::open_checked(const std::string& path, FileRole role) {
  if (std::string refused = path_refusal(path, role); !refused.empty()) {
    return Error::win32(win32_error::bad_pathname, "check security", path, refused);
  }
  return open_held(path, role);
}

Result<std::vector<UntrustedWriter>> FileSecurity::untrusted_writers(const std::string& path, FileRole role) {
  auto held = open_checked(path, role);
  if (!held) return held.error();
  return (*held)->untrusted_writers();
}

std::vector<std::string> windows_parent_folders(std::string_view input) {
  std::string path(input);
  std::replace(path.begin(), path.end(), '/', '\\');
  if (path.rfind("\\\\?\\UNC\\", 0) == 0) {
    path = "\\\\" + path.substr(8);
  } else if (path.rfind("\\\\?\\", 0) == 0) {
    path = path.substr(4);
  }
  std::string root;
  std::size_t rest = 0;
  if (path.size() >= 2 && path[1] == ':') {
    root = path.substr(0, 2) + "\\";
    rest = 2;
  } else if (path.rfind("\\\\", 0) == 0) {
    const std::size_t server_end = path.find('\\', 2);
    const std::size_t share_end = server_end == std::string::npos ? std::string::npos : path.find('\\', server_end + 1);
    root = (share_end == std::string::npos ? path : path.substr(0, share_end)) + "\\";
    rest = share_end == std::string::npos ? path.size() : share_end;
  } else if (!path.empty() && path[0] == '\\') {
    root = "\\";
  }
  std::vector<std::string> components;
  for (std::size_t at = rest; at < path.size();) {
    const std::size_t end = std::min(path.find('\\', at), path.size());
    if (end > at) components.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  std::vector<std::string> parents;
  for (std::size_t n = components.size(); n-- > 1;) {
    std::string parent = root;
    for (std::size_t k = 0; k < n; ++k) parent += (k ? "\\" : "") + components[k];
    parents.push_back(parent);
  }
  if (!root.empty() && !components.empty()) parents.push_back(root);
  return parents;
}

}  // namespace wsbkit
