// Cross-process lock facility: an exclusive lock on a lock file, held until its FileLock is
// destroyed or its process ends. The OS drops a dead process's locks, so a lock that can be taken
// means nobody alive holds it: that is how wsbkit tells a crashed restore session (give back what
// it owes) from a live one (touch nothing).
//
// Exclusive per handle, as LockFileEx and flock are: a second try_lock of the same file fails even
// inside the process that holds it. Threads of one process are serialised by the caller (a mutex);
// this lock is for other processes. Windows: LockFileEx on one byte far beyond the file's data
// (the file itself stays readable); POSIX: flock. The fake (mock/fake_file_locks) can play a lock
// held by another live process.
#pragma once

#include <memory>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class FileLock {
 public:
  virtual ~FileLock() = default;  // releases the lock
};

class FileLocks {
 public:
  virtual ~FileLocks() = default;
  // Takes the lock on `path` (the file is created if missing; its folder must exist) without
  // waiting: nullptr when another handle holds it; an Error when the file cannot be opened.
  virtual Result<std::unique_ptr<FileLock>> try_lock(const std::string& path) = 0;
};

}  // namespace wsbkit
