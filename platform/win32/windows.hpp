// The ONE place in wsbkit that includes <windows.h>. Must contain only Win32-specific code and be
// included only by files under platform/win32/ (and src/addin, src/ps).
//
// Provides:
//  - unique_any<Traits>: one RAII template for every handle type (WIL's unique_any design), with
//    unique_hkey, unique_handle, unique_file_handle, unique_sc_handle, unique_find_handle,
//    unique_event_source built from it;
//  - win32_error / last_error: a Win32 code (LSTATUS or GetLastError()) turned into wsbkit::Error
//    with the failing API, the object and the system's message text (FormatMessageW, UTF-8);
//  - widen / narrow: UTF-8 <-> std::wstring for the W APIs.
#pragma once

// The build sets these for every Windows compile; repeated here so this header is self-contained.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef UNICODE
#define UNICODE
#endif
#include <windows.h>

#include <string>
#include <string_view>
#include <utility>

#include "platform/error.hpp"

namespace wsbkit::win32 {

// Traits: `type` (the handle type), `invalid()` (the value meaning "no handle"), `close(type)`.
template <class Traits>
class unique_any {
 public:
  using pointer = typename Traits::type;

  unique_any() noexcept = default;
  explicit unique_any(pointer h) noexcept : handle_(h) {}
  unique_any(const unique_any&) = delete;
  unique_any& operator=(const unique_any&) = delete;
  unique_any(unique_any&& other) noexcept : handle_(other.release()) {}
  unique_any& operator=(unique_any&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~unique_any() { reset(); }

  pointer get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != Traits::invalid(); }
  pointer release() noexcept { return std::exchange(handle_, Traits::invalid()); }
  void reset(pointer h = Traits::invalid()) noexcept {
    const pointer old = std::exchange(handle_, h);
    if (old != Traits::invalid()) Traits::close(old);
  }
  // For out-parameters (`RegOpenKeyExW(..., key.put())`): closes the current handle first.
  pointer* put() noexcept {
    reset();
    return &handle_;
  }

 private:
  pointer handle_ = Traits::invalid();
};

namespace handle_traits {
struct hkey {
  using type = HKEY;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::RegCloseKey(h); }
};
// Most kernel handles use NULL for "none"...
struct kernel_handle {
  using type = HANDLE;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::CloseHandle(h); }
};
// ...but CreateFileW returns INVALID_HANDLE_VALUE.
struct file_handle {
  using type = HANDLE;
  static type invalid() noexcept { return INVALID_HANDLE_VALUE; }
  static void close(type h) noexcept { ::CloseHandle(h); }
};
struct find_handle {
  using type = HANDLE;
  static type invalid() noexcept { return INVALID_HANDLE_VALUE; }
  static void close(type h) noexcept { ::FindClose(h); }
};
struct sc_handle {
  using type = SC_HANDLE;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::CloseServiceHandle(h); }
};
struct event_source {
  using type = HANDLE;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::DeregisterEventSource(h); }
};
}  // namespace handle_traits

using unique_hkey = unique_any<handle_traits::hkey>;
using unique_handle = unique_any<handle_traits::kernel_handle>;
using unique_file_handle = unique_any<handle_traits::file_handle>;
using unique_find_handle = unique_any<handle_traits::find_handle>;
using unique_sc_handle = unique_any<handle_traits::sc_handle>;
using unique_event_source = unique_any<handle_traits::event_source>;

// UTF-8 <-> UTF-16 for the W APIs (wchar_t is 16-bit on Windows).
std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view utf16);

// The system's text for a Win32 code ("Access is denied."), UTF-8, without the trailing newline;
// empty if the system has none.
std::string system_message(DWORD code);

// A Win32 code returned by an API (LSTATUS, DWORD) as wsbkit::Error.
Error win32_error(DWORD code, std::string api, std::string object = {});
// GetLastError() as wsbkit::Error; call it right after the failing API.
Error last_error(std::string api, std::string object = {});

}  // namespace wsbkit::win32
