// Win32-only test helper (the one Windows-typed file under tests/): a minimal service for the
// service control contract. It reports START_PENDING then RUNNING, accepts STOP, and reports
// STOP_PENDING then STOPPED. Options in its command line: --start-delay-ms N, --stop-delay-ms N.
#include "platform/win32/windows.hpp"

#include <cwchar>

namespace {

SERVICE_STATUS_HANDLE status_handle = nullptr;
HANDLE stop_event = nullptr;
DWORD start_delay_ms = 0;
DWORD stop_delay_ms = 0;

void report(DWORD state, DWORD wait_hint = 0) {
  static DWORD checkpoint = 0;
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  status.dwWin32ExitCode = NO_ERROR;
  status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++checkpoint;
  status.dwWaitHint = wait_hint;
  ::SetServiceStatus(status_handle, &status);
}

DWORD WINAPI handler(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP) {
    report(SERVICE_STOP_PENDING, stop_delay_ms + 1000);
    ::SetEvent(stop_event);
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI service_main(DWORD, wchar_t**) {
  status_handle = ::RegisterServiceCtrlHandlerExW(L"", handler, nullptr);
  if (!status_handle) return;
  report(SERVICE_START_PENDING, start_delay_ms + 1000);
  ::Sleep(start_delay_ms);
  report(SERVICE_RUNNING);
  ::WaitForSingleObject(stop_event, INFINITE);
  ::Sleep(stop_delay_ms);
  report(SERVICE_STOPPED);
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::wcscmp(argv[i], L"--start-delay-ms") == 0) start_delay_ms = std::wcstoul(argv[i + 1], nullptr, 10);
    if (std::wcscmp(argv[i], L"--stop-delay-ms") == 0) stop_delay_ms = std::wcstoul(argv[i + 1], nullptr, 10);
  }
  stop_event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  wchar_t empty_name[] = L"";
  SERVICE_TABLE_ENTRYW table[] = {{empty_name, service_main}, {nullptr, nullptr}};
  return ::StartServiceCtrlDispatcherW(table) ? 0 : static_cast<int>(::GetLastError());
}
