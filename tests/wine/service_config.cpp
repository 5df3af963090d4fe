// Win32-only test helper: what `sc config NAME binPath= COMMAND_LINE` does on Windows (Wine 8's sc
// has no `config`): sets the service's command line with ChangeServiceConfigW, nothing else. The
// running process keeps its own; the next start runs the new one. Exits 0, or 1 with the error.
//   wsbkit-service-config NAME COMMAND_LINE
#include "platform/win32/windows.hpp"

#include <cstdio>
#include <string>

int wmain(int argc, wchar_t** argv) {
  if (argc != 3) {
    std::fwprintf(stderr, L"usage: wsbkit-service-config NAME COMMAND_LINE\n");
    return 2;
  }
  wsbkit::win32::unique_sc_handle scm(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  wsbkit::win32::unique_sc_handle service(scm ? ::OpenServiceW(scm.get(), argv[1], SERVICE_CHANGE_CONFIG) : nullptr);
  if (!service || !::ChangeServiceConfigW(service.get(), SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, argv[2],
                                          nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)) {
    std::fwprintf(stderr, L"wsbkit-service-config: error %lu\n", static_cast<unsigned long>(::GetLastError()));
    return 1;
  }
  return 0;
}
