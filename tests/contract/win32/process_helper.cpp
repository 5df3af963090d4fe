// Win32-only test helper: the child process of the process runner contract. One command per run:
//   args ...            each argument after "args" (as the CRT's wmain got it) as UTF-8 hex, one a line
//   cmdline             GetCommandLineW() as UTF-8
//   env NAME...         "NAME=value" or "NAME unset", one a line
//   cwd                 the current directory
//   exit N              exits with code N
//   sleep MS            sleeps, then exits 0
//   out N / err N       writes N bytes (a..z repeated) to stdout / stderr
//   stdin               copies stdin to stdout
//   spawn-sleeper MS [FILE]  starts `helper sleep MS` (inheriting the std handles), prints
//                       "grandchild <pid>" (and writes the PID to FILE), then sleeps MS itself
//   alive PID           exits 0 while process PID runs, 1 when it is gone
//   noise N             output no JSON encoder takes as is, then exits with code N: on stdout
//                       bytes that are not UTF-8 (stray continuation bytes, a cut sequence, an
//                       encoded surrogate), OEM code page 437 text, then 1 MiB of such lines; on
//                       stderr UTF-16LE text with a BOM and an unpaired surrogate
// Output goes through WriteFile on the std handles: no CRT text-mode translation.
#include "platform/win32/windows.hpp"

#include <cwchar>
#include <string>

using wsbkit::win32::narrow;

namespace {

void write(DWORD which, const std::string& text) {
  DWORD wrote = 0;
  ::WriteFile(::GetStdHandle(which), text.data(), static_cast<DWORD>(text.size()), &wrote, nullptr);
}

std::string hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

unsigned long number(const wchar_t* s) { return std::wcstoul(s, nullptr, 10); }

int spawn_sleeper(const wchar_t* ms, const wchar_t* pid_file) {
  wchar_t self[MAX_PATH];
  ::GetModuleFileNameW(nullptr, self, MAX_PATH);
  std::wstring command = L"\"" + std::wstring(self) + L"\" sleep " + ms;
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = ::GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = ::GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION info{};
  if (!::CreateProcessW(self, command.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &info)) {
    write(STD_ERROR_HANDLE, "CreateProcessW failed\n");
    return 3;
  }
  write(STD_OUTPUT_HANDLE, "grandchild " + std::to_string(info.dwProcessId) + "\n");
  if (pid_file) {
    // Written under a temporary name and renamed, so a reader never sees a partial PID.
    const std::wstring temp = std::wstring(pid_file) + L".tmp";
    HANDLE file = ::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
    if (file != INVALID_HANDLE_VALUE) {
      const std::string text = std::to_string(info.dwProcessId) + "\n";
      DWORD wrote = 0;
      ::WriteFile(file, text.data(), static_cast<DWORD>(text.size()), &wrote, nullptr);
      ::CloseHandle(file);
      ::MoveFileExW(temp.c_str(), pid_file, MOVEFILE_REPLACE_EXISTING);
    }
  }
  ::CloseHandle(info.hThread);
  ::CloseHandle(info.hProcess);
  ::Sleep(number(ms));
  return 0;
}

int noise(int exit_code) {
  const std::string oddities = "bad \x80\xBF \xC3( \xED\xA0\x80 \xF0\x9F\x98 end\r\n";
  const std::string cp437 = "Pr\x81" "fung: \xC9\xCD\xCD\xBB Gr\xE1\xE1" "e\r\n";
  std::string out = oddities + cp437;
  while (out.size() < (1u << 20)) out += "line " + std::to_string(out.size()) + " \xE2\x82\xAC\x80\xFF" + cp437;
  write(STD_OUTPUT_HANDLE, out);
  const std::u16string text = u"\uFEFFFehler: Gr\u00F6\u00DFe falsch \xD800 Ende\r\n";
  write(STD_ERROR_HANDLE, std::string(reinterpret_cast<const char*>(text.data()), text.size() * 2));
  return exit_code;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc < 2) return 2;
  const std::wstring command = argv[1];
  if (command == L"args") {
    for (int i = 2; i < argc; ++i) write(STD_OUTPUT_HANDLE, hex(narrow(argv[i])) + "\n");
    return 0;
  }
  if (command == L"cmdline") {
    write(STD_OUTPUT_HANDLE, narrow(::GetCommandLineW()));
    return 0;
  }
  if (command == L"env") {
    for (int i = 2; i < argc; ++i) {
      wchar_t value[32768];
      const DWORD n = ::GetEnvironmentVariableW(argv[i], value, 32768);
      write(STD_OUTPUT_HANDLE, narrow(argv[i]) + (n == 0 && ::GetLastError() == ERROR_ENVVAR_NOT_FOUND
                                                      ? std::string(" unset")
                                                      : "=" + narrow(std::wstring_view(value, n))) + "\n");
    }
    return 0;
  }
  if (command == L"cwd") {
    wchar_t dir[MAX_PATH];
    const DWORD n = ::GetCurrentDirectoryW(MAX_PATH, dir);
    write(STD_OUTPUT_HANDLE, narrow(std::wstring_view(dir, n)));
    return 0;
  }
  if (command == L"exit" && argc > 2) return static_cast<int>(number(argv[2]));
  if (command == L"sleep" && argc > 2) {
    ::Sleep(number(argv[2]));
    return 0;
  }
  if ((command == L"out" || command == L"err") && argc > 2) {
    std::string text(number(argv[2]), '\0');
    for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
    write(command == L"out" ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE, text);
    return 0;
  }
  if (command == L"stdin") {
    char buffer[4096];
    DWORD got = 0;
    while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof buffer, &got, nullptr) && got > 0) {
      write(STD_OUTPUT_HANDLE, std::string(buffer, got));
    }
    return 0;
  }
  if (command == L"noise" && argc > 2) return noise(static_cast<int>(number(argv[2])));
  if (command == L"spawn-sleeper" && argc > 2) return spawn_sleeper(argv[2], argc > 3 ? argv[3] : nullptr);
  if (command == L"alive" && argc > 2) {
    HANDLE process = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, number(argv[2]));
    if (!process) return 1;
    const bool running = ::WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    ::CloseHandle(process);
    return running ? 0 : 1;
  }
  return 2;
}
