#include "platform/privileges.hpp"

namespace wsbkit {

Result<std::unique_ptr<BackupPrivilege::Scope>> BackupPrivilege::enable() {
  std::lock_guard lock(mutex_);
  if (holders_ == 0) {
    auto before = privileges_.set_backup_privilege(true);
    if (!before) return before.error();
    was_enabled_ = *before && !left_enabled_;  // enabled by a put-back of ours that failed: still ours
    left_enabled_ = false;
  }
  ++holders_;
  return std::make_unique<Scope>(*this);
}

Result<void> BackupPrivilege::release_one() {
  std::lock_guard lock(mutex_);
  if (--holders_ > 0 || was_enabled_) return success();
  auto before = privileges_.set_backup_privilege(false);
  if (!before) {
    left_enabled_ = true;
    return before.error();
  }
  return success();
}

BackupPrivilege::Scope::~Scope() {
  BackupPrivilege* owner = owner_;
  if (!owner) return;
  if (auto released = release(); !released && owner->report_) owner->report_(released.error());
}

Result<void> BackupPrivilege::Scope::release() {
  BackupPrivilege* owner = owner_;
  owner_ = nullptr;
  if (!owner) return success();
  return owner->release_one();
}

}  // namespace wsbkit
