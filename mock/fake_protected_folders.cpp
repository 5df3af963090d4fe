#include "mock/fake_protected_folders.hpp"

#include <algorithm>

#include "mock/fake_error.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {
namespace {

std::string parent_of(const std::string& path) {
  const auto cut = path.find_last_of("\\/");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::u16string key_of(std::string path) {
  std::replace(path.begin(), path.end(), '/', '\\');
  while (!path.empty() && path.back() == '\\') path.pop_back();
  return fold_name(path);
}

}  // namespace

class FakeProtectedFolders::Held final : public HeldFolder {
 public:
  Held(FakeProtectedFolders& owner, std::u16string key, FolderFacts facts)
      : owner_(owner), key_(std::move(key)), facts_(std::move(facts)) {}
  ~Held() override {
    std::lock_guard lock(owner_.mutex_);
    if (--owner_.holds_[key_] == 0) owner_.holds_.erase(key_);
  }
  const FolderFacts& facts() const override { return facts_; }

 private:
  FakeProtectedFolders& owner_;
  std::u16string key_;
  FolderFacts facts_;
};

FolderFacts protected_folder_facts(const std::string& path) {
  FolderFacts f;
  f.directory = true;
  f.security = {path, std::string(well_known_sid::administrators),
                std::vector<FileAce>{{ace_type_allowed, 0x03, file_right::all_access, std::string(well_known_sid::system)},
                                     {ace_type_allowed, 0x03, file_right::all_access, std::string(well_known_sid::administrators)}}};
  return f;
}

FolderFacts user_created_folder_facts(const std::string& path, const std::string& user_sid) {
  FolderFacts f = protected_folder_facts(path);
  f.security.owner_sid = user_sid;
  f.security.dacl->push_back({ace_type_allowed, 0x13, file_right::all_access, user_sid});
  f.security.dacl->push_back({ace_type_allowed, 0x13, file_right::read_execute, std::string(well_known_sid::users)});
  return f;
}

FakeProtectedFolders::FakeProtectedFolders(FakeFileSystem& files) : files_(files) {
  FolderFacts program_data = protected_folder_facts("C:\\ProgramData");
  program_data.security.owner_sid = well_known_sid::system;
  program_data.security.dacl->push_back({ace_type_allowed, 0x02, file_right::write_data | file_right::append_data | file_right::read_execute,
                                         std::string(well_known_sid::users)});
  plant("C:\\ProgramData", program_data);
}

FakeProtectedFolders::~FakeProtectedFolders() = default;

Result<bool> FakeProtectedFolders::create(const std::string& path) {
  {
    std::lock_guard lock(mutex_);
    if (entries_.count(key_of(path))) return false;
    if (!entries_.count(key_of(parent_of(path)))) return fake_error(win32_error::path_not_found, "CreateDirectoryW", path);
  }
  auto exists = files_.exists(path);
  if (!exists) return exists.error();
  if (*exists) {  // something the file system has that this fake was not told about: a plain file
    return false;
  }
  plant(path, protected_folder_facts(path));
  return true;
}

Result<std::unique_ptr<HeldFolder>> FakeProtectedFolders::hold(const std::string& path) {
  std::lock_guard lock(mutex_);
  const auto key = key_of(path);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    auto exists = files_.exists(path);
    if (exists && *exists) {  // a file the test wrote through the file system
      FolderFacts file = protected_folder_facts(path);
      file.directory = false;
      ++holds_[key];
      return std::unique_ptr<HeldFolder>(std::make_unique<Held>(*this, key, file));
    }
    const bool parent = entries_.count(key_of(parent_of(path))) > 0;
    return fake_error(parent ? win32_error::file_not_found : win32_error::path_not_found, "CreateFileW", path);
  }
  ++holds_[key];
  return std::unique_ptr<HeldFolder>(std::make_unique<Held>(*this, key, it->second));
}

void FakeProtectedFolders::plant(const std::string& path, FolderFacts facts) {
  if (facts.directory || facts.reparse_point) {
    if (auto made = files_.create_directories(path); !made) return;
  }
  if (facts.security.path.empty()) facts.security.path = path;
  std::lock_guard lock(mutex_);
  entries_[key_of(path)] = std::move(facts);
}

Result<void> FakeProtectedFolders::replace(const std::string& path, FolderFacts facts) {
  {
    std::lock_guard lock(mutex_);
    if (holds_.count(key_of(path))) {
      return fake_error(32 /* ERROR_SHARING_VIOLATION */, "MoveFileExW", path);
    }
  }
  plant(path, std::move(facts));
  return success();
}

std::size_t FakeProtectedFolders::holds(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto it = holds_.find(key_of(path));
  return it == holds_.end() ? 0 : it->second;
}

FolderFacts FakeProtectedFolders::facts_of(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key_of(path));
  return it == entries_.end() ? FolderFacts{} : it->second;
}

}  // namespace wsbkit::mock
