// Contract backends: the real Win32 implementations (under Wine in CI). Registry tests work below
// a scratch key, file system tests in a scratch folder of %TEMP%; both are removed afterwards.
#include <filesystem>

#include "platform/win32/backends.hpp"
#include "tests/contract/backends.hpp"

namespace wsbkit::contract {

RegistryBackend make_registry_backend() { return {"win32", win32::make_win32_registry()}; }
FileSystemBackend make_file_system_backend() {
  return {"win32", win32::make_win32_file_system(), std::filesystem::temp_directory_path().string()};
}
ClockBackend make_clock_backend() { return {"win32", win32::make_win32_clock()}; }
EventLogBackend make_event_log_backend() { return {"win32", win32::make_win32_event_log("wsbkit")}; }

}  // namespace wsbkit::contract
