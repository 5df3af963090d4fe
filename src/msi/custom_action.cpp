// wsbkit-msi.dll: the MSI's custom actions (src/msi/wsbkit.wxs; why custom actions: docs/deploying.md).
// Lives in the package's Binary table only; never installed.
//
// RunWsbkit (deferred, no impersonation: runs as SYSTEM): runs wsbkit.exe with the arguments in
// CustomActionData, one per line (the first line is wsbkit.exe's path), waits for it (5 minutes at
// most, then its process tree is killed), and writes the command, its exit code and everything it
// printed into the installer log, so a refused registration's reason is in the log (Windows
// Installer's own EXE custom actions drop a program's output). A non-zero exit fails the action
// (ERROR_INSTALL_FAILURE): the installation rolls back.
// RunWsbkitAbsentOk: the same, but exit code 5 (wsbkit's "nothing registered under that writer")
// also succeeds: uninstalling after the application was unregistered by hand must not fail.
// CheckProperties (immediate, before anything is changed): WRITER_ID, APP_IDENTIFIER and POLICY
// are required; each missing one is named in the installer log and the installation ends there.
#include <sstream>
#include <string>
#include <vector>

#include "platform/command_line.hpp"
#include "platform/event_log.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"  // before the MSI headers, which need windows.h

#include <msi.h>
#include <msiquery.h>

namespace {

using wsbkit::win32::narrow;
using wsbkit::win32::widen;

struct record_traits {
  using type = MSIHANDLE;
  static type invalid() noexcept { return 0; }
  static void close(type h) noexcept { ::MsiCloseHandle(h); }
};
using unique_record = wsbkit::win32::unique_any<record_traits>;

// One line in the installer log ("wsbkit: ..."), as text (field 1 of a "[1]" record, so brackets in
// it are not formatted).
void log_line(MSIHANDLE install, const std::string& line) {
  unique_record record(::MsiCreateRecord(1));
  if (!record) return;
  const std::wstring text = widen(wsbkit::event_message_text("wsbkit: " + line));
  if (::MsiRecordSetStringW(record.get(), 0, L"[1]") != ERROR_SUCCESS) return;
  if (::MsiRecordSetStringW(record.get(), 1, text.c_str()) != ERROR_SUCCESS) return;
  ::MsiProcessMessage(install, INSTALLMESSAGE_INFO, record.get());
}

void log_output(MSIHANDLE install, const std::string& stream, const std::string& bytes) {
  std::istringstream lines(bytes);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    log_line(install, stream + ": " + line);
  }
}

std::vector<std::string> split_lines(const std::string& data) {
  std::vector<std::string> parts;
  std::string::size_type from = 0;
  for (;;) {
    const auto at = data.find('\n', from);
    parts.push_back(data.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) return parts;
    from = at + 1;
  }
}

// A property's value ("" when unset or unreadable).
std::string property(MSIHANDLE install, const wchar_t* name) {
  DWORD size = 0;
  wchar_t empty[1] = L"";
  if (::MsiGetPropertyW(install, name, empty, &size) != ERROR_MORE_DATA) return {};
  std::wstring value(size + 1, L'\0');
  size = static_cast<DWORD>(value.size());
  if (::MsiGetPropertyW(install, name, value.data(), &size) != ERROR_SUCCESS) return {};
  value.resize(size);
  return narrow(value);
}

constexpr std::uint32_t not_registered_exit_code = 5;  // exit_code::not_found (src/cli/cli.hpp)

UINT run_wsbkit(MSIHANDLE install, bool absent_ok) {
  try {
    const std::vector<std::string> argv = split_lines(property(install, L"CustomActionData"));
    if (argv.size() < 2 || argv[0].empty()) {
      log_line(install, "custom action without a command (CustomActionData is empty)");
      return ERROR_INSTALL_FAILURE;
    }
    wsbkit::ProcessRequest request;
    request.executable = argv[0];
    request.arguments.assign(argv.begin() + 1, argv.end());
    request.timeout = std::chrono::minutes(5);
    log_line(install, "running " + wsbkit::build_windows_command_line(argv));
    auto outcome = wsbkit::win32::make_win32_process_runner()->run(request);
    if (!outcome) {
      log_line(install, argv[1] + " could not be started: " + outcome.error().message());
      return ERROR_INSTALL_FAILURE;
    }
    log_output(install, "stdout", outcome->standard_output);
    log_output(install, "stderr", outcome->standard_error);
    log_line(install, argv[1] + (outcome->timed_out ? " timed out" : "") + " exit code " +
                          std::to_string(outcome->exit_code));
    if (outcome->timed_out) return ERROR_INSTALL_FAILURE;
    if (outcome->exit_code == 0) return ERROR_SUCCESS;
    if (absent_ok && outcome->exit_code == not_registered_exit_code) {
      log_line(install, argv[1] + ": nothing registered for this writer, nothing to undo");
      return ERROR_SUCCESS;
    }
    return ERROR_INSTALL_FAILURE;
  } catch (const std::exception& e) {
    log_line(install, std::string("custom action failed: ") + e.what());
    return ERROR_INSTALL_FAILURE;
  } catch (...) {
    log_line(install, "custom action failed");
    return ERROR_INSTALL_FAILURE;
  }
}

}  // namespace

extern "C" __declspec(dllexport) UINT __stdcall RunWsbkit(MSIHANDLE install) { return run_wsbkit(install, false); }

extern "C" __declspec(dllexport) UINT __stdcall RunWsbkitAbsentOk(MSIHANDLE install) { return run_wsbkit(install, true); }

extern "C" __declspec(dllexport) UINT __stdcall CheckProperties(MSIHANDLE install) {
  struct Required {
    const wchar_t* name;
    const char* meaning;
  };
  static constexpr Required required[] = {
      {L"WRITER_ID", "WRITER_ID is required: the VSS writer id of the application to register (a GUID)"},
      {L"APP_IDENTIFIER", "APP_IDENTIFIER is required: the application's name in Windows Server Backup"},
      {L"POLICY", "POLICY is required: the absolute path of the application's wsbkit policy file"},
  };
  try {
    bool complete = true;
    for (const auto& r : required) {
      if (!property(install, r.name).empty()) continue;
      log_line(install, r.meaning);
      complete = false;
    }
    return complete ? ERROR_SUCCESS : ERROR_INSTALL_FAILURE;
  } catch (...) {
    log_line(install, "checking the properties failed");
    return ERROR_INSTALL_FAILURE;
  }
}
