// Win32 helpers shared by every backend under platform/win32/: error text and string conversion.
#include "platform/win32/windows.hpp"

#include "platform/text.hpp"

namespace wsbkit::win32 {

std::wstring widen(std::string_view utf8) {
  const std::u16string u16 = utf8_to_utf16(utf8);
  return std::wstring(u16.begin(), u16.end());
}

std::string narrow(std::wstring_view utf16) {
  const std::u16string u16(utf16.begin(), utf16.end());
  return utf16_to_utf8(u16);
}

std::string system_message(DWORD code) {
  wchar_t* buffer = nullptr;
  const DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  if (length == 0 || buffer == nullptr) return {};
  std::wstring_view text(buffer, length);
  while (!text.empty() && (text.back() == L'\n' || text.back() == L'\r' || text.back() == L' ')) {
    text.remove_suffix(1);
  }
  std::string out = narrow(text);
  ::LocalFree(buffer);
  return out;
}

Error win32_error(DWORD code, std::string api, std::string object) {
  return Error::win32(code, std::move(api), std::move(object), system_message(code));
}

Error last_error(std::string api, std::string object) {
  const DWORD code = ::GetLastError();  // first, before anything else can overwrite it
  return win32_error(code, std::move(api), std::move(object));
}

}  // namespace wsbkit::win32
