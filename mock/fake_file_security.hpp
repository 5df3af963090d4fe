// File security as the tests set it: an owner and a DACL per path (case-insensitive, either
// separator), links (reparse points) with their own owner and DACL, and held files. open_checked
// applies the same portable rule as the Win32 backend (platform/file_security.hpp) to the file
// (its path with links resolved), the folders of that final path and the folders of the path as
// written (a link there is examined as a reparse point). A path never set does not exist
// (ERROR_FILE_NOT_FOUND) when it is the file checked; a folder above it that was never set has
// the default folder security (owner Administrators; SYSTEM and Administrators full control,
// Users read/execute), like a folder under C:\Program Files.
//
// Held files behave like Windows' FILE_SHARE_READ: while a HeldFile lives, rename() of it (or onto
// it) fails (nobody can swap the file between the check and the use); set() on it changes its
// security, never its identity.
// A held file's identity() names the object ("fake:<final path>#<generation>"; the generation
// changes whenever an object is set or renamed there), and identity_of(path) resolves a path now:
// FakeProcessRunner compares the two as the Win32 runner compares the started image.
// A held file's bytes are read from the FileSystem given to read_contents_from (the test's fake).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_security.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::mock {

class FakeFileSecurity final : public FileSecurity {
 public:
  FakeFileSecurity();

  // --- test controls ---
  void set(const std::string& path, std::string owner_sid, std::optional<std::vector<FileAce>> dacl);
  // A link (junction) at `path` to `target`, owned and protected as given.
  void set_reparse_point(const std::string& path, std::string owner_sid, std::optional<std::vector<FileAce>> dacl,
                         std::string target);
  void remove(const std::string& path);
  // Moves the object at `from` to `to` (what a user with the right to do so could do); false when
  // either is held or `from` does not exist.
  bool rename(const std::string& from, const std::string& to);
  // The identity of what `path` names now (links resolved); "" when nothing is there.
  std::string identity_of(const std::string& path) const;
  // How many HeldFiles are alive for this final path.
  int holds(const std::string& path) const;
  void read_contents_from(FileSystem* files);
  // The account the checks run as (trusted); SYSTEM unless set.
  void set_own_sid(std::string sid);
  std::string own_sid() const;
  void set_default_folder_security(std::string owner_sid, std::optional<std::vector<FileAce>> dacl);

 protected:
  Result<std::unique_ptr<HeldFile>> open_held(const std::string& path, FileRole role) override;

 private:
  struct Entry {
    std::string path;  // as first set
    std::string owner_sid;
    std::optional<std::vector<FileAce>> dacl;
    std::optional<std::string> target;  // a reparse point: where it leads
    std::uint64_t generation = 0;
    int holds = 0;
  };
  class Held;
  std::string resolve(const std::string& path) const;  // under mutex_
  ObjectSecurity security_at(const std::string& folder) const;
  void release(const std::string& final_path);
  FileSystem* contents() const;
  mutable std::mutex mutex_;
  std::map<std::u16string, Entry> entries_;
  Entry default_folder_;
  std::string own_sid_;
  std::uint64_t next_generation_ = 1;
  FileSystem* files_ = nullptr;
};

// DACLs for tests: SYSTEM and Administrators full control, Users read/execute (a file under
// C:\Program Files); and SYSTEM full control, Users modify (a file anyone may replace).
std::vector<FileAce> admin_only_dacl();
std::vector<FileAce> users_may_write_dacl();

// Names the backends give the well-known SIDs ("BUILTIN\Users"); empty for others.
std::string well_known_account_name(const std::string& sid);

}  // namespace wsbkit::mock
