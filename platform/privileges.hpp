// Privilege facility: SeBackupPrivilege in this process's token. LocalSystem has it present but
// disabled; with it enabled, a file opened with FILE_FLAG_BACKUP_SEMANTICS (as the Win32 file
// system opens every file it reads: platform/file_system.hpp) is readable whatever its ACL says
// (data granted only to a service account, common for databases, reads like any other file).
//
// Privileges is the OS call; BackupPrivilege (portable) holds the privilege enabled while at least
// one scope lives: concurrent consistency checks share it, the first scope enables it, the last
// one puts back the state the first one found. A put-back failure that no caller can take (a scope
// destroyed without release()) goes to the owner's report function, never dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

#include "platform/error.hpp"

namespace wsbkit {

class Privileges {
 public:
  virtual ~Privileges() = default;
  // Enables or disables SeBackupPrivilege; whether it was enabled before. ERROR_NOT_ALL_ASSIGNED
  // (1300) when the token does not hold it (an account that is not a backup operator).
  virtual Result<bool> set_backup_privilege(bool enabled) = 0;
  virtual Result<bool> backup_privilege_enabled() = 0;
};

class BackupPrivilege {
 public:
  // Takes the put-back failures of scopes destroyed without release() (the add-in: a warning event,
  // event_id::backup_privilege_not_restored).
  using ReportFailure = std::function<void(const Error&)>;
  BackupPrivilege(Privileges& privileges, ReportFailure report) : privileges_(privileges), report_(std::move(report)) {}

  // The privilege stays enabled while this lives. release() returns the put-back's failure; the
  // destructor releases too when release() was not called, and hands a failure to the owner's
  // ReportFailure.
  class Scope {
   public:
    explicit Scope(BackupPrivilege& owner) : owner_(&owner) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope();
    Result<void> release();

   private:
    BackupPrivilege* owner_;
  };

  Result<std::unique_ptr<Scope>> enable();

 private:
  Result<void> release_one();
  Privileges& privileges_;
  ReportFailure report_;
  std::mutex mutex_;
  std::size_t holders_ = 0;
  bool was_enabled_ = false;  // as the first holder found it
  bool left_enabled_ = false;  // the last put-back failed: enabled by wsbkit, not found so
};

namespace win32_error {
inline constexpr std::uint32_t not_all_assigned = 1300;  // the token lacks the privilege
}  // namespace win32_error

}  // namespace wsbkit
