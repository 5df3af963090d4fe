// Win32-only test helper: a real Windows service for the service control contract and the Wine
// restore tests (SERVICE_WIN32_OWN_PROCESS, StartServiceCtrlDispatcherW). It reports START_PENDING then RUNNING,
// accepts STOP (and SHUTDOWN), reports STOP_PENDING then STOPPED. Options, in its binPath:
//   --marker PATH          writes "state=<STATE> pid=<PID> service=<NAME>" to PATH (atomically,
//                          through PATH.tmp) just BEFORE reporting RUNNING and STOPPED, so a
//                          reader that saw the SCM state also sees the marker
//   --start-delay-ms N     stays START_PENDING for N ms
//   --stop-delay-ms N      stays STOP_PENDING for N ms
//   --fail-start CODE      never runs: reports STOPPED with ERROR_SERVICE_SPECIFIC_ERROR and
//                          service-specific exit code CODE (marker state=FAILED)
//   --ignore-stop          accepts STOP but stays STOP_PENDING (a hung stop; ends after 10 min)
// Started outside the SCM it prints a usage line and exits with
// ERROR_FAILED_SERVICE_CONTROLLER_CONNECT (1063).
#include "platform/win32/windows.hpp"

#include <cwchar>
#include <string>

namespace {

struct Options {
  std::wstring marker;
  DWORD start_delay_ms = 0;
  DWORD stop_delay_ms = 0;
  DWORD fail_start = 0;
  bool ignore_stop = false;
} options;

SERVICE_STATUS_HANDLE status_handle = nullptr;
HANDLE stop_event = nullptr;
std::wstring service_name;

void report(DWORD state, DWORD wait_hint = 0, DWORD specific_exit_code = 0) {
  static DWORD checkpoint = 0;
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  status.dwWin32ExitCode = specific_exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
  status.dwServiceSpecificExitCode = specific_exit_code;
  status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++checkpoint;
  status.dwWaitHint = wait_hint;
  ::SetServiceStatus(status_handle, &status);
}

void write_marker(const char* state) {
  if (options.marker.empty()) return;
  const std::string text = std::string("state=") + state + " pid=" + std::to_string(::GetCurrentProcessId()) +
                           " service=" + wsbkit::win32::narrow(service_name) + "\n";
  const std::wstring temp = options.marker + L".tmp";
  HANDLE file = ::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return;
  DWORD wrote = 0;
  ::WriteFile(file, text.data(), static_cast<DWORD>(text.size()), &wrote, nullptr);
  ::FlushFileBuffers(file);
  ::CloseHandle(file);
  ::MoveFileExW(temp.c_str(), options.marker.c_str(), MOVEFILE_REPLACE_EXISTING);
}

DWORD WINAPI handler(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    report(SERVICE_STOP_PENDING, options.stop_delay_ms + 1000);
    ::SetEvent(stop_event);
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI service_main(DWORD argc, wchar_t** argv) {
  service_name = argc > 0 && argv[0] ? argv[0] : L"";
  status_handle = ::RegisterServiceCtrlHandlerExW(service_name.c_str(), handler, nullptr);
  if (!status_handle) return;
  report(SERVICE_START_PENDING, options.start_delay_ms + 1000);
  ::Sleep(options.start_delay_ms);
  if (options.fail_start != 0) {
    write_marker("FAILED");
    report(SERVICE_STOPPED, 0, options.fail_start);
    return;
  }
  write_marker("RUNNING");
  report(SERVICE_RUNNING);
  ::WaitForSingleObject(stop_event, INFINITE);
  if (options.ignore_stop) ::Sleep(10 * 60 * 1000);
  ::Sleep(options.stop_delay_ms);
  write_marker("STOPPED");
  report(SERVICE_STOPPED);
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::wstring arg = argv[i];
    const wchar_t* next = i + 1 < argc ? argv[i + 1] : L"";
    if (arg == L"--marker") options.marker = next;
    if (arg == L"--start-delay-ms") options.start_delay_ms = std::wcstoul(next, nullptr, 10);
    if (arg == L"--stop-delay-ms") options.stop_delay_ms = std::wcstoul(next, nullptr, 10);
    if (arg == L"--fail-start") options.fail_start = std::wcstoul(next, nullptr, 10);
    if (arg == L"--ignore-stop") options.ignore_stop = true;
  }
  stop_event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  wchar_t empty_name[] = L"";  // ignored for SERVICE_WIN32_OWN_PROCESS
  SERVICE_TABLE_ENTRYW table[] = {{empty_name, service_main}, {nullptr, nullptr}};
  if (::StartServiceCtrlDispatcherW(table)) return 0;
  const DWORD code = ::GetLastError();
  std::fwprintf(stderr, L"wsbkit test service: run it through the SCM (sc create NAME binPath= ...); error %lu\n",
                static_cast<unsigned long>(code));
  return static_cast<int>(code);
}
