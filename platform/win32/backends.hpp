// Factories of the real Win32 backends. No Windows types: main() (and the contract tests' Win32
// backend file) include this to build the backends and pass them down as the portable interfaces.
#pragma once

#include <memory>
#include <string>

#include "platform/clock.hpp"
#include "platform/console.hpp"
#include "platform/event_log.hpp"
#include "platform/file_lock.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"
#include "platform/network.hpp"
#include "platform/process.hpp"
#include "platform/process_control.hpp"
#include "platform/protected_folders.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit::win32 {

// Always the 64-bit registry view (KEY_WOW64_64KEY).
std::unique_ptr<Registry> make_win32_registry();
std::unique_ptr<FileSystem> make_win32_file_system();
std::unique_ptr<Clock> make_win32_clock();
// Reports with RegisterEventSourceW(source) / ReportEventW.
std::unique_ptr<EventLog> make_win32_event_log(const std::string& source = "wsbkit");
std::unique_ptr<ServiceControl> make_win32_service_control();
// CreateProcessW (no shell) inside a kill-on-close job object; platform/win32/process_runner.cpp.
std::unique_ptr<ProcessRunner> make_win32_process_runner();
// The standard input's console, or the one `input` (a HANDLE, not owned) is (platform/win32/console.cpp).
std::unique_ptr<Console> make_win32_console();
std::unique_ptr<Console> make_win32_console(void* input);
// GetCurrentProcessId; TerminateProcess by id (platform/win32/process_control.cpp).
std::unique_ptr<ProcessControl> make_win32_process_control();
// Owners and DACLs through GetNamedSecurityInfoW; trusts also this process's own account.
std::unique_ptr<FileSecurity> make_win32_file_security();
// LockFileEx on a byte beyond the data (platform/win32/file_lock.cpp).
std::unique_ptr<FileLocks> make_win32_file_locks();
// Winsock (WSAStartup once per process), non-blocking connect + select.
std::unique_ptr<Network> make_win32_network();
// The state folder's protection (platform/protected_folders.hpp; platform/win32/protected_folders.cpp).
std::unique_ptr<ProtectedFolders> make_win32_protected_folders();

}  // namespace wsbkit::win32
