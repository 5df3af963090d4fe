// SeBackupPrivilege as a LocalSystem token holds it: present, disabled until enabled. Records every
// change (the history) so tests see that a check enabled it and put it back; set_present(false)
// plays an account without it (ERROR_NOT_ALL_ASSIGNED).
#pragma once

#include <mutex>
#include <vector>

#include "platform/privileges.hpp"

namespace wsbkit::mock {

class FakePrivileges final : public Privileges {
 public:
  Result<bool> set_backup_privilege(bool enabled) override;
  Result<bool> backup_privilege_enabled() override;

  // --- test controls ---
  bool enabled() const;
  std::vector<bool> history() const;  // every state set, in order
  void set_present(bool present);

 private:
  mutable std::mutex mutex_;
  bool present_ = true, enabled_ = false;
  std::vector<bool> history_;
};

}  // namespace wsbkit::mock
