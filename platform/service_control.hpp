// Service control facility (the Windows SCM), shaped for "stop a service and its running
// dependents, wait for STOPPED with a timeout, restore the start type afterwards". Backends issue
// single SCM requests and nothing more: no waiting, no following of dependencies. Waiting,
// ordering and the dependency graph (who depends on whom, transitively; which of them run) are
// portable logic built on these primitives and a Clock (core/restore/service_orchestrator.hpp).
// Errors are the SCM's Win32 codes (ERROR_SERVICE_DOES_NOT_EXIST, ERROR_SERVICE_NOT_ACTIVE,
// ERROR_SERVICE_ALREADY_RUNNING, ERROR_DEPENDENT_SERVICES_RUNNING, ...).
//
// Where SCMs differ, the contract says so (measured under Wine 8 by the contract suite; Windows as
// documented): Windows' StartService starts a service's stopped dependencies and its
// ControlService(STOP) refuses while a dependent runs; Wine 8's does neither. Callers must not rely
// on either: they start dependencies first and stop dependents first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

// Values of SERVICE_STOPPED ... SERVICE_PAUSED.
enum class ServiceState : std::uint32_t {
  stopped = 1,
  start_pending = 2,
  stop_pending = 3,
  running = 4,
  continue_pending = 5,
  pause_pending = 6,
  paused = 7,
};

// Values of SERVICE_BOOT_START ... SERVICE_DISABLED.
enum class ServiceStartType : std::uint32_t { boot = 0, system = 1, automatic = 2, manual = 3, disabled = 4 };

std::string to_string(ServiceState state);
std::string to_string(ServiceStartType type);

struct ServiceStatus {
  ServiceState state = ServiceState::stopped;
  std::uint32_t process_id = 0;
  std::uint32_t win32_exit_code = 0;
  // With win32_exit_code 1066 (win32_error::service_specific_error): the service's own error code.
  std::uint32_t service_specific_exit_code = 0;
  bool accepts_stop = false;
  std::uint32_t wait_hint_ms = 0;  // the service's own estimate for a pending state
  bool operator==(const ServiceStatus&) const = default;
};

struct ServiceDefinition {
  std::string name;
  std::string display_name;
  std::string command_line;  // the binary path with its arguments, quoted as the SCM expects
  ServiceStartType start_type = ServiceStartType::manual;
  std::vector<std::string> dependencies;  // services that must run before this one
  bool operator==(const ServiceDefinition&) const = default;
};

class ServiceControl {
 public:
  virtual ~ServiceControl() = default;

  // false (not an error) when no such service is installed.
  virtual Result<bool> exists(const std::string& name) = 0;
  virtual Result<ServiceStatus> query_status(const std::string& name) = 0;
  virtual Result<ServiceStartType> query_start_type(const std::string& name) = 0;
  virtual Result<void> set_start_type(const std::string& name, ServiceStartType type) = 0;
  // The names of every installed service (Win32 services, any state), in the SCM's order.
  virtual Result<std::vector<std::string>> list_services() = 0;
  // The services `name` depends on directly, as configured (load-order groups, "+name", left
  // out), in configuration order. Nothing about their dependencies or their state.
  virtual Result<std::vector<std::string>> dependencies(const std::string& name) = 0;
  // Requests a start and returns (the service is START_PENDING or RUNNING).
  // ERROR_SERVICE_ALREADY_RUNNING, ERROR_SERVICE_DISABLED (1058). Windows also starts stopped
  // dependencies (ERROR_SERVICE_DEPENDENCY_FAIL when one cannot start); Wine 8 does not.
  virtual Result<void> start(const std::string& name) = 0;
  // Sends SERVICE_CONTROL_STOP and returns without waiting; ERROR_SERVICE_NOT_ACTIVE if stopped.
  // Windows refuses with ERROR_DEPENDENT_SERVICES_RUNNING while an active service depends on it;
  // Wine 8 stops it anyway.
  virtual Result<void> stop(const std::string& name) = 0;
  virtual Result<void> create_service(const ServiceDefinition& definition) = 0;
  // Marks the service for deletion; it disappears once stopped and all handles are closed.
  virtual Result<void> delete_service(const std::string& name) = 0;
};

namespace win32_error {
inline constexpr std::uint32_t service_disabled = 1058;
inline constexpr std::uint32_t service_dependency_fail = 1068;
inline constexpr std::uint32_t service_cannot_accept_ctrl = 1061;
}  // namespace win32_error

}  // namespace wsbkit
