// The sample application's service (Contoso Ledger, README "The demo"): a Windows service that,
// while RUNNING, listens on 127.0.0.1:PORT (--listen PORT; LedgerSvc uses 47110) and answers STOP.
// The helper service LedgerHelperSvc is the same program without --listen. A Windows program, not
// part of wsbkit: it stands for the application a team ships.
//
// Faults on demand, for the restore's failure paths (tests/wine/sample_faults_test.sh):
//   --hang-stop SECONDS  a stop that hangs: STOP is accepted, the service stays STOP_PENDING with no
//                        progress for SECONDS, then gives up stopping and reports RUNNING again (it
//                        never stopped; its port stays open throughout)
//   --fail-start CODE    the service fails to start: it reports STOPPED with
//                        ERROR_SERVICE_SPECIFIC_ERROR (1066) and service exit code CODE
// The switches are read from the service's command line only (its ImagePath, under
// HKLM\SYSTEM\CurrentControlSet\Services\NAME, which only administrators and SYSTEM may change:
// `sc create`/`sc config binPath=`), never from the arguments a StartService caller passes to
// ServiceMain (anyone granted SERVICE_START could pass those), the environment or a file. A value
// that is not a number (or 0) makes the service fail to start with ERROR_INVALID_PARAMETER (87).
#include <winsock2.h>
#include <windows.h>

#include <cwchar>

namespace {

struct Options {
  unsigned short listen_port = 0;
  DWORD hang_stop_seconds = 0;
  DWORD fail_start_code = 0;
  bool invalid = false;  // a switch with a value that is not a positive number
} options;

SERVICE_STATUS_HANDLE status_handle = nullptr;
HANDLE stop_event = nullptr;

void report(DWORD state, DWORD win32_exit_code = NO_ERROR, DWORD service_exit_code = 0) {
  static DWORD checkpoint = 0;
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  status.dwWin32ExitCode = win32_exit_code;
  status.dwServiceSpecificExitCode = service_exit_code;
  // A hung stop makes no progress: its checkpoint stays where it was.
  const bool hung = state == SERVICE_STOP_PENDING && options.hang_stop_seconds > 0;
  status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : hung ? checkpoint : ++checkpoint;
  status.dwWaitHint = 3000;
  ::SetServiceStatus(status_handle, &status);
}

DWORD WINAPI handler(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP) {
    report(SERVICE_STOP_PENDING);
    ::SetEvent(stop_event);
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

// The listening socket (connections wait in its backlog: the port is what the policy waits for).
SOCKET open_listener() {
  if (options.listen_port == 0) return INVALID_SOCKET;
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return s;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = ::htons(options.listen_port);
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(s, 16) != 0) {
    ::closesocket(s);
    return INVALID_SOCKET;
  }
  return s;
}

// Runs until a stop is carried out; with --hang-stop every stop hangs, then is given up.
void serve() {
  for (;;) {
    ::WaitForSingleObject(stop_event, INFINITE);
    if (options.hang_stop_seconds == 0) return;
    ::Sleep(options.hang_stop_seconds * 1000);
    ::ResetEvent(stop_event);
    report(SERVICE_RUNNING);
  }
}

void WINAPI service_main(DWORD, wchar_t**) {  // StartService's arguments are ignored (see above)
  status_handle = ::RegisterServiceCtrlHandlerExW(L"", handler, nullptr);
  if (!status_handle) return;
  report(SERVICE_START_PENDING);
  if (options.invalid) return report(SERVICE_STOPPED, ERROR_INVALID_PARAMETER);
  if (options.fail_start_code != 0) return report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, options.fail_start_code);
  const SOCKET listener = open_listener();
  report(SERVICE_RUNNING);
  serve();
  if (listener != INVALID_SOCKET) ::closesocket(listener);
  report(SERVICE_STOPPED);
}

// A positive decimal number that fits `limit`, or 0.
DWORD positive(const wchar_t* text, DWORD limit) {
  wchar_t* end = nullptr;
  const unsigned long value = std::wcstoul(text, &end, 10);
  const bool ok = *text >= L'0' && *text <= L'9' && end && *end == L'\0' && value > 0 && value <= limit;
  if (!ok) options.invalid = true;
  return ok ? static_cast<DWORD>(value) : 0;
}

void parse(int argc, wchar_t** argv) {
  for (int i = 1; i < argc; ++i) {
    const wchar_t* value = i + 1 < argc ? argv[i + 1] : L"";
    if (std::wcscmp(argv[i], L"--listen") == 0) options.listen_port = static_cast<unsigned short>(positive(value, 65535));
    else if (std::wcscmp(argv[i], L"--hang-stop") == 0) options.hang_stop_seconds = positive(value, 3600);
    else if (std::wcscmp(argv[i], L"--fail-start") == 0) options.fail_start_code = positive(value, 0xFFFFFFFFul);
    else continue;
    ++i;
  }
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  parse(argc, argv);
  WSADATA wsa;
  if (::WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 1;
  stop_event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  wchar_t empty_name[] = L"";
  SERVICE_TABLE_ENTRYW table[] = {{empty_name, service_main}, {nullptr, nullptr}};
  return ::StartServiceCtrlDispatcherW(table) ? 0 : static_cast<int>(::GetLastError());
}
