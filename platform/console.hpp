// The administrator's terminal: whether standard input is an interactive one, and a line typed
// there (what `wsbkit simulate` asks for before it acts on live services without --yes).
// Win32: GetFileType + GetConsoleMode on the standard input handle, ReadConsoleW
// (platform/win32/console.cpp); fake: mock/fake_console.hpp.
#pragma once

#include <cstddef>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class Console {
 public:
  virtual ~Console() = default;
  // True when standard input is a console a person types at: not a file, a pipe, or none.
  virtual bool input_is_interactive() = 0;
  // One line typed, without its line break (WTF-8, platform/text.hpp). The end of input is an
  // error (ERROR_HANDLE_EOF), and so is a line longer than max_line_chars (nothing more is read).
  virtual Result<std::string> read_line() = 0;
  static constexpr std::size_t max_line_chars = 4096;
};

}  // namespace wsbkit
