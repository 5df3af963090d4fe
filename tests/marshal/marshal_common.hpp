// Shared by the marshalling test's COM local server and its Boost.Test client.
//
// Side channel: the server writes every call it receives, with its arguments, to a record file
// (path given on its command line, see LocalServer32). Both sides encode arguments with the same
// Record class, so the client checks the IN parameters arrived intact by comparing the server's
// record with the record of what it sent, byte for byte.
#pragma once

#include <windows.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace marshal_test {

// The test coclass {5B0D6E2C-7A41-4F93-8C2E-3D9A1F6B7E05}: wsbkit's own, never the add-in's.
inline constexpr CLSID clsid_test_server = {
    0x5b0d6e2c, 0x7a41, 0x4f93, {0x8c, 0x2e, 0x3d, 0x9a, 0x1f, 0x6b, 0x7e, 0x05}};
inline constexpr const wchar_t* clsid_test_server_string = L"{5B0D6E2C-7A41-4F93-8C2E-3D9A1F6B7E05}";

// Component names the server treats specially.
inline constexpr const wchar_t* no_check_needed = L"no-check-needed";  // CheckConsistency: S_FALSE
inline constexpr const wchar_t* fail_component = L"fail";             // Pre/PostRestore: failure
inline constexpr const wchar_t* unordered = L"unordered";             // OrderComponents: S_FALSE

// One call as text: "method X" then one line per argument. Strings are written as the hex of
// their UTF-16 code units, so any content (NUL-free by definition, any Unicode) round-trips and
// NULL stays distinct from "".
class Record {
 public:
  explicit Record(std::string_view method) {
    text_ += "method ";
    text_ += method;
    text_ += '\n';
  }
  Record& str(const wchar_t* s) {
    if (s == nullptr) {
      text_ += "str null\n";
      return *this;
    }
    static constexpr char digits[] = "0123456789abcdef";
    text_ += "str \"";
    for (; *s != L'\0'; ++s) {
      const auto unit = static_cast<std::uint16_t>(*s);
      for (int shift = 12; shift >= 0; shift -= 4) text_ += digits[(unit >> shift) & 0xF];
    }
    text_ += "\"\n";
    return *this;
  }
  Record& num(std::uint64_t n) {
    text_ += "num " + std::to_string(n) + '\n';
    return *this;
  }
  // An LPWSTR array: "array null" for a NULL array, else its count and every element.
  Record& array(std::uint64_t count, const wchar_t* const* items) {
    if (items == nullptr) {
      text_ += "array null\n";
      return *this;
    }
    text_ += "array " + std::to_string(count) + '\n';
    for (std::uint64_t i = 0; i < count; ++i) str(items[i]);
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace marshal_test
