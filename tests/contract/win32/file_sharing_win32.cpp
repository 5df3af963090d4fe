// Another program's reader under Windows sharing modes, for the file system contract: it opens the
// file sharing no write access. Returns what closes it, or nothing when the file could not be held
// or a writer was not refused meanwhile (sharing modes not enforced: the test would prove nothing).
#include <windows.h>

#include <functional>
#include <string>

#include "platform/text.hpp"

namespace wsbkit::contract {

std::function<void()> hold_denying_writes(const std::string& path) {
  const std::u16string wide = utf8_to_utf16(path);
  const auto* name = reinterpret_cast<const wchar_t*>(wide.c_str());
  HANDLE reader = ::CreateFileW(name, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (reader == INVALID_HANDLE_VALUE) return {};
  HANDLE writer = ::CreateFileW(name, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  const bool refused = writer == INVALID_HANDLE_VALUE && ::GetLastError() == ERROR_SHARING_VIOLATION;
  if (writer != INVALID_HANDLE_VALUE) ::CloseHandle(writer);
  if (!refused) {
    ::CloseHandle(reader);
    return {};
  }
  return [reader] { ::CloseHandle(reader); };
}

}  // namespace wsbkit::contract
