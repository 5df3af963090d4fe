#include "mock/fake_file_security.hpp"

#include <algorithm>
#include <string_view>

#include "mock/fake_error.hpp"
#include "platform/memory/windows_names.hpp"
#include "platform/text.hpp"

namespace wsbkit::mock {
namespace {

std::string normalized(std::string path) {
  std::replace(path.begin(), path.end(), '/', '\\');
  while (path.size() > 3 && path.back() == '\\') path.pop_back();
  return path;
}

}  // namespace

std::vector<FileAce> admin_only_dacl() {
  return {{ace_type_allowed, 0, file_right::all_access, std::string(well_known_sid::system)},
          {ace_type_allowed, 0, file_right::all_access, std::string(well_known_sid::administrators)},
          {ace_type_allowed, 0, file_right::read_execute, std::string(well_known_sid::users)}};
}

std::vector<FileAce> users_may_write_dacl() {
  return {{ace_type_allowed, 0, file_right::all_access, std::string(well_known_sid::system)},
          {ace_type_allowed, 0, 0x1301BF, std::string(well_known_sid::users)}};
}

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

class FakeFileSecurity::Held final : public HeldFile {
 public:
  Held(FakeFileSecurity& owner, std::string path, std::string final_path, std::string identity,
       std::vector<UntrustedWriter> writers)
      : owner_(owner), path_(std::move(path)), final_path_(std::move(final_path)), identity_(std::move(identity)),
        writers_(std::move(writers)) {}
  ~Held() override { owner_.release(final_path_); }
  const std::string& path() const override { return path_; }
  const std::vector<UntrustedWriter>& untrusted_writers() const override { return writers_; }
  const std::string& final_path() const override { return final_path_; }
  const std::string& identity() const override { return identity_; }
  Result<std::uint64_t> size() override {
    FileSystem* files = owner_.contents();
    if (!files) return fake_error(win32_error::invalid_handle, "GetFileSizeEx", final_path_);
    return files->file_size(final_path_);
  }
  Result<std::string> read(std::uint64_t limit) override {
    FileSystem* files = owner_.contents();
    if (!files) return fake_error(win32_error::invalid_handle, "ReadFile", final_path_);
    std::string text;
    auto read = files->read_chunks(final_path_, 64 * 1024, [&](std::string_view chunk) -> Result<void> {
      text.append(chunk.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), limit - text.size()))));
      if (text.size() >= limit) return fake_error(win32_error::more_data, "ReadFile", final_path_);  // stops the read
      return success();
    });
    if (!read && text.size() < limit) return read.error();
    return text;
  }

 private:
  FakeFileSecurity& owner_;
  std::string path_, final_path_, identity_;
  std::vector<UntrustedWriter> writers_;
};

FileSystem* FakeFileSecurity::contents() const {
  std::lock_guard lock(mutex_);
  return files_;
}

std::string FakeFileSecurity::resolve(const std::string& path) const {
  std::string current = normalized(path);
  for (int hops = 0; hops < 32; ++hops) {
    bool followed = false;
    std::vector<std::string> prefixes = windows_parent_folders(current);
    prefixes.insert(prefixes.begin(), current);
    for (auto it = prefixes.rbegin(); it != prefixes.rend() && !followed; ++it) {
      const auto found = entries_.find(fold_name(normalized(*it)));
      if (found == entries_.end() || !found->second.target) continue;
      const std::string prefix = normalized(*it);
      current = normalized(*found->second.target + current.substr(prefix.size()));
      followed = true;
    }
    if (!followed) return current;
  }
  return current;
}

ObjectSecurity FakeFileSecurity::security_at(const std::string& folder) const {
  const auto set = entries_.find(fold_name(normalized(folder)));
  const Entry& e = set == entries_.end() ? default_folder_ : set->second;
  return {folder, e.owner_sid, e.dacl, e.target.has_value()};
}

Result<std::unique_ptr<HeldFile>> FakeFileSecurity::open_held(const std::string& path, FileRole role) {
  std::lock_guard lock(mutex_);
  const std::string file = resolve(path);
  const auto found = entries_.find(fold_name(file));
  if (found == entries_.end()) return fake_error(win32_error::file_not_found, "CreateFileW", path);
  std::vector<ObjectSecurity> chain{{file, found->second.owner_sid, found->second.dacl, false}};
  const std::vector<std::string> resolved = windows_parent_folders(file);
  for (const std::string& folder : resolved) chain.push_back(security_at(folder));
  // The folders of the path as written that resolving left out (the links, and what is above them).
  for (const std::string& folder : windows_parent_folders(normalized(path))) {
    if (std::none_of(resolved.begin(), resolved.end(), [&](const std::string& r) { return iequals(r, folder); })) {
      chain.push_back(security_at(folder));
    }
  }
  auto writers = untrusted_writers_in(chain, role, {own_sid_});
  if (!writers) return writers.error();
  for (UntrustedWriter& w : *writers) {
    if (std::string name = well_known_account_name(w.sid); !name.empty()) w.principal = std::move(name);
  }
  ++found->second.holds;
  const std::string identity = "fake:" + file + "#" + std::to_string(found->second.generation);
  return std::unique_ptr<HeldFile>(std::make_unique<Held>(*this, path, file, identity, std::move(*writers)));
}

void FakeFileSecurity::release(const std::string& final_path) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(fold_name(final_path));
  if (found != entries_.end() && found->second.holds > 0) --found->second.holds;
}

bool FakeFileSecurity::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  const auto source = entries_.find(fold_name(normalized(from)));
  if (source == entries_.end() || source->second.holds > 0) return false;
  const auto target = entries_.find(fold_name(normalized(to)));
  if (target != entries_.end() && target->second.holds > 0) return false;
  Entry moved = source->second;
  entries_.erase(source);
  moved.path = normalized(to);
  moved.generation = next_generation_++;
  entries_[fold_name(moved.path)] = std::move(moved);
  return true;
}

std::string FakeFileSecurity::identity_of(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const std::string file = resolve(path);
  const auto found = entries_.find(fold_name(file));
  if (found == entries_.end()) return "";
  return "fake:" + file + "#" + std::to_string(found->second.generation);
}

int FakeFileSecurity::holds(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(fold_name(normalized(path)));
  return found == entries_.end() ? 0 : found->second.holds;
}

void FakeFileSecurity::read_contents_from(FileSystem* files) {
  std::lock_guard lock(mutex_);
  files_ = files;
}

void FakeFileSecurity::set_reparse_point(const std::string& path, std::string owner_sid,
                                         std::optional<std::vector<FileAce>> dacl, std::string target) {
  std::lock_guard lock(mutex_);
  const std::string p = normalized(path);
  Entry& e = entries_[fold_name(p)];
  e = Entry{p, std::move(owner_sid), std::move(dacl), normalized(std::move(target)), next_generation_++, e.holds};
}

void FakeFileSecurity::set(const std::string& path, std::string owner_sid, std::optional<std::vector<FileAce>> dacl) {
  std::lock_guard lock(mutex_);
  const std::string p = normalized(path);
  Entry& e = entries_[fold_name(p)];
  // A held object keeps its identity (its security changes, it is not replaced).
  const std::uint64_t generation = e.holds > 0 ? e.generation : next_generation_++;
  e = Entry{p, std::move(owner_sid), std::move(dacl), std::nullopt, generation, e.holds};
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
  default_folder_ = Entry{"", std::move(owner_sid), std::move(dacl), std::nullopt, 0, 0};
}

}  // namespace wsbkit::mock
