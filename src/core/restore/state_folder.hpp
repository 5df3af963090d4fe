// wsbkit's state folder: <ProgramData>\wsbkit, with "sessions" (journals, lock files) and "logs"
// (run logs, the call log). SYSTEM decides what to start from the journals and writes, renames and
// deletes there, so the folders must be SYSTEM's and the administrators' alone. Opening the state
// folder creates each missing folder protected (platform/protected_folders.hpp) and holds all
// three for the life of the StateFolder (nobody can rename or replace them meanwhile); each is
// checked through its handle and refused when it is:
//  - a reparse point (a junction or symbolic link: never followed), or a file;
//  - owned by anyone but SYSTEM, Administrators or the account running the check;
//  - granting anyone else any right (read included: journals and logs are not theirs to read),
//    or a NULL DACL. The write half is untrusted_writers_in (platform/file_security.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "platform/protected_folders.hpp"

namespace wsbkit {

// Why `facts` (read at `path`) cannot hold SYSTEM's state; empty when they can.
std::string state_folder_problem(const std::string& path, const FolderFacts& facts, const std::string& own_sid);

// How an administrator fixes a refused state folder (doctor's and the event's advice).
std::string state_folder_fix(const std::string& root);

class StateFolder {
 public:
  // Errors: a folder that fails the check (api "state folder", the reason in the message), or the
  // system call that failed.
  static Result<StateFolder> open(ProtectedFolders& folders, const std::string& root, const std::string& separator = "\\");
  // Checks without creating anything (doctor): the problems found, empty when all is well or the
  // folders do not exist yet (they are created protected on first use).
  static Result<std::vector<std::string>> inspect(ProtectedFolders& folders, const std::string& root,
                                                  const std::string& separator = "\\");

  const std::string& root() const { return root_; }
  std::string sessions() const { return root_ + separator_ + "sessions"; }
  std::string logs() const { return root_ + separator_ + "logs"; }

 private:
  std::string root_;
  std::string separator_;
  std::vector<std::unique_ptr<HeldFolder>> held_;
};

}  // namespace wsbkit
