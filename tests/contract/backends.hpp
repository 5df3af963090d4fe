// The implementations under test. Each contract executable links its test source with exactly one
// backend_*.cpp (meson picks it; the tests have no #ifdef): backend_fake.cpp (mock/, every host),
// backend_posix.cpp (Linux: file system, clock), backend_win32.cpp (Windows, run under Wine).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/clock.hpp"
#include "platform/event_log.hpp"
#include "platform/file_lock.hpp"
#include "platform/file_system.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit::contract {

struct RegistryBackend {
  std::string name;
  std::unique_ptr<Registry> registry;
};

struct FileSystemBackend {
  std::string name;
  std::unique_ptr<FileSystem> file_system;
  std::string temp_directory;  // where the tests create (and remove) their scratch folder
  // Makes a directory link (junction / symbolic link) at `link` to `target`; empty where the test
  // cannot make one: under Wine 8, CreateSymbolicLinkW returns TRUE and creates nothing (measured),
  // and only a Unix symlink, which a Windows process cannot make, shows as a reparse point.
  std::function<bool(const std::string& link, const std::string& target)> make_directory_link;
  // Opens the file as another program's reader that shares no write access (Windows sharing modes)
  // and returns what closes it; empty where files have no sharing modes (POSIX, the fake).
  std::function<std::function<void()>(const std::string& path)> hold_denying_writes;
};

struct ClockBackend {
  std::string name;
  std::unique_ptr<Clock> clock;
};

struct EventLogBackend {
  std::string name;
  std::unique_ptr<EventLog> event_log;
};

struct ServiceControlBackend {
  std::string name;
  std::unique_ptr<ServiceControl> service_control;
  // The command line of a well-behaved test service: starts and stops within a second.
  std::string test_service_command_line;
  // Creates a service (manual start) whose every start is accepted and then ends STOPPED with
  // ERROR_SERVICE_SPECIFIC_ERROR and `service_code`: the Win32 test service with --fail-start,
  // the fake told to (FakeServiceControl::set_exits_while_starting).
  std::function<Result<void>(const ServiceDefinition& definition, std::uint32_t service_code)> create_failing_service;
};

struct FileLocksBackend {
  std::string name;
  std::unique_ptr<FileLocks> locks;
  std::string directory;  // an existing folder for the lock files
  std::string separator;
};

// Each backend file defines the factories for the facilities it implements.
RegistryBackend make_registry_backend();
FileSystemBackend make_file_system_backend();
ClockBackend make_clock_backend();
EventLogBackend make_event_log_backend();
// argv: the test executable's own arguments after "--" (the Win32 backend takes the test service's
// path from there).
ServiceControlBackend make_service_control_backend(int argc, char** argv);
FileLocksBackend make_file_locks_backend();

}  // namespace wsbkit::contract
