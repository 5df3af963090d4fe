// Protected folders facility: the folders SYSTEM keeps its own state in (wsbkit's journals, lock
// files and logs under %ProgramData%\wsbkit). C:\ProgramData lets Users create folders and files
// (and own what they create), so such a folder is used only once proven safe, through the handle
// that then keeps it in place:
//  - hold() opens what is at the path WITHOUT following a reparse point (a junction or symbolic
//    link is reported as one, never entered) and keeps it open without FILE_SHARE_DELETE, so that
//    while it is held nobody can rename, delete or replace it (e.g. by a junction); the owner and
//    DACL are read through that same handle (GetSecurityInfo), never by path;
//  - create() makes a folder that only SYSTEM and Administrators may use: owner Administrators,
//    protected DACL (nothing inherited from C:\ProgramData) granting SYSTEM and Administrators full
//    control, inherited by everything created inside (so journals and logs are theirs only).
// The rule applied to what hold() reads is portable (core/restore/state_folder.hpp).
//
// Wine 8 (measured by tests/contract/protected_folders_contract_test.cpp): see the notes in
// platform/file_security.hpp: no ACL is stored, the descriptor read back is derived from the Unix
// mode; a Unix symbolic link under drive_c is reported as a reparse point.
#pragma once

#include <memory>
#include <string>

#include "platform/error.hpp"
#include "platform/file_security.hpp"

namespace wsbkit {

// What hold() found at a path, read through its handle.
struct FolderFacts {
  bool directory = false;      // false: a file is there
  bool reparse_point = false;  // a junction or symbolic link (not followed)
  ObjectSecurity security;     // owner and DACL of the object itself
};

class HeldFolder {
 public:
  virtual ~HeldFolder() = default;
  virtual const FolderFacts& facts() const = 0;
};

class ProtectedFolders {
 public:
  virtual ~ProtectedFolders() = default;
  // The machine's ProgramData folder from the OS (SHGetKnownFolderPath(FOLDERID_ProgramData)),
  // never from an environment variable.
  virtual Result<std::string> program_data() = 0;
  // Creates the folder with the protected descriptor above (its parent must exist:
  // ERROR_PATH_NOT_FOUND); true if created, false if something is already there (left untouched).
  virtual Result<bool> create(const std::string& path) = 0;
  // Opens and holds what is at `path` (ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND when nothing).
  virtual Result<std::unique_ptr<HeldFolder>> hold(const std::string& path) = 0;
  // The account this process runs as: trusted as the owner of what it creates (whoever runs as it
  // can already do what the add-in does; on Windows SYSTEM or an administrator).
  virtual Result<std::string> own_sid() = 0;
};

}  // namespace wsbkit
