// Path backends for the contracts: the real Win32 implementations (under Wine in CI). Win32 types
// live here, never in the test sources.
#include "platform/win32/environment_backend.hpp"
#include "platform/win32/privileges_backend.hpp"
#include "platform/win32/volumes_backend.hpp"
#include "platform/win32/windows.hpp"
#include "tests/contract/path_backends.hpp"

namespace wsbkit::contract {

VolumesBackend make_volumes_backend() {
  // A service starts in the system directory; meson starts the tests in the build folder (Z: under
  // Wine). Drive-less paths resolve against the current drive, as they do in the add-in.
  wchar_t system[MAX_PATH + 1] = {};
  const UINT n = ::GetSystemDirectoryW(system, MAX_PATH);
  if (n > 0 && n < MAX_PATH) ::SetCurrentDirectoryW(system);
  return {"win32", win32::make_win32_volumes(), win32::narrow(std::wstring(system, 3))};
}

EnvironmentBackend make_environment_backend() {
  return {"win32", win32::make_win32_environment(), [](const std::string& name, const char* value) {
            const std::wstring wide_value = value ? win32::widen(value) : std::wstring();
            ::SetEnvironmentVariableW(win32::widen(name).c_str(), value ? wide_value.c_str() : nullptr);
          }};
}

PrivilegesBackend make_privileges_backend() { return {"win32", win32::make_win32_privileges()}; }

}  // namespace wsbkit::contract
