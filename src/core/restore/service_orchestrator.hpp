// Stops and starts groups of services in parallel wherever their dependency graph allows:
// a service is stopped once every service in the group that depends on it is STOPPED, and
// started once every service in the group it depends on is RUNNING.
//
// The dependency graph is walked here, not by the SCM: requests are single ServiceControl calls
// (list_services and dependencies give the configured edges), and the closures (who depends on a
// service directly or through others, what it depends on, which of them are active) are computed
// from them, each edge asked for once per orchestrator. Nothing relies on the SCM following
// dependencies itself (Windows' does, Wine 8's does not): dependents are stopped first, stopped
// dependencies started first. Waiting is polling through the Clock, so tests run in fake time.
#pragma once

#include <map>
#include <optional>
#include <set>
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
  // not STOPPED when the timeout expires. Active dependents outside `services` are not stopped
  // (closure_to_stop includes them; Windows' SCM refuses to stop a service they depend on).
  Result<void> stop_all(const std::vector<std::string>& services, policy::Duration timeout);
  // Starts every service, after the STOPPED services they depend on (which it starts too); already
  // running counts as started. Error naming those not RUNNING at the timeout, or the SCM's refusal.
  Result<void> start_all(const std::vector<std::string>& services, policy::Duration timeout);

  // The services that depend on `service`, directly or through others, in any state, each once,
  // the deepest first (an order to stop them in). A service not installed has none; services
  // whose configuration cannot be read (access denied) are not seen (see load_dependents).
  Result<std::vector<std::string>> dependents_of(const std::string& service);
  // The services `service` depends on, directly or through others, each once, the deepest first
  // (an order to start them in). ERROR_SERVICE_DOES_NOT_EXIST for a service not installed; a
  // configured dependency that is not installed is listed, with no dependencies of its own.
  Result<std::vector<std::string>> dependencies_of(const std::string& service);

 private:
  enum class Direction { stop, start };
  using Blockers = std::map<std::string, std::set<std::string>>;  // by folded name
  Result<void> drive(const std::vector<std::string>& services, policy::Duration timeout, Direction direction);
  Result<Blockers> blockers(const std::vector<std::string>& services, Direction direction);
  Result<std::vector<std::string>> with_stopped_dependencies(const std::vector<std::string>& services);
  Result<void> add_snapshot(std::vector<ServiceSnapshot>& out, std::set<std::string>& seen, const std::string& name,
                            const std::string& target, bool only_active);
  Result<std::vector<std::string>> direct_dependencies(const std::string& service);
  Result<void> load_dependents();

  ServiceControl& scm_;
  Clock& clock_;
  std::chrono::milliseconds poll_;
  std::map<std::string, std::vector<std::string>> dependencies_;  // folded name -> direct, as configured
  std::optional<std::map<std::string, std::vector<std::string>>> dependents_;  // folded name -> direct
};

}  // namespace wsbkit
