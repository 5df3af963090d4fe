// The add-in as a Windows service: must contain only Win32-specific code. The SCM calls
// ServiceMain on a thread of its own and gives it no context pointer, so the one service this
// process runs is described by a file-level pointer, set for the duration of the dispatcher call.
#include "platform/win32/service_host.hpp"

#include <objbase.h>

#include <mutex>

#include "platform/win32/com/com_objects.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

struct ServiceRun {
  std::wstring name;
  LocalServerConfig config;
  ApplicationFactory factory;
  ServerLifetime* served = nullptr;  // the caller's
  SERVICE_STATUS_HANDLE status_handle = nullptr;
  std::mutex mutex;
  ServerLifetime* lifetime = nullptr;  // while the class object is registered
  Result<ServerLifetime::ExitReason> result =
      Error::win32(ERROR_SERVICE_NOT_ACTIVE, "ServiceMain", {}, "the service control manager never started the service");
};
ServiceRun* current = nullptr;

void report(ServiceRun& run, DWORD state, DWORD exit_code = NO_ERROR) {
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  status.dwWin32ExitCode = exit_code;
  status.dwWaitHint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : 5000;
  ::SetServiceStatus(run.status_handle, &status);
}

DWORD WINAPI control_handler(DWORD control, DWORD, LPVOID, LPVOID context) {
  auto& run = *static_cast<ServiceRun*>(context);
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      std::lock_guard lock(run.mutex);
      report(run, SERVICE_STOP_PENDING);
      if (run.lifetime) run.lifetime->request_exit();
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE: return NO_ERROR;
    default: return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

Result<ServerLifetime::ExitReason> serve(ServiceRun& run) {
  CLSID clsid;
  if (FAILED(CLSIDFromString(widen(run.config.clsid).c_str(), &clsid))) {
    return Error::hresult(hr::e_invalidarg, "CLSIDFromString", run.config.clsid, "not a CLSID");
  }
  auto apartment = ServingApartment::enter(run.config.clsid);
  if (!apartment) return apartment.error();
  ServerLifetime& lifetime = *run.served;
  AddinClassFactory factory(lifetime, run.factory);
  DWORD cookie = 0;
  const HRESULT h = CoRegisterClassObject(clsid, &factory, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
  if (FAILED(h)) return Error::hresult(h, "CoRegisterClassObject", run.config.clsid);
  {
    std::lock_guard lock(run.mutex);
    run.lifetime = &lifetime;
    report(run, SERVICE_RUNNING);
  }
  const auto reason = lifetime.wait();  // after a STOP: once the calls in flight have finished
  {
    std::lock_guard lock(run.mutex);
    run.lifetime = nullptr;
    report(run, SERVICE_STOP_PENDING);
  }
  CoRevokeClassObject(cookie);
  return reason;
}

void WINAPI service_main(DWORD, LPWSTR*) {
  ServiceRun& run = *current;
  run.status_handle = ::RegisterServiceCtrlHandlerExW(run.name.c_str(), control_handler, &run);
  if (!run.status_handle) {
    run.result = last_error("RegisterServiceCtrlHandlerExW", narrow(run.name));
    return;
  }
  report(run, SERVICE_START_PENDING);
  run.result = serve(run);
  report(run, SERVICE_STOPPED, run.result ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR);
}

}  // namespace

Result<ServerLifetime::ExitReason> run_addin_service(const std::string& service_name, const LocalServerConfig& config,
                                                      ServerLifetime& lifetime, ApplicationFactory factory) {
  ServiceRun run;
  run.served = &lifetime;
  run.name = widen(service_name);
  run.config = config;
  run.factory = std::move(factory);
  current = &run;
  SERVICE_TABLE_ENTRYW table[] = {{run.name.data(), service_main}, {nullptr, nullptr}};
  const BOOL dispatched = ::StartServiceCtrlDispatcherW(table);
  current = nullptr;
  if (!dispatched) return last_error("StartServiceCtrlDispatcherW", service_name);
  return std::move(run.result);
}

}  // namespace wsbkit::win32
