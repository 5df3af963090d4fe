// Win32 clock backend: must contain only Win32-specific code. Wall time from
// GetSystemTimePreciseAsFileTime, steady time from QueryPerformanceCounter, sleeping with Sleep.
#include <algorithm>
#include <memory>

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

// 100-ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01 (system_clock's).
constexpr std::uint64_t filetime_unix_epoch = 116444736000000000ull;

class Win32Clock final : public Clock {
 public:
  Win32Clock() { ::QueryPerformanceFrequency(&frequency_); }

  std::chrono::system_clock::time_point now() override {
    FILETIME ft;
    ::GetSystemTimePreciseAsFileTime(&ft);
    const std::uint64_t ticks = (static_cast<std::uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
    const std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>> since_1970(
        static_cast<std::int64_t>(ticks - filetime_unix_epoch));
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_1970));
  }

  std::chrono::steady_clock::time_point steady_now() override {
    LARGE_INTEGER counter;
    ::QueryPerformanceCounter(&counter);
    // Split to avoid overflowing counter * 1e9 for long uptimes.
    const std::int64_t seconds = counter.QuadPart / frequency_.QuadPart;
    const std::int64_t remainder = counter.QuadPart % frequency_.QuadPart;
    const std::chrono::nanoseconds ns(seconds * 1'000'000'000 + remainder * 1'000'000'000 / frequency_.QuadPart);
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(ns));
  }

  void sleep_for(std::chrono::milliseconds duration) override {
    const auto ms = std::clamp<std::int64_t>(duration.count(), 0, INFINITE - 1);
    ::Sleep(static_cast<DWORD>(ms));
  }

 private:
  LARGE_INTEGER frequency_{};
};

}  // namespace

std::unique_ptr<Clock> make_win32_clock() { return std::make_unique<Win32Clock>(); }

}  // namespace wsbkit::win32
