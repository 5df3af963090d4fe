// Protected folders as Windows keeps them, over a FakeFileSystem (the folders it creates or a test
// plants exist there too). Models what Wine cannot show (measured, see
// tests/contract/protected_folders_contract_test.cpp): owners and DACLs as set, junctions reported
// as reparse points, and a held folder that cannot be renamed or replaced (replace() fails with
// ERROR_SHARING_VIOLATION while it is held, as Windows refuses the rename without FILE_SHARE_DELETE).
// ProgramData is "C:\ProgramData", present, owned by SYSTEM, letting Users create folders there.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mock/fake_file_system.hpp"
#include "platform/protected_folders.hpp"

namespace wsbkit::mock {

class FakeProtectedFolders final : public ProtectedFolders {
 public:
  explicit FakeProtectedFolders(FakeFileSystem& files);
  ~FakeProtectedFolders() override;

  Result<std::string> program_data() override { return std::string("C:\\ProgramData"); }
  Result<bool> create(const std::string& path) override;
  Result<std::unique_ptr<HeldFolder>> hold(const std::string& path) override;
  Result<std::string> own_sid() override { return own_sid_; }

  // --- test controls ---
  // What a user (or an earlier admin) left at `path`: a folder (also made in the file system), a
  // junction (reparse_point: the file system gets a folder there, standing for its target), with
  // this owner and DACL.
  void plant(const std::string& path, FolderFacts facts);
  // Replaces what is at `path` (e.g. by a junction): refused while it is held.
  Result<void> replace(const std::string& path, FolderFacts facts);
  std::size_t holds(const std::string& path) const;
  // The facts of what is at `path` (as hold() would read them); directory=false when nothing.
  FolderFacts facts_of(const std::string& path) const;

 private:
  class Held;
  FakeFileSystem& files_;
  std::string own_sid_ = "S-1-5-18";
  mutable std::mutex mutex_;
  std::map<std::u16string, FolderFacts> entries_;
  std::map<std::u16string, std::size_t> holds_;
};

// What create() gives a folder: owner Administrators; SYSTEM and Administrators full control.
FolderFacts protected_folder_facts(const std::string& path);
// A folder a user created under C:\ProgramData: owner the user, the user full control, plus what
// ProgramData hands down (SYSTEM and Administrators full control, Users read).
FolderFacts user_created_folder_facts(const std::string& path, const std::string& user_sid = "S-1-5-21-1-2-3-1001");

}  // namespace wsbkit::mock
