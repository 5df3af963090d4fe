// Win32 environment facility: must contain only Win32-specific code.
#include <vector>

#include "platform/win32/environment_backend.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

class Win32Environment final : public Environment {
 public:
  // ExpandEnvironmentStringsW reports the size it needs (terminator included); a variable may
  // change between two calls, so the call is repeated until the result fits.
  Result<std::string> expand(const std::string& text) override {
    const std::wstring wide = widen(text);
    std::vector<wchar_t> buffer(wide.size() + 1, L'\0');
    for (int attempt = 0; attempt < 8; ++attempt) {
      const DWORD needed = ::ExpandEnvironmentStringsW(wide.c_str(), buffer.data(), static_cast<DWORD>(buffer.size()));
      if (needed == 0) return last_error("ExpandEnvironmentStringsW", text);
      if (needed <= buffer.size()) return narrow(buffer.data());
      buffer.assign(needed, L'\0');
    }
    return Error::win32(ERROR_INSUFFICIENT_BUFFER, "ExpandEnvironmentStringsW", text, "the environment kept growing");
  }
};

}  // namespace

std::unique_ptr<Environment> make_win32_environment() { return std::make_unique<Win32Environment>(); }

}  // namespace wsbkit::win32
