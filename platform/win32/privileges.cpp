// Win32 privilege facility: must contain only Win32-specific code.
#include "platform/win32/privileges_backend.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

class Win32Privileges final : public Privileges {
 public:
  Result<bool> set_backup_privilege(bool enabled) override {
    auto token = process_token(TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY);
    if (!token) return token.error();
    auto luid = backup_luid();
    if (!luid) return luid.error();
    TOKEN_PRIVILEGES wanted{};
    wanted.PrivilegeCount = 1;
    wanted.Privileges[0].Luid = *luid;
    wanted.Privileges[0].Attributes = enabled ? SE_PRIVILEGE_ENABLED : 0;
    TOKEN_PRIVILEGES before{};
    DWORD before_size = sizeof before;
    if (!::AdjustTokenPrivileges(token->get(), FALSE, &wanted, sizeof before, &before, &before_size)) {
      return last_error("AdjustTokenPrivileges", "SeBackupPrivilege");
    }
    // Success with ERROR_NOT_ALL_ASSIGNED: the token does not hold the privilege.
    if (::GetLastError() == ERROR_NOT_ALL_ASSIGNED) return last_error("AdjustTokenPrivileges", "SeBackupPrivilege");
    // An unchanged privilege is not listed in the previous state: it was already as asked.
    if (before.PrivilegeCount == 0) return enabled;
    return (before.Privileges[0].Attributes & SE_PRIVILEGE_ENABLED) != 0;
  }

  Result<bool> backup_privilege_enabled() override {
    auto token = process_token(TOKEN_QUERY);
    if (!token) return token.error();
    auto luid = backup_luid();
    if (!luid) return luid.error();
    PRIVILEGE_SET asked{};
    asked.PrivilegeCount = 1;
    asked.Control = PRIVILEGE_SET_ALL_NECESSARY;
    asked.Privilege[0].Luid = *luid;
    BOOL held = FALSE;
    if (!::PrivilegeCheck(token->get(), &asked, &held)) return last_error("PrivilegeCheck", "SeBackupPrivilege");
    return held != FALSE;
  }

 private:
  static Result<unique_handle> process_token(DWORD access) {
    HANDLE raw = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), access, &raw)) return last_error("OpenProcessToken");
    return unique_handle(raw);
  }
  static Result<LUID> backup_luid() {
    LUID luid{};
    if (!::LookupPrivilegeValueW(nullptr, SE_BACKUP_NAME, &luid)) return last_error("LookupPrivilegeValueW", "SeBackupPrivilege");
    return luid;
  }
};

}  // namespace

std::unique_ptr<Privileges> make_win32_privileges() { return std::make_unique<Win32Privileges>(); }

}  // namespace wsbkit::win32
