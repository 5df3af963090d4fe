// In-memory cross-process locks (platform/file_lock.hpp) with the same rules as the real ones:
// exclusive per handle (a second try_lock of a held path fails, in this "process" too), released
// when the FileLock is destroyed. Paths compare as Windows names. Test controls: a lock held by
// another live process (hold_elsewhere), and that process dying (release_elsewhere).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "platform/file_lock.hpp"

namespace wsbkit::mock {

class FakeFileLocks final : public FileLocks {
 public:
  FakeFileLocks();
  Result<std::unique_ptr<FileLock>> try_lock(const std::string& path) override;

  // --- test controls ---
  void hold_elsewhere(const std::string& path);
  void release_elsewhere(const std::string& path);
  bool held(const std::string& path) const;

 private:
  struct Table {
    std::mutex mutex;
    std::set<std::u16string> held;  // folded names
  };
  std::shared_ptr<Table> table_;  // shared with live locks, which may outlive this object
};

}  // namespace wsbkit::mock
