// Conversions between the COM ABI (LPWSTR, arrays, CoTaskMem) and the portable WSB types, shared
// by the server adapters and the client wrapper. Win32-only.
#pragma once

#include <cwchar>
#include <deque>
#include <new>
#include <string>
#include <vector>

#include "platform/win32/windows.hpp"

#include <objbase.h>
#include "platform/com/wsb_application.hpp"

namespace wsbkit::win32 {

inline OptionalString from_com(const wchar_t* s) {
  if (!s) return std::nullopt;
  return narrow(s);
}

inline StringArray from_com(const LPWSTR* items, DWORD count) {
  StringArray out;
  out.reserve(count);
  for (DWORD i = 0; i < count; ++i) out.push_back(from_com(items[i]));
  return out;
}

// Wide copies that stay alive for a call, with a NULL-preserving LPWSTR view of them.
class ComStrings {
 public:
  LPWSTR add(const OptionalString& s) {
    if (!s) return nullptr;
    storage_.push_back(widen(*s));
    return storage_.back().data();
  }
  std::vector<LPWSTR> add_all(const StringArray& items) {
    std::vector<LPWSTR> out;
    out.reserve(items.size());
    for (const auto& s : items) out.push_back(add(s));
    return out;
  }

 private:
  std::deque<std::wstring> storage_;  // deque: push_back never moves existing strings
};

// Frees a CoTaskMem array of CoTaskMem strings (either may be NULL).
inline void free_com_string_array(LPWSTR* items, DWORD count) {
  if (!items) return;
  for (DWORD i = 0; i < count; ++i) CoTaskMemFree(items[i]);
  CoTaskMemFree(items);
}

// A CoTaskMem copy of the array for an [out] parameter; NULL on allocation failure (nothing leaks).
inline LPWSTR* to_com_string_array(const StringArray& items) {
  const size_t count = items.size();
  auto* out = static_cast<LPWSTR*>(CoTaskMemAlloc(sizeof(LPWSTR) * (count ? count : 1)));
  if (!out) return nullptr;
  for (size_t i = 0; i < count; ++i) out[i] = nullptr;
  for (size_t i = 0; i < count; ++i) {
    if (!items[i]) continue;
    const std::wstring wide = widen(*items[i]);
    out[i] = static_cast<LPWSTR>(CoTaskMemAlloc((wide.size() + 1) * sizeof(wchar_t)));
    if (!out[i]) {
      free_com_string_array(out, static_cast<DWORD>(count));
      return nullptr;
    }
    std::wmemcpy(out[i], wide.c_str(), wide.size() + 1);
  }
  return out;
}

}  // namespace wsbkit::win32
