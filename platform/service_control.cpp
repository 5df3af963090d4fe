// Portable part of the service control facility: names of states and start types for messages.
#include "platform/service_control.hpp"

namespace wsbkit {

std::string to_string(ServiceState state) {
  switch (state) {
    case ServiceState::stopped: return "STOPPED";
    case ServiceState::start_pending: return "START_PENDING";
    case ServiceState::stop_pending: return "STOP_PENDING";
    case ServiceState::running: return "RUNNING";
    case ServiceState::continue_pending: return "CONTINUE_PENDING";
    case ServiceState::pause_pending: return "PAUSE_PENDING";
    case ServiceState::paused: return "PAUSED";
  }
  return "state " + std::to_string(static_cast<std::uint32_t>(state));
}

std::string to_string(ServiceStartType type) {
  switch (type) {
    case ServiceStartType::boot: return "BOOT_START";
    case ServiceStartType::system: return "SYSTEM_START";
    case ServiceStartType::automatic: return "AUTO_START";
    case ServiceStartType::manual: return "DEMAND_START";
    case ServiceStartType::disabled: return "DISABLED";
  }
  return "start type " + std::to_string(static_cast<std::uint32_t>(type));
}

}  // namespace wsbkit
