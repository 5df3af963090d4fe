// ProcessControl contract backend: Win32, against real processes (the process helper sleeping).
#include <stdexcept>

#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"
#include "tests/contract/process_control_backends.hpp"

namespace wsbkit::contract {

ProcessControlBackend make_process_control_backend(int argc, char** argv) {
  if (argc < 2) throw std::runtime_error("the process helper's path must follow --");
  const std::string helper = argv[argc - 1];
  auto spawn = [helper]() -> std::uint32_t {
    std::u16string command = utf8_to_utf16("\"" + helper + "\" sleep 60000");
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION info{};
    if (!::CreateProcessW(nullptr, reinterpret_cast<wchar_t*>(command.data()), nullptr, nullptr, FALSE, CREATE_NO_WINDOW,
                          nullptr, nullptr, &startup, &info)) {
      throw std::runtime_error("CreateProcessW failed: " + std::to_string(::GetLastError()));
    }
    ::CloseHandle(info.hThread);
    ::CloseHandle(info.hProcess);
    return info.dwProcessId;
  };
  auto alive = [](std::uint32_t id) {
    win32::unique_handle process(::OpenProcess(SYNCHRONIZE, FALSE, id));
    return process && ::WaitForSingleObject(process.get(), 0) == WAIT_TIMEOUT;
  };
  const std::string name = helper.substr(helper.find_last_of("\\/") + 1);
  return {"win32", win32::make_win32_process_control(), spawn, name, alive};
}

}  // namespace wsbkit::contract
