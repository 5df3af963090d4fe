// Contract backends: the real POSIX file system (in the system's temp directory) and clock.
#include <filesystem>

#include "platform/posix/backends.hpp"
#include "tests/contract/backends.hpp"

namespace wsbkit::contract {

FileSystemBackend make_file_system_backend() {
  return {"posix", posix::make_posix_file_system(), std::filesystem::temp_directory_path().string(),
          [](const std::string& link, const std::string& target) {
            std::error_code ec;
            std::filesystem::create_directory_symlink(target, link, ec);
            return !ec;
          },
          {}};  // no sharing modes on POSIX
}
ClockBackend make_clock_backend() { return {"posix", posix::make_posix_clock()}; }
FileLocksBackend make_file_locks_backend() {
  return {"posix", posix::make_posix_file_locks(), std::filesystem::temp_directory_path().string(), "/"};
}

}  // namespace wsbkit::contract
