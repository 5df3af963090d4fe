// Console contract backend: Win32 on a real file handle (input redirected from a file).
#include <stdexcept>
#include <vector>

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"
#include "tests/contract/console_backends.hpp"

namespace wsbkit::contract {
namespace {

// The console and the file it reads from, closed with it.
class FileConsole final : public Console {
 public:
  explicit FileConsole(const std::string& text) {
    wchar_t folder[MAX_PATH + 1];
    wchar_t path[MAX_PATH + 1];
    if (!::GetTempPathW(MAX_PATH + 1, folder) || !::GetTempFileNameW(folder, L"wsc", 0, path)) {
      throw std::runtime_error("no temporary file");
    }
    file_.reset(::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr));
    DWORD wrote = 0;
    if (!file_ || !::WriteFile(file_.get(), text.data(), static_cast<DWORD>(text.size()), &wrote, nullptr) ||
        ::SetFilePointer(file_.get(), 0, nullptr, FILE_BEGIN) == INVALID_SET_FILE_POINTER) {
      throw std::runtime_error("cannot write the temporary file");
    }
    console_ = win32::make_win32_console(file_.get());
  }
  bool input_is_interactive() override { return console_->input_is_interactive(); }
  Result<std::string> read_line() override { return console_->read_line(); }

 private:
  win32::unique_file_handle file_;
  std::unique_ptr<Console> console_;
};

}  // namespace

ConsoleBackend make_console_backend() {
  return {"win32", [](const std::string& text) -> std::unique_ptr<Console> { return std::make_unique<FileConsole>(text); }};
}

}  // namespace wsbkit::contract
