#include "mock/fake_file_security.hpp"

#include <algorithm>

#include "mock/fake_error.hpp"
#include "mock/windows_names.hpp"
#include "platform/text.hpp"

namespace wsbkit::mock {
namespace {

std::string normalized(std::string path) {
  std::replace(path.begin(), path.end(), '/', '\\');
  while (path.size() > 3 && path.back() == '\\') path.pop_back();
  return path;
}

}  // namespace

std::string well_known_account_name(const std::string& sid) {
  static const std::map<std::string, std::string> names = {
      {"S-1-5-18", "NT AUTHORITY\\SYSTEM"},           {"S-1-5-32-544", "BUILTIN\\Administrators"},
      {"S-1-5-32-545", "BUILTIN\\Users"},             {"S-1-1-0", "Everyone"},
      {"S-1-5-11", "NT AUTHORITY\\Authenticated Users"}, {"S-1-5-4", "NT AUTHORITY\\INTERACTIVE"},
  };
  const auto it = names.find(to_upper_ascii(sid));
  return it == names.end() ? std::string() : it->second;
}

FakeFileSecurity::FakeFileSecurity() : own_sid_(well_known_sid::system) {
  default_folder_.owner_sid = well_known_sid::administrators;
  default_folder_.dacl = std::vector<FileAce>{
      {ace_type_allowed, 0x03, file_right::all_access, std::string(well_known_sid::system)},
      {ace_type_allowed, 0x03, file_right::all_access, std::string(well_known_sid::administrators)},
      {ace_type_allowed, 0x03, file_right::read_execute, std::string(well_known_sid::users)},
  };
}

Result<std::vector<UntrustedWriter>> FakeFileSecurity::untrusted_writers(const std::string& path, FileRole role) {
  std::lock_guard lock(mutex_);
  const std::string file = normalized(path);
  const auto found = entries_.find(fold_name(file));
  if (found == entries_.end()) return fake_error(win32_error::file_not_found, "CreateFileW", path);
  std::vector<ObjectSecurity> chain{{file, found->second.owner_sid, found->second.dacl}};
  for (const std::string& folder : windows_parent_folders(file)) {
    const auto set = entries_.find(fold_name(normalized(folder)));
    const Entry& e = set == entries_.end() ? default_folder_ : set->second;
    chain.push_back({folder, e.owner_sid, e.dacl});
  }
  std::vector<UntrustedWriter> writers = untrusted_writers_in(chain, role, {own_sid_});
  for (UntrustedWriter& w : writers) {
    if (std::string name = well_known_account_name(w.sid); !name.empty()) w.principal = std::move(name);
  }
  return writers;
}

void FakeFileSecurity::set(const std::string& path, std::string owner_sid, std::optional<std::vector<FileAce>> dacl) {
  std::lock_guard lock(mutex_);
  const std::string p = normalized(path);
  entries_[fold_name(p)] = Entry{p, std::move(owner_sid), std::move(dacl)};
}

void FakeFileSecurity::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  entries_.erase(fold_name(normalized(path)));
}

void FakeFileSecurity::set_own_sid(std::string sid) {
  std::lock_guard lock(mutex_);
  own_sid_ = std::move(sid);
}

std::string FakeFileSecurity::own_sid() const {
  std::lock_guard lock(mutex_);
  return own_sid_;
}

void FakeFileSecurity::set_default_folder_security(std::string owner_sid, std::optional<std::vector<FileAce>> dacl) {
  std::lock_guard lock(mutex_);
  default_folder_ = Entry{"", std::move(owner_sid), std::move(dacl)};
}

}  // namespace wsbkit::mock
