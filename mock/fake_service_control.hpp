// An in-memory SCM that behaves like Windows' (checked by the service control contract under Wine):
// names compare case-insensitively; STOPPED/START_PENDING/RUNNING/STOP_PENDING with the SCM's
// error codes (ERROR_SERVICE_DOES_NOT_EXIST, ERROR_SERVICE_ALREADY_RUNNING, ERROR_SERVICE_NOT_ACTIVE,
// ERROR_DEPENDENT_SERVICES_RUNNING, ERROR_SERVICE_DISABLED, ERROR_SERVICE_CANNOT_ACCEPT_CTRL,
// ERROR_SERVICE_MARKED_FOR_DELETE, ERROR_SERVICE_EXISTS); list_services in name order;
// dependencies() as configured. As Windows' SCM, start starts stopped dependencies first and stop
// refuses while a dependent runs; set_enforces_dependencies(false) makes it behave as Wine 8's,
// which does neither (the interface allows both).
// Test controls: install services in any state, make a service take N status queries to finish
// starting/stopping or hang in STOP_PENDING, failure injection, the call log.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "mock/fault_injection.hpp"
#include "platform/service_control.hpp"

namespace wsbkit::mock {

enum class ServiceOperation {
  exists, query_status, query_start_type, set_start_type, list_services, dependencies, start, stop, create_service,
  delete_service
};

struct ServiceCall {
  ServiceOperation operation;
  std::string name;
};

struct FakeService {
  ServiceDefinition definition;
  ServiceState state = ServiceState::stopped;
  bool accepts_stop = true;
  int pending_queries = 0;      // status queries left before a pending state settles
  bool hangs_on_stop = false;   // stays STOP_PENDING forever
  // Set: every start is accepted, then the service stops while starting with these exit codes
  // (a service that fails in its own start-up, as Windows reports it).
  std::optional<std::pair<std::uint32_t, std::uint32_t>> exits_while_starting;  // win32, service-specific
  std::uint32_t win32_exit_code = 0, service_specific_exit_code = 0;  // of its last stop
  bool marked_for_delete = false;
};

class FakeServiceControl final : public ServiceControl {
 public:
  Result<bool> exists(const std::string& name) override;
  Result<ServiceStatus> query_status(const std::string& name) override;
  Result<ServiceStartType> query_start_type(const std::string& name) override;
  Result<void> set_start_type(const std::string& name, ServiceStartType type) override;
  Result<std::vector<std::string>> list_services() override;
  Result<std::vector<std::string>> dependencies(const std::string& name) override;
  Result<void> start(const std::string& name) override;
  Result<void> stop(const std::string& name) override;
  Result<void> create_service(const ServiceDefinition& definition) override;
  Result<void> delete_service(const std::string& name) override;

  // --- test controls (not counted as calls) ---
  // Installs (or replaces) a service directly in the given state.
  void install(const ServiceDefinition& definition, ServiceState state = ServiceState::stopped);
  // Starting/stopping this service stays pending for `queries` status queries.
  void set_transition_queries(const std::string& name, int queries);
  void set_hangs_on_stop(const std::string& name, bool hangs);
  // Every later start of `name` is accepted, then the service stops while starting with
  // `win32_code` (and `service_specific_code` with 1066), as its status then says.
  void set_exits_while_starting(const std::string& name, std::uint32_t win32_code,
                                std::uint32_t service_specific_code = 0);
  void set_accepts_stop(const std::string& name, bool accepts);
  // true (the default): start and stop follow dependencies as Windows' SCM does; false: as Wine 8's.
  void set_enforces_dependencies(bool enforces);
  std::optional<FakeService> service(const std::string& name) const;

  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code = win32_error::access_denied);
  void fail_when(FaultInjector<ServiceCall>::Predicate predicate, std::uint32_t win32_code = win32_error::access_denied);
  void clear_faults();
  std::uint64_t call_count() const;
  std::vector<ServiceCall> calls() const;

 private:
  struct Entry {
    FakeService service;
    int transition_queries = 0;
  };
  Entry* find(const std::string& name);
  const Entry* find(const std::string& name) const;
  std::optional<Error> check_call(ServiceOperation operation, const std::string& name, const char* api);
  Result<void> start_locked(const std::string& name, int depth);
  void settle_if_deleted(const std::string& key);
  std::vector<std::string> direct_dependents(const std::string& name) const;

  mutable std::mutex mutex_;
  std::map<std::u16string, Entry> services_;  // by folded name
  bool enforces_dependencies_ = true;
  FaultInjector<ServiceCall> faults_;
};

}  // namespace wsbkit::mock
