// The sample application's service (Contoso Ledger, README "The demo"): a Windows service that,
// while RUNNING, listens on 127.0.0.1:PORT (--listen PORT; LedgerSvc uses 47110) and answers STOP.
// The helper service LedgerHelperSvc is the same program without --listen. A Windows program, not
// part of wsbkit: it stands for the application a team ships.
#include <winsock2.h>
#include <windows.h>

#include <cwchar>

namespace {

SERVICE_STATUS_HANDLE status_handle = nullptr;
HANDLE stop_event = nullptr;
unsigned short listen_port = 0;

void report(DWORD state) {
  static DWORD checkpoint = 0;
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++checkpoint;
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
  if (listen_port == 0) return INVALID_SOCKET;
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return s;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = ::htons(listen_port);
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(s, 16) != 0) {
    ::closesocket(s);
    return INVALID_SOCKET;
  }
  return s;
}

void WINAPI service_main(DWORD, wchar_t**) {
  status_handle = ::RegisterServiceCtrlHandlerExW(L"", handler, nullptr);
  if (!status_handle) return;
  report(SERVICE_START_PENDING);
  const SOCKET listener = open_listener();
  report(SERVICE_RUNNING);
  ::WaitForSingleObject(stop_event, INFINITE);
  if (listener != INVALID_SOCKET) ::closesocket(listener);
  report(SERVICE_STOPPED);
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::wcscmp(argv[i], L"--listen") == 0) listen_port = static_cast<unsigned short>(std::wcstoul(argv[i + 1], nullptr, 10));
  }
  WSADATA wsa;
  if (::WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 1;
  stop_event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  wchar_t empty_name[] = L"";
  SERVICE_TABLE_ENTRYW table[] = {{empty_name, service_main}, {nullptr, nullptr}};
  return ::StartServiceCtrlDispatcherW(table) ? 0 : static_cast<int>(::GetLastError());
}
