// Win32 service control backend: must contain only Win32-specific code. Every call opens the SCM
// and the service with the least access it needs and closes both (unique_sc_handle); errors name
// the API and the service and carry the system's message.
//
// Single requests only, as the interface promises: no waiting, no following of dependencies, no
// checks the SCM itself does not make (Wine 8's SCM starts no dependencies and lets a service stop
// while its dependents run; ServiceOrchestrator orders requests so that neither matters). The one
// Wine-specific step: Wine 8 keeps a service's dependencies only in the registry (DependOnService,
// where Windows keeps them too), so dependencies() reads them there when QueryServiceConfigW
// returns none (measured by the contract suite).
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

// QUERY_SERVICE_CONFIGW of one open service, in the buffer it needs (size query, then the read).
Result<std::vector<std::uint8_t>> query_config(SC_HANDLE service, const std::string& name) {
  DWORD needed = 0;
  ::QueryServiceConfigW(service, nullptr, 0, &needed);
  if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) return last_error("QueryServiceConfigW", name);
  std::vector<std::uint8_t> buffer(needed);
  auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data());
  if (!::QueryServiceConfigW(service, config, needed, &needed)) return last_error("QueryServiceConfigW", name);
  return buffer;
}

const QUERY_SERVICE_CONFIGW& config_of(const std::vector<std::uint8_t>& buffer) {
  return *reinterpret_cast<const QUERY_SERVICE_CONFIGW*>(buffer.data());
}

// Wine 8 answers QueryServiceConfigW with no dependencies but keeps them in the service's key
// (DependOnService, REG_MULTI_SZ); none there is an empty list.
Result<std::vector<std::string>> stored_dependencies(const std::string& name) {
  const auto registry = make_win32_registry();
  const auto stored = registry->get_value(RegistryRoot::local_machine,
                                          "SYSTEM\\CurrentControlSet\\Services\\" + name, "DependOnService");
  if (!stored) {
    if (stored.error().is_win32(ERROR_FILE_NOT_FOUND)) return std::vector<std::string>{};
    return stored.error();
  }
  return decode_multi_string(*stored);
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
    status.service_specific_exit_code = raw.dwServiceSpecificExitCode;
    status.accepts_stop = (raw.dwControlsAccepted & SERVICE_ACCEPT_STOP) != 0;
    status.wait_hint_ms = raw.dwWaitHint;
    return status;
  }

  Result<ServiceStartType> query_start_type(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_QUERY_CONFIG, scm, service); !opened) return opened.error();
    auto config = query_config(service.get(), name);
    if (!config) return config.error();
    return static_cast<ServiceStartType>(config_of(*config).dwStartType);
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

  // EnumServicesStatusExW, paged: one enumeration however many calls its buffer takes.
  Result<std::vector<std::string>> list_services() override {
    unique_sc_handle scm;
    if (auto opened = open_scm(SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE, scm); !opened) return opened.error();
    std::vector<std::uint8_t> buffer;
    DWORD needed = 0, count = 0, resume = 0;
    std::vector<std::string> names;
    for (;;) {
      const BOOL done = ::EnumServicesStatusExW(scm.get(), SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL,
                                                buffer.empty() ? nullptr : buffer.data(),
                                                static_cast<DWORD>(buffer.size()), &needed, &count, &resume, nullptr);
      if (!done && ::GetLastError() != ERROR_MORE_DATA) return last_error("EnumServicesStatusExW");
      const auto* entries = reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW*>(buffer.data());
      for (DWORD i = 0; i < count; ++i) names.push_back(narrow(entries[i].lpServiceName));
      if (done) return names;
      if (needed > buffer.size()) buffer.resize(needed);
    }
  }

  Result<std::vector<std::string>> dependencies(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_QUERY_CONFIG, scm, service); !opened) return opened.error();
    auto config = query_config(service.get(), name);
    if (!config) return config.error();
    std::vector<std::string> dependencies = split_double_nul_list(config_of(*config).lpDependencies);
    if (dependencies.empty()) {
      auto stored = stored_dependencies(name);
      if (!stored) return stored.error();
      dependencies = std::move(*stored);
    }
    std::erase_if(dependencies, [](const std::string& d) { return !d.empty() && d.front() == '+'; });
    return dependencies;
  }

  Result<void> start(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_START, scm, service); !opened) return opened.error();
    if (!::StartServiceW(service.get(), 0, nullptr)) return last_error("StartServiceW", name);
    return success();
  }

  Result<void> stop(const std::string& name) override {
    unique_sc_handle scm, service;
    if (auto opened = open_service(name, SERVICE_STOP, scm, service); !opened) return opened.error();
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
