#include "platform/file_security.hpp"

#include <algorithm>
#include <cstdio>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr std::uint32_t file_mask = file_right::write_data | file_right::append_data | file_right::delete_ |
                                    file_right::write_dac | file_right::write_owner | file_right::generic_write |
                                    file_right::generic_all;
constexpr std::uint32_t folder_mask = file_right::delete_child | file_right::delete_ | file_right::write_dac |
                                      file_right::write_owner | file_right::generic_all;
// An executable's own folder: also no new files (DLL planting).
constexpr std::uint32_t executable_folder_mask = folder_mask | file_right::write_data | file_right::generic_write;

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

std::vector<UntrustedWriter> untrusted_writers_in(const std::vector<ObjectSecurity>& chain, FileRole role,
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
    const std::uint32_t mask = i == 0 ? file_mask
                               : (i == 1 && role == FileRole::executable) ? executable_folder_mask
                                                                         : folder_mask;
    std::vector<Grant> grants;
    bool owner_rights_ace = false;
    if (!object.dacl) {
      grant_for(grants, std::string(well_known_sid::everyone)).rights |= file_right::all_access & mask;
    } else {
      for (const FileAce& ace : *object.dacl) {
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
