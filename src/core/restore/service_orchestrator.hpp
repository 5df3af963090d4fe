// Stops and starts groups of services in parallel wherever their dependency graph allows:
// a service is stopped once every service in the group that depends on it is STOPPED, and
// started once every service in the group it depends on is RUNNING. Requests are single SCM
// calls (ServiceControl); waiting is polling through the Clock, so tests run in fake time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/policy/policy_document.hpp"
#include "platform/clock.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

struct ServiceSnapshot {
  std::string name;
  ServiceState state = ServiceState::stopped;
  ServiceStartType start_type = ServiceStartType::manual;
  std::string pulled_by;  // the target this service is stopped for (itself, or a service it depends on)
};

class ServiceOrchestrator {
 public:
  ServiceOrchestrator(ServiceControl& scm, Clock& clock, std::chrono::milliseconds poll = std::chrono::milliseconds(50))
      : scm_(scm), clock_(clock), poll_(poll) {}

  // The targets and their active dependents (each once), dependents first, with their state now.
  Result<std::vector<ServiceSnapshot>> closure_to_stop(const std::vector<std::string>& targets);
  // Stops every service (ERROR_SERVICE_NOT_ACTIVE counts as stopped); error naming the services
  // not STOPPED when the timeout expires.
  Result<void> stop_all(const std::vector<std::string>& services, policy::Duration timeout);
  // Starts every service (already running counts as started); error naming those not RUNNING at
  // the timeout, or the SCM's refusal.
  Result<void> start_all(const std::vector<std::string>& services, policy::Duration timeout);

 private:
  enum class Direction { stop, start };
  Result<void> drive(const std::vector<std::string>& services, policy::Duration timeout, Direction direction);
  Result<std::vector<std::string>> dependents_of(const std::string& service);

  ServiceControl& scm_;
  Clock& clock_;
  std::chrono::milliseconds poll_;
  std::map<std::string, std::vector<std::string>> dependents_cache_;
};

}  // namespace wsbkit
