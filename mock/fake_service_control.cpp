#include "mock/fake_service_control.hpp"

#include <algorithm>
#include <tuple>

#include "mock/fake_error.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {
namespace {

constexpr std::uint32_t error_invalid_service_control = 1052;

bool is_active(ServiceState s) { return s != ServiceState::stopped; }

}  // namespace

FakeServiceControl::Entry* FakeServiceControl::find(const std::string& name) {
  const auto it = services_.find(fold_name(name));
  return it == services_.end() ? nullptr : &it->second;
}

const FakeServiceControl::Entry* FakeServiceControl::find(const std::string& name) const {
  const auto it = services_.find(fold_name(name));
  return it == services_.end() ? nullptr : &it->second;
}

std::optional<Error> FakeServiceControl::check_call(ServiceOperation operation, const std::string& name,
                                                    const char* api) {
  if (const auto code = faults_.on_call({operation, name})) {
    const Error e = fake_error(*code, api, name);
    return Error::win32(e.win32_code(), e.api(), e.object(), e.system_message() + " (injected)");
  }
  return std::nullopt;
}

// A service marked for deletion disappears once it is stopped.
void FakeServiceControl::settle_if_deleted(const std::string& name) {
  Entry* entry = find(name);
  if (entry && entry->service.marked_for_delete && entry->service.state == ServiceState::stopped) {
    services_.erase(fold_name(name));
  }
}

std::vector<std::string> FakeServiceControl::direct_dependents(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : services_) {
    const auto& deps = entry.service.definition.dependencies;
    if (std::any_of(deps.begin(), deps.end(), [&](const std::string& d) { return names_equal(d, name); })) {
      out.push_back(entry.service.definition.name);
    }
  }
  return out;
}

Result<bool> FakeServiceControl::exists(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::exists, name, "OpenServiceW")) return *e;
  return find(name) != nullptr;
}

Result<ServiceStatus> FakeServiceControl::query_status(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::query_status, name, "QueryServiceStatusEx")) return *e;
  Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  FakeService& s = entry->service;
  // A pending state settles after its number of status queries (a hung stop never does).
  if (s.state == ServiceState::start_pending || (s.state == ServiceState::stop_pending && !s.hangs_on_stop)) {
    if (s.pending_queries > 0) {
      --s.pending_queries;
    } else if (s.state == ServiceState::start_pending && s.exits_while_starting) {
      s.state = ServiceState::stopped;
      std::tie(s.win32_exit_code, s.service_specific_exit_code) = *s.exits_while_starting;
    } else {
      s.state = s.state == ServiceState::start_pending ? ServiceState::running : ServiceState::stopped;
    }
  }
  ServiceStatus status;
  status.state = s.state;
  status.win32_exit_code = s.win32_exit_code;
  status.service_specific_exit_code = s.service_specific_exit_code;
  status.accepts_stop = s.accepts_stop && s.state == ServiceState::running;
  status.process_id = is_active(s.state) ? 4000 + static_cast<std::uint32_t>(services_.size()) : 0;
  status.wait_hint_ms = (s.state == ServiceState::start_pending || s.state == ServiceState::stop_pending) ? 1000 : 0;
  const std::string key = s.definition.name;
  settle_if_deleted(key);
  return status;
}

Result<ServiceStartType> FakeServiceControl::query_start_type(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::query_start_type, name, "QueryServiceConfigW")) return *e;
  const Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  return entry->service.definition.start_type;
}

Result<void> FakeServiceControl::set_start_type(const std::string& name, ServiceStartType type) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::set_start_type, name, "ChangeServiceConfigW")) return *e;
  Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  if (entry->service.marked_for_delete) {
    return fake_error(win32_error::service_marked_for_delete, "ChangeServiceConfigW", name);
  }
  entry->service.definition.start_type = type;
  return success();
}

Result<std::vector<std::string>> FakeServiceControl::list_services() {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::list_services, "", "EnumServicesStatusExW")) return *e;
  std::vector<std::string> names;
  for (const auto& [key, entry] : services_) names.push_back(entry.service.definition.name);
  return names;
}

Result<std::vector<std::string>> FakeServiceControl::dependencies(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::dependencies, name, "QueryServiceConfigW")) return *e;
  const Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  return entry->service.definition.dependencies;
}

