// Console on Win32 (platform/console.hpp): a handle that is a character device and answers
// GetConsoleMode is a console; a line is read with ReadConsoleW (cooked mode: echoed, edited, ended
// by Enter), so what is typed arrives as UTF-16 whatever the console's code page.
#include "platform/console.hpp"

#include "platform/text.hpp"

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

class Win32Console final : public Console {
 public:
  explicit Win32Console(HANDLE input) : input_(input) {}

  bool input_is_interactive() override {
    DWORD mode = 0;
    return input_ != nullptr && input_ != INVALID_HANDLE_VALUE && ::GetFileType(input_) == FILE_TYPE_CHAR &&
           ::GetConsoleMode(input_, &mode);
  }

  Result<std::string> read_line() override {
    if (!input_is_interactive()) {
      return Error::win32(ERROR_INVALID_HANDLE, "GetConsoleMode", "standard input", "standard input is not a console");
    }
    std::wstring line;
    while (line.find(L'\n') == std::wstring::npos) {
      wchar_t chunk[256];
      DWORD read = 0;
      if (!::ReadConsoleW(input_, chunk, 256, &read, nullptr)) return last_error("ReadConsoleW", "standard input");
      if (read == 0) return Error::win32(ERROR_HANDLE_EOF, "ReadConsoleW", "standard input", "the end of input");
      line.append(chunk, read);
      if (line.size() > max_line_chars + 2) {
        return Error::win32(ERROR_INVALID_DATA, "ReadConsoleW", "standard input", "the line is too long");
      }
    }
    line.erase(line.find(L'\n'));
    if (!line.empty() && line.back() == L'\r') line.pop_back();
    return utf16_to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(line.data()), line.size()));
  }

 private:
  HANDLE input_;  // not owned: the process's standard input, or a test's handle
};

}  // namespace

std::unique_ptr<Console> make_win32_console() { return make_win32_console(::GetStdHandle(STD_INPUT_HANDLE)); }
std::unique_ptr<Console> make_win32_console(HANDLE input) { return std::make_unique<Win32Console>(input); }

}  // namespace wsbkit::win32
