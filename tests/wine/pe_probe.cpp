// What Windows tools read from wsbkit's binaries, read the way they read it (tests/wine/resources_test.sh):
//   pe_probe version FILE           the version resource: "Fixed: a.b.c.d" (VS_FIXEDFILEINFO's
//                                   file version), then "Name: value" for each StringFileInfo field
//   pe_probe message FILE ID TEXT   the text FormatMessageW makes of message ID of FILE's message
//                                   table with TEXT as insertion string %1 (as Event Viewer does)
//   pe_probe event ID TEXT          the same through the registered event source "wsbkit": the
//                                   module named by its EventMessageFile (environment expanded)
// Output is UTF-8; exit 1 with the failing call on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "platform/win32/windows.hpp"

namespace {

using wsbkit::win32::narrow;
using wsbkit::win32::widen;

struct module_traits {
  using type = HMODULE;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::FreeLibrary(h); }
};
using unique_module = wsbkit::win32::unique_any<module_traits>;

int failed(const char* call, const std::wstring& what) {
  std::fprintf(stderr, "%s failed for %s: error %lu\n", call, narrow(what).c_str(), ::GetLastError());
  return 1;
}

int print_version(const std::wstring& file) {
  DWORD ignored = 0;
  const DWORD size = ::GetFileVersionInfoSizeW(file.c_str(), &ignored);
  if (size == 0) return failed("GetFileVersionInfoSizeW", file);
  std::vector<unsigned char> data(size);
  if (!::GetFileVersionInfoW(file.c_str(), 0, size, data.data())) return failed("GetFileVersionInfoW", file);
  VS_FIXEDFILEINFO* fixed = nullptr;
  UINT length = 0;
  if (!::VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&fixed), &length) || !fixed) {
    return failed("VerQueryValueW(\\)", file);
  }
  std::printf("Fixed: %u.%u.%u.%u\n", unsigned{HIWORD(fixed->dwFileVersionMS)},
              unsigned{LOWORD(fixed->dwFileVersionMS)}, unsigned{HIWORD(fixed->dwFileVersionLS)},
              unsigned{LOWORD(fixed->dwFileVersionLS)});
  for (const wchar_t* name : {L"CompanyName", L"FileDescription", L"FileVersion", L"InternalName",
                              L"OriginalFilename", L"ProductName", L"ProductVersion"}) {
    const std::wstring path = std::wstring(L"\\StringFileInfo\\040904B0\\") + name;
    wchar_t* value = nullptr;
    if (!::VerQueryValueW(data.data(), path.c_str(), reinterpret_cast<void**>(&value), &length) || !value) {
      return failed("VerQueryValueW", path);
    }
    std::printf("%s: %s\n", narrow(name).c_str(), narrow(value).c_str());
  }
  return 0;
}

int print_message(const std::wstring& file, DWORD id, const std::wstring& text) {
  unique_module module(::LoadLibraryExW(file.c_str(), nullptr, LOAD_LIBRARY_AS_DATAFILE));
  if (!module) return failed("LoadLibraryExW", file);
  const DWORD_PTR args[] = {reinterpret_cast<DWORD_PTR>(text.c_str())};
  wchar_t buffer[4096];
  const DWORD n = ::FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, module.get(), id,
                                   MAKELANGID(LANG_NEUTRAL, SUBLANG_NEUTRAL), buffer, 4096,
                                   reinterpret_cast<va_list*>(const_cast<DWORD_PTR*>(args)));
  if (n == 0) return failed("FormatMessageW", file + L" message " + std::to_wstring(id));
  std::printf("%s", narrow(std::wstring_view(buffer, n)).c_str());
  return 0;
}

int print_event(DWORD id, const std::wstring& text) {
  const wchar_t* key = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\wsbkit";
  wchar_t value[1024];
  DWORD size = sizeof value;
  const LSTATUS rc = ::RegGetValueW(HKEY_LOCAL_MACHINE, key, L"EventMessageFile",
                                    RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, nullptr, value, &size);
  if (rc != ERROR_SUCCESS) {
    ::SetLastError(static_cast<DWORD>(rc));
    return failed("RegGetValueW", std::wstring(key) + L"\\EventMessageFile");
  }
  wchar_t expanded[1024];
  if (::ExpandEnvironmentStringsW(value, expanded, 1024) == 0) return failed("ExpandEnvironmentStringsW", value);
  return print_message(expanded, id, text);
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  const std::wstring command = argc > 1 ? argv[1] : L"";
  if (command == L"version" && argc == 3) return print_version(argv[2]);
  if (command == L"message" && argc == 5) return print_message(argv[2], std::wcstoul(argv[3], nullptr, 10), argv[4]);
  if (command == L"event" && argc == 4) return print_event(std::wcstoul(argv[2], nullptr, 10), argv[3]);
  std::fprintf(stderr, "usage: pe_probe version FILE | message FILE ID TEXT | event ID TEXT\n");
  return 2;
}
