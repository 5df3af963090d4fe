// Service control facility (the Windows SCM), shaped for "stop a service and its running
// dependents, wait for STOPPED with a timeout, restore the start type afterwards". Waiting and
// ordering are portable logic built on these primitives and a Clock; the backends only issue
// single SCM requests. Errors are the SCM's Win32 codes (ERROR_SERVICE_DOES_NOT_EXIST,
// ERROR_SERVICE_NOT_ACTIVE, ERROR_SERVICE_ALREADY_RUNNING, ERROR_DEPENDENT_SERVICES_RUNNING, ...).
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
};

class ServiceControl {
 public:
  virtual ~ServiceControl() = default;

  // false (not an error) when no such service is installed.
  virtual Result<bool> exists(const std::string& name) = 0;
  virtual Result<ServiceStatus> query_status(const std::string& name) = 0;
  virtual Result<ServiceStartType> query_start_type(const std::string& name) = 0;
  virtual Result<void> set_start_type(const std::string& name, ServiceStartType type) = 0;
  // Services that depend on `name`, directly or indirectly, in the order they must be stopped
  // (as EnumDependentServicesW returns them); only the active ones (not STOPPED) if active_only.
  virtual Result<std::vector<std::string>> dependents(const std::string& name, bool active_only) = 0;
  // Requests a start and returns (the service is START_PENDING or RUNNING); its dependencies are
  // started by the SCM. ERROR_SERVICE_ALREADY_RUNNING, ERROR_SERVICE_DISABLED (1058).
  virtual Result<void> start(const std::string& name) = 0;
  // Sends SERVICE_CONTROL_STOP and returns without waiting; ERROR_SERVICE_NOT_ACTIVE if stopped,
  // ERROR_DEPENDENT_SERVICES_RUNNING while an active service depends on it.
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
