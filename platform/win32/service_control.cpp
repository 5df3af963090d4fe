// Win32 service control backend: must contain only Win32-specific code. Every call opens the SCM
// and the service with the least access it needs and closes both (unique_sc_handle); errors name
// the API and the service and carry the system's message.
//
// Dependencies are also followed by this backend itself, from every service's configuration, so the
// interface's promises hold on any SCM. Wine 8's SCM does not keep them (measured by the contract):
// EnumDependentServicesW returns no services, QueryServiceConfigW returns no dependencies (they are
// only in the registry, DependOnService), StartServiceW does not start stopped dependencies, and
// ControlService(STOP) stops a service whose dependents still run. Windows does all three; on
// Windows the backend's own checks agree with the SCM's and cost one enumeration of the services.
// Group dependencies ("+group") are left to the SCM.
#include <algorithm>
#include <map>
#include <memory>

#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// "a\0b\0\0": the SCM's list format for dependencies.
std::wstring double_nul_list(const std::vector<std::string>& items) {
  std::wstring list;
  for (const std::string& item : items) {
    list += widen(item);
    list.push_back(L'\0');
  }
  list.push_back(L'\0');
  return list;
}

std::vector<std::string> split_double_nul_list(const wchar_t* list) {
  std::vector<std::string> items;
  for (const wchar_t* p = list; p && *p; p += std::wcslen(p) + 1) items.push_back(narrow(p));
  return items;
}

struct ServiceNode {
  std::string name;
  std::vector<std::string> dependencies;  // service names (groups left out)
  DWORD state = SERVICE_STOPPED;
};

// Configured dependencies of one open service (group entries left out).
Result<std::vector<std::string>> configured_dependencies(SC_HANDLE service, const std::string& name) {
  DWORD needed = 0;
  ::QueryServiceConfigW(service, nullptr, 0, &needed);
  if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) return last_error("QueryServiceConfigW", name);
  std::vector<std::uint8_t> buffer(needed);
  auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data());
  if (!::QueryServiceConfigW(service, config, needed, &needed)) return last_error("QueryServiceConfigW", name);
  std::vector<std::string> dependencies = split_double_nul_list(config->lpDependencies);
  if (dependencies.empty()) {
    // Wine 8 stores the list (DependOnService, where Windows keeps it too) but QueryServiceConfigW
    // returns it empty: read the service's registry key then.
    const auto registry = make_win32_registry();
    const auto stored = registry->get_value(RegistryRoot::local_machine,
                                            "SYSTEM\\CurrentControlSet\\Services\\" + name, "DependOnService");
    if (stored) {
      if (auto decoded = decode_multi_string(*stored)) dependencies = std::move(*decoded);
    }
  }
  std::erase_if(dependencies, [](const std::string& d) { return !d.empty() && d.front() == '+'; });
  return dependencies;
}

class Win32ServiceControl final : public ServiceControl {
 public:
  Result<bool> exists(const std::string& name) override {
    unique_sc_handle scm;
    if (auto opened = open_scm(SC_MANAGER_CONNECT, scm); !opened) return opened.error();
    unique_sc_handle service(::OpenServiceW(scm.get(), widen(name).c_str(), SERVICE_QUERY_STATUS));
    if (service) return true;
    if (::GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST) return false;
    return last_error("OpenServiceW", name);
  }

