// Command-line arguments as UTF-8, whatever the host's main() receives.
#pragma once

#include <string>
#include <vector>

#include "platform/text.hpp"

namespace wsbkit {

// Windows' wmain gives UTF-16 (wchar_t is 16-bit there).
inline std::vector<std::string> utf8_args(int argc, wchar_t** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::u16string wide;
    for (const wchar_t* p = argv[i]; *p; ++p) wide.push_back(static_cast<char16_t>(*p));
    args.push_back(utf16_to_utf8(wide));
  }
  return args;
}

inline std::vector<std::string> utf8_args(int argc, char** argv) { return {argv + 1, argv + argc}; }

}  // namespace wsbkit
