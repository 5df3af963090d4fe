#include "mock/fake_privileges.hpp"

namespace wsbkit::mock {

Result<bool> FakePrivileges::set_backup_privilege(bool enabled) {
  std::lock_guard lock(mutex_);
  if (!present_) return Error::win32(win32_error::not_all_assigned, "AdjustTokenPrivileges", "SeBackupPrivilege", "not held");
  const bool before = enabled_;
  enabled_ = enabled;
  history_.push_back(enabled);
  return before;
}

Result<bool> FakePrivileges::backup_privilege_enabled() {
  std::lock_guard lock(mutex_);
  return present_ && enabled_;
}

bool FakePrivileges::enabled() const {
  std::lock_guard lock(mutex_);
  return enabled_;
}

std::vector<bool> FakePrivileges::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

void FakePrivileges::set_present(bool present) {
  std::lock_guard lock(mutex_);
  present_ = present;
}

}  // namespace wsbkit::mock