  Result<ServiceStatus> query_status(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_QUERY_STATUS, scm, service); !opened) return opened.error();
    SERVICE_STATUS_PROCESS raw{};
    DWORD needed = 0;
    if (!::QueryServiceStatusEx(service.get(), SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&raw), sizeof raw,
                                &needed)) {
      return last_error("QueryServiceStatusEx", name);
    }
    ServiceStatus status;
    status.state = static_cast<ServiceState>(raw.dwCurrentState);
    status.process_id = raw.dwProcessId;
    status.win32_exit_code = raw.dwWin32ExitCode;
    status.accepts_stop = (raw.dwControlsAccepted & SERVICE_ACCEPT_STOP) != 0;
    status.wait_hint_ms = raw.dwWaitHint;
    return status;
  }

  Result<ServiceStartType> query_start_type(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_QUERY_CONFIG, scm, service); !opened) return opened.error();
    DWORD needed = 0;
    ::QueryServiceConfigW(service.get(), nullptr, 0, &needed);
    if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) return last_error("QueryServiceConfigW", name);
    std::vector<std::uint8_t> buffer(needed);
    auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data());
    if (!::QueryServiceConfigW(service.get(), config, needed, &needed)) return last_error("QueryServiceConfigW", name);
    return static_cast<ServiceStartType>(config->dwStartType);
  }

  Result<void> set_start_type(const std::string& name, ServiceStartType type) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_CHANGE_CONFIG, scm, service); !opened) return opened.error();
    if (!::ChangeServiceConfigW(service.get(), SERVICE_NO_CHANGE, static_cast<DWORD>(type), SERVICE_NO_CHANGE,
                                nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)) {
      return last_error("ChangeServiceConfigW", name);
    }
    return success();
  }

  Result<std::vector<std::string>> dependents(const std::string& name, bool active_only) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_ENUMERATE_DEPENDENTS, scm, service); !opened) return opened.error();
    // The SCM's answer first (on Windows it includes group dependencies)...
    const DWORD which = active_only ? SERVICE_ACTIVE : SERVICE_STATE_ALL;
    DWORD needed = 0, count = 0;
    std::vector<std::uint8_t> buffer;
    for (;;) {  // size query, then the read; retried if dependents appeared in between
      auto* entries = reinterpret_cast<ENUM_SERVICE_STATUSW*>(buffer.empty() ? nullptr : buffer.data());
      if (::EnumDependentServicesW(service.get(), which, entries, static_cast<DWORD>(buffer.size()), &needed, &count)) {
        break;
      }
      if (::GetLastError() != ERROR_MORE_DATA) return last_error("EnumDependentServicesW", name);
      buffer.resize(needed);
    }
    std::vector<std::string> from_scm;
    const auto* entries = reinterpret_cast<const ENUM_SERVICE_STATUSW*>(buffer.data());
    for (DWORD i = 0; i < count; ++i) from_scm.push_back(narrow(entries[i].lpServiceName));
    // ...completed from the configurations, deepest dependents first.
    auto graph = service_graph();
    if (!graph) return graph.error();
    std::vector<std::string> order;
    std::vector<std::string> visited;
    auto visit = [&](auto&& self, const std::string& of) -> void {
      for (const auto& [key, node] : *graph) {
        const bool depends = std::any_of(node.dependencies.begin(), node.dependencies.end(),
                                         [&](const std::string& d) { return iequals(d, of); });
        if (!depends || std::find(visited.begin(), visited.end(), key) != visited.end()) continue;
        visited.push_back(key);
        self(self, node.name);
        if (!active_only || node.state != SERVICE_STOPPED) order.push_back(node.name);
      }
    };
    visit(visit, name);
    std::vector<std::string> result;
    for (const std::string& n : from_scm) {
      const bool known = std::any_of(order.begin(), order.end(), [&](const std::string& o) { return iequals(o, n); });
      if (!known) result.push_back(n);
    }
    result.insert(result.end(), order.begin(), order.end());
    return result;
  }

  Result<void> start(const std::string& name) override { return start_with_dependencies(name, 0); }

  Result<void> stop(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_STOP, scm, service); !opened) return opened.error();
    // Windows refuses to stop a service whose dependents run; Wine does not: check first.
    auto running_dependents = dependents(name, true);
    if (!running_dependents) return running_dependents.error();
    if (!running_dependents->empty()) {
      return win32_error(ERROR_DEPENDENT_SERVICES_RUNNING, "ControlService", name);
    }
    SERVICE_STATUS status{};
    if (!::ControlService(service.get(), SERVICE_CONTROL_STOP, &status)) return last_error("ControlService", name);
    return success();
  }

  Result<void> create_service(const ServiceDefinition& d) override {
    unique_sc_handle scm;
    if (auto opened = open_scm(SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE, scm); !opened) return opened.error();
    const std::wstring dependencies = double_nul_list(d.dependencies);
    unique_sc_handle service(::CreateServiceW(
        scm.get(), widen(d.name).c_str(), widen(d.display_name.empty() ? d.name : d.display_name).c_str(),
        SERVICE_QUERY_STATUS, SERVICE_WIN32_OWN_PROCESS, static_cast<DWORD>(d.start_type), SERVICE_ERROR_NORMAL,
        widen(d.command_line).c_str(), nullptr, nullptr, dependencies.c_str(), nullptr /* LocalSystem */, nullptr));
    if (!service) return last_error("CreateServiceW", d.name);
    return success();
  }

  Result<void> delete_service(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, DELETE, scm, service); !opened) return opened.error();
    if (!::DeleteService(service.get())) return last_error("DeleteService", name);
    return success();
  }

 private:
  // Starts the stopped dependencies first (as Windows' SCM does, and Wine's does not), then the
  // service. A dependency that cannot start is ERROR_SERVICE_DEPENDENCY_FAIL for the service.
  Result<void> start_with_dependencies(const std::string& name, int depth) {
    if (depth > 32) return win32_error(ERROR_CIRCULAR_DEPENDENCY, "StartServiceW", name);
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_START | SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS, scm, service);
        !opened) {
      return depth == 0 ? opened : Result<void>(win32_error(ERROR_SERVICE_DEPENDENCY_FAIL, "StartServiceW", name));
    }
    SERVICE_STATUS status{};
    if (depth > 0 && ::QueryServiceStatus(service.get(), &status) && status.dwCurrentState != SERVICE_STOPPED) {
      return success();  // a dependency already running (or starting) is fine
    }
    auto dependencies = configured_dependencies(service.get(), name);
    if (!dependencies) return dependencies.error();
    for (const std::string& dependency : *dependencies) {
      if (auto started = start_with_dependencies(dependency, depth + 1); !started) {
        return depth == 0 ? win32_error(ERROR_SERVICE_DEPENDENCY_FAIL, "StartServiceW", name) : started;
      }
    }
    if (!::StartServiceW(service.get(), 0, nullptr)) {
      const DWORD code = ::GetLastError();
      if (depth > 0 && code == ERROR_SERVICE_ALREADY_RUNNING) return success();
      return win32_error(depth > 0 ? ERROR_SERVICE_DEPENDENCY_FAIL : code, "StartServiceW", name);
    }
    return success();
  }

  // Every Win32 service with its configured dependencies and state, by upper-cased name.
  static Result<std::map<std::string, ServiceNode>> service_graph() {
    unique_sc_handle scm;
    if (auto opened = open_scm(SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE, scm); !opened) return opened.error();
    std::vector<std::uint8_t> buffer;
    DWORD needed = 0, count = 0, resume = 0;
    std::map<std::string, ServiceNode> graph;
    for (;;) {
      const BOOL done = ::EnumServicesStatusExW(scm.get(), SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL,
                                                buffer.empty() ? nullptr : buffer.data(),
                                                static_cast<DWORD>(buffer.size()), &needed, &count, &resume, nullptr);
      if (!done && ::GetLastError() != ERROR_MORE_DATA) return last_error("EnumServicesStatusExW");
      const auto* entries = reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW*>(buffer.data());
      for (DWORD i = 0; i < count; ++i) {
        ServiceNode node;
        node.name = narrow(entries[i].lpServiceName);
        node.state = entries[i].ServiceStatusProcess.dwCurrentState;
        unique_sc_handle service(::OpenServiceW(scm.get(), entries[i].lpServiceName, SERVICE_QUERY_CONFIG));
        if (!service) continue;  // deleted meanwhile, or not ours to read
        auto dependencies = configured_dependencies(service.get(), node.name);
        if (dependencies) node.dependencies = std::move(*dependencies);
        graph[to_upper_ascii(node.name)] = std::move(node);
      }
      if (done) break;
      if (needed > buffer.size()) buffer.resize(needed);
    }
    return graph;
  }

  static Result<void> open_scm(DWORD access, unique_sc_handle& scm) {
    scm.reset(::OpenSCManagerW(nullptr, nullptr, access));
    if (!scm) return last_error("OpenSCManagerW");
    return success();
  }

  static Result<void> open_service(const std::string& name, DWORD access, unique_sc_handle& scm,
                                   unique_sc_handle& service) {
    if (auto opened = open_scm(SC_MANAGER_CONNECT, scm); !opened) return opened;
    service.reset(::OpenServiceW(scm.get(), widen(name).c_str(), access));
    if (!service) return last_error("OpenServiceW", name);
    return success();
  }
};

}  // namespace

std::unique_ptr<ServiceControl> make_win32_service_control() { return std::make_unique<Win32ServiceControl>(); }

}  // namespace wsbkit::win32