Result<void> FakeServiceControl::start_locked(const std::string& name, int depth) {
  Entry* entry = find(name);
  if (!entry) {
    return fake_error(depth == 0 ? win32_error::service_does_not_exist : win32_error::service_dependency_fail,
                      depth == 0 ? "OpenServiceW" : "StartServiceW", name);
  }
  FakeService& s = entry->service;
  if (s.marked_for_delete) return fake_error(win32_error::service_marked_for_delete, "StartServiceW", name);
  if (is_active(s.state)) {
    if (depth > 0) return success();  // a dependency already running is fine
    return fake_error(win32_error::service_already_running, "StartServiceW", name);
  }
  if (s.definition.start_type == ServiceStartType::disabled) {
    return fake_error(depth == 0 ? win32_error::service_disabled : win32_error::service_dependency_fail,
                      "StartServiceW", name);
  }
  for (const std::string& dependency : s.definition.dependencies) {
    if (!enforces_dependencies_) break;  // Wine 8: the service starts alone
    if (auto started = start_locked(dependency, depth + 1); !started) {
      return depth == 0 ? fake_error(win32_error::service_dependency_fail, "StartServiceW", name) : started;
    }
  }
  entry = find(name);  // (the map is not modified by starting dependencies, but stay safe)
  FakeService& started = entry->service;
  started.pending_queries = entry->transition_queries;
  started.win32_exit_code = started.service_specific_exit_code = 0;
  // A service that fails in its start-up is START_PENDING until the next status query, which sees
  // it STOPPED with its exit codes (a start or stop meanwhile sees it pending, as on Windows).
  started.state = entry->transition_queries > 0 || started.exits_while_starting ? ServiceState::start_pending
                                                                                : ServiceState::running;
  return success();
}

Result<void> FakeServiceControl::start(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::start, name, "StartServiceW")) return *e;
  return start_locked(name, 0);
}

Result<void> FakeServiceControl::stop(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::stop, name, "ControlService")) return *e;
  Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  FakeService& s = entry->service;
  if (s.state == ServiceState::stopped) return fake_error(win32_error::service_not_active, "ControlService", name);
  for (const std::string& dependent : direct_dependents(name)) {
    if (!enforces_dependencies_) break;  // Wine 8: stops it anyway
    if (is_active(find(dependent)->service.state)) {
      return fake_error(win32_error::dependent_services_running, "ControlService", name);
    }
  }
  if (s.state != ServiceState::running) {
    return fake_error(win32_error::service_cannot_accept_ctrl, "ControlService", name);
  }
  if (!s.accepts_stop) return fake_error(error_invalid_service_control, "ControlService", name);
  s.pending_queries = entry->transition_queries;
  s.state = (entry->transition_queries > 0 || s.hangs_on_stop) ? ServiceState::stop_pending : ServiceState::stopped;
  settle_if_deleted(name);
  return success();
}

Result<void> FakeServiceControl::create_service(const ServiceDefinition& definition) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::create_service, definition.name, "CreateServiceW")) return *e;
  if (const Entry* existing = find(definition.name)) {
    return fake_error(existing->service.marked_for_delete ? win32_error::service_marked_for_delete
                                                          : win32_error::service_exists,
                      "CreateServiceW", definition.name);
  }
  if (definition.name.empty() || definition.name.find_first_of("/\\") != std::string::npos) {
    return fake_error(123, "CreateServiceW", definition.name);  // ERROR_INVALID_NAME
  }
  services_[fold_name(definition.name)].service.definition = definition;
  return success();
}

Result<void> FakeServiceControl::delete_service(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(ServiceOperation::delete_service, name, "DeleteService")) return *e;
  Entry* entry = find(name);
  if (!entry) return fake_error(win32_error::service_does_not_exist, "OpenServiceW", name);
  if (entry->service.marked_for_delete) return fake_error(win32_error::service_marked_for_delete, "DeleteService", name);
  entry->service.marked_for_delete = true;
  settle_if_deleted(name);
  return success();
}

void FakeServiceControl::install(const ServiceDefinition& definition, ServiceState state) {
  std::lock_guard lock(mutex_);
  Entry& entry = services_[fold_name(definition.name)];
  entry.service = FakeService{};
  entry.service.definition = definition;
  entry.service.state = state;
}

void FakeServiceControl::set_transition_queries(const std::string& name, int queries) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(name)) e->transition_queries = queries;
}

void FakeServiceControl::set_hangs_on_stop(const std::string& name, bool hangs) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(name)) e->service.hangs_on_stop = hangs;
}

void FakeServiceControl::set_exits_while_starting(const std::string& name, std::uint32_t win32_code,
                                                  std::uint32_t service_specific_code) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(name)) e->service.exits_while_starting = std::pair{win32_code, service_specific_code};
}

void FakeServiceControl::set_accepts_stop(const std::string& name, bool accepts) {
  std::lock_guard lock(mutex_);
  if (Entry* e = find(name)) e->service.accepts_stop = accepts;
}

void FakeServiceControl::set_enforces_dependencies(bool enforces) {
  std::lock_guard lock(mutex_);
  enforces_dependencies_ = enforces;
}

std::optional<FakeService> FakeServiceControl::service(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const Entry* e = find(name);
  return e ? std::optional<FakeService>(e->service) : std::nullopt;
}

void FakeServiceControl::fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_at_call(call_number, win32_code);
}

void FakeServiceControl::fail_when(FaultInjector<ServiceCall>::Predicate predicate, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_when(std::move(predicate), win32_code);
}

void FakeServiceControl::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear_faults();
}

std::uint64_t FakeServiceControl::call_count() const {
  std::lock_guard lock(mutex_);
  return faults_.call_count();
}

std::vector<ServiceCall> FakeServiceControl::calls() const {
  std::lock_guard lock(mutex_);
  return faults_.calls();
}

}  // namespace wsbkit::mock
