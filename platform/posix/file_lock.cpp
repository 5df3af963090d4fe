// POSIX backend of the cross-process lock (platform/file_lock.hpp): flock, which like LockFileEx
// belongs to the open file (a second open of the same file in the same process cannot take it).
#include "platform/file_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "platform/posix/backends.hpp"

namespace wsbkit::posix {
namespace {

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing the descriptor releases the lock
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  int fd_;
};

Error posix_error(int code, std::string api, std::string object) {
  const std::uint32_t win32 = code == ENOENT ? win32_error::path_not_found
                              : code == EACCES || code == EPERM ? win32_error::access_denied
                                                                : win32_error::invalid_parameter;
  return Error::win32(win32, std::move(api), std::move(object), std::strerror(code));
}

class PosixFileLocks final : public FileLocks {
 public:
  Result<std::unique_ptr<FileLock>> try_lock(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return posix_error(errno, "open", path);
    auto lock = std::make_unique<PosixFileLock>(fd);  // closes fd on every path below
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return std::unique_ptr<FileLock>();
      return posix_error(errno, "flock", path);
    }
    return std::unique_ptr<FileLock>(std::move(lock));
  }
};

}  // namespace

std::unique_ptr<FileLocks> make_posix_file_locks() { return std::make_unique<PosixFileLocks>(); }

}  // namespace wsbkit::posix
