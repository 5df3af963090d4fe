// Contract backends: the real Win32 implementations (under Wine in CI). Registry tests work below
// a scratch key, file system tests in a scratch folder of %TEMP%; both are removed afterwards.
#include <algorithm>
#include <utility>
#include <filesystem>

#include "platform/win32/backends.hpp"
#include "tests/contract/backends.hpp"

namespace wsbkit::contract {

RegistryBackend make_registry_backend() { return {"win32", win32::make_win32_registry()}; }
std::function<void()> hold_denying_writes(const std::string& path);  // win32/file_sharing_win32.cpp

FileSystemBackend make_file_system_backend() {
  // No directory link: under Wine 8 CreateSymbolicLinkW returns TRUE and creates nothing (backends.hpp).
  return {"win32", win32::make_win32_file_system(), std::filesystem::temp_directory_path().string(), {},
          hold_denying_writes};
}
ClockBackend make_clock_backend() { return {"win32", win32::make_win32_clock()}; }
EventLogBackend make_event_log_backend() { return {"win32", win32::make_win32_event_log("wsbkit")}; }
// The test service's path comes as the first argument; meson gives it as a host (Unix) path, which
// Wine's Z: drive maps; a path that already has a drive letter is kept.
ServiceControlBackend make_service_control_backend(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "wsbkit-test-service.exe";
  if (!path.empty() && path.front() == '/') path = "Z:" + path;
  std::replace(path.begin(), path.end(), '/', '\\');
  const std::string command_line = "\"" + path + "\"";
  auto service_control = win32::make_win32_service_control();
  ServiceControl* scm = service_control.get();
  return {"win32", std::move(service_control), command_line,
          [scm, command_line](const ServiceDefinition& definition, std::uint32_t service_code) {
            ServiceDefinition failing = definition;
            failing.command_line = command_line + " --fail-start " + std::to_string(service_code);
            return scm->create_service(failing);
          }};
}

FileLocksBackend make_file_locks_backend() {
  return {"win32", win32::make_win32_file_locks(), std::filesystem::temp_directory_path().string(), "\\"};
}

}  // namespace wsbkit::contract
