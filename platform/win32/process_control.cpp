// ProcessControl on Win32 (platform/process_control.hpp).
#include "platform/process_control.hpp"

#include "platform/text.hpp"

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

class Win32ProcessControl final : public ProcessControl {
 public:
  std::uint32_t current_process_id() override { return ::GetCurrentProcessId(); }

  Result<std::string> image_path(std::uint32_t process_id) override {
    const std::string object = "process " + std::to_string(process_id);
    unique_handle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, process_id));
    if (!process) return last_error("OpenProcess", object);
    std::wstring path(32768, L'\0');
    DWORD size = static_cast<DWORD>(path.size());
    if (!::QueryFullProcessImageNameW(process.get(), 0, path.data(), &size)) return last_error("QueryFullProcessImageNameW", object);
    path.resize(size);
    return narrow(path);
  }

  Result<void> terminate(std::uint32_t process_id, std::uint32_t exit_code, std::chrono::milliseconds wait) override {
    const std::string object = "process " + std::to_string(process_id);
    unique_handle process(::OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, process_id));
    if (!process) return last_error("OpenProcess", object);
    if (!::TerminateProcess(process.get(), exit_code)) return last_error("TerminateProcess", object);
    const DWORD waited = ::WaitForSingleObject(process.get(), static_cast<DWORD>(wait.count()));
    if (waited == WAIT_OBJECT_0) return success();
    if (waited == WAIT_TIMEOUT) {
      return Error::win32(WAIT_TIMEOUT, "WaitForSingleObject", object, "still running " + std::to_string(wait.count()) + " ms after TerminateProcess");
    }
    return last_error("WaitForSingleObject", object);
  }
};

}  // namespace

std::unique_ptr<ProcessControl> make_win32_process_control() { return std::make_unique<Win32ProcessControl>(); }

}  // namespace wsbkit::win32
