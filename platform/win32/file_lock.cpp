// Win32 backend of the cross-process lock (platform/file_lock.hpp): LockFileEx. Win32 only.
#include "platform/file_lock.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// The locked byte lies far beyond any data, so holding the lock never blocks reading the file.
constexpr DWORD lock_offset_high = 0x7FFFFFFF;

class Win32FileLock final : public FileLock {
 public:
  explicit Win32FileLock(unique_file_handle file) : file_(std::move(file)) {}
  ~Win32FileLock() override {
    OVERLAPPED at{};
    at.OffsetHigh = lock_offset_high;
    ::UnlockFileEx(file_.get(), 0, 1, 0, &at);  // closing the handle would release it as well
  }

 private:
  unique_file_handle file_;
};

class Win32FileLocks final : public FileLocks {
 public:
  Result<std::unique_ptr<FileLock>> try_lock(const std::string& path) override {
    unique_file_handle file(::CreateFileW(widen(path).c_str(), GENERIC_READ | GENERIC_WRITE,
                                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS,
                                          FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file) return last_error("CreateFileW", path);
    OVERLAPPED at{};
    at.OffsetHigh = lock_offset_high;
    if (!::LockFileEx(file.get(), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at)) {
      const DWORD code = ::GetLastError();
      if (code == ERROR_LOCK_VIOLATION || code == ERROR_IO_PENDING) return std::unique_ptr<FileLock>();
      return win32_error(code, "LockFileEx", path);
    }
    return std::unique_ptr<FileLock>(std::make_unique<Win32FileLock>(std::move(file)));
  }
};

}  // namespace

std::unique_ptr<FileLocks> make_win32_file_locks() { return std::make_unique<Win32FileLocks>(); }

}  // namespace wsbkit::win32
