#include "core/restore/state_folder.hpp"

#include <algorithm>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

bool trusted(const std::string& sid, const std::string& own_sid) {
  return iequals(sid, well_known_sid::system) || iequals(sid, well_known_sid::administrators) ||
         (!own_sid.empty() && iequals(sid, own_sid));
}

bool applies_to_object(const FileAce& ace) {
  return (ace.flags & ace_flag_inherit_only) == 0 && !iequals(ace.sid, well_known_sid::creator_owner) &&
         !iequals(ace.sid, well_known_sid::creator_group);
}

// Anyone else granted anything at all (reading a journal or a log is already too much).
std::vector<std::string> other_readers(const ObjectSecurity& security, const std::string& own_sid) {
  std::vector<std::string> sids;
  for (const FileAce& ace : *security.dacl) {
    if (ace.type == ace_type_denied || !applies_to_object(ace) || ace.mask == 0 || trusted(ace.sid, own_sid)) continue;
    if (std::find(sids.begin(), sids.end(), ace.sid) == sids.end()) sids.push_back(ace.sid);
  }
  return sids;
}

std::vector<std::string> folders_of(const std::string& root, const std::string& separator) {
  return {root, root + separator + "sessions", root + separator + "logs"};
}

Error refusal(const std::string& path, const std::string& problem) {
  return Error::win32(win32_error::access_denied, "state folder", path, problem);
}

}  // namespace

std::string state_folder_problem(const std::string& path, const FolderFacts& facts, const std::string& own_sid) {
  if (facts.reparse_point) return path + " is a junction or symbolic link (never followed by wsbkit)";
  if (!facts.directory) return path + " is a file, not a folder";
  const ObjectSecurity& security = facts.security;
  if (!trusted(security.owner_sid, own_sid)) {
    return path + " is owned by " + (security.owner_sid.empty() ? std::string("nobody known") : security.owner_sid) +
           ", not by SYSTEM or Administrators";
  }
  if (!security.dacl) return path + " has a NULL DACL (everyone may do anything)";
  const auto writers = untrusted_writers_in({security}, FileRole::data, own_sid.empty() ? std::vector<std::string>{}
                                                                                      : std::vector<std::string>{own_sid});
  if (!writers) return path + ": " + writers.error().message();  // e.g. an ACE type wsbkit does not evaluate
  if (!writers->empty()) return writers->front().describe();
  if (const auto readers = other_readers(security, own_sid); !readers.empty()) {
    std::string list;
    for (const auto& sid : readers) list += (list.empty() ? "" : ", ") + sid;
    return path + " grants access to " + list + " (only SYSTEM and Administrators may use it)";
  }
  return {};
}

std::string state_folder_fix(const std::string& root) {
  return "after checking who made it and why, remove it (a junction: rmdir \"" + root +
         "\" removes only the link) or reset it from an elevated prompt: icacls \"" + root +
         "\" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F /T && icacls \"" + root +
         "\" /setowner *S-1-5-32-544 /T; wsbkit then uses it again (a missing folder is created protected)";
}

Result<StateFolder> StateFolder::open(ProtectedFolders& folders, const std::string& root, const std::string& separator) {
  auto own = folders.own_sid();
  if (!own) return own.error();
  StateFolder state;
  state.root_ = root;
  state.separator_ = separator;
  for (const std::string& path : folders_of(root, separator)) {
    if (auto created = folders.create(path); !created) return created.error();
    auto held = folders.hold(path);
    if (!held) return held.error();
    if (std::string problem = state_folder_problem(path, (*held)->facts(), *own); !problem.empty()) {
      return refusal(path, problem);
    }
    state.held_.push_back(std::move(*held));
  }
  return state;
}

Result<std::vector<std::string>> StateFolder::inspect(ProtectedFolders& folders, const std::string& root,
                                                      const std::string& separator) {
  auto own = folders.own_sid();
  if (!own) return own.error();
  std::vector<std::string> problems;
  for (const std::string& path : folders_of(root, separator)) {
    auto held = folders.hold(path);
    if (!held && (held.error().win32_code() == win32_error::file_not_found ||
                  held.error().win32_code() == win32_error::path_not_found)) {
      continue;
    }
    if (!held) return held.error();
    if (std::string problem = state_folder_problem(path, (*held)->facts(), *own); !problem.empty()) {
      problems.push_back(problem);
    }
  }
  return problems;
}

}  // namespace wsbkit
