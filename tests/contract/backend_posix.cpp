// Contract backends: the real POSIX file system (in the system's temp directory) and clock.
#include <filesystem>

#include "platform/posix/backends.hpp"
#include "tests/contract/backends.hpp"

namespace wsbkit::contract {

FileSystemBackend make_file_system_backend() {
  return {"posix", posix::make_posix_file_system(), std::filesystem::temp_directory_path().string()};
}
ClockBackend make_clock_backend() { return {"posix", posix::make_posix_clock()}; }

}  // namespace wsbkit::contract
