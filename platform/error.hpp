// The one error type of wsbkit, and the one result type.
// Portable: no Windows types. An Error carries either a Win32 error code or an HRESULT, the API
// that failed and the object it failed on (a registry key, a service, a file), and the system's
// message text when the backend could get it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace wsbkit {

using Hresult = std::int32_t;  // Windows `long` is 32-bit: an HRESULT is always int32.

// Win32 error codes the portable code reasons about (values from winerror.h).
namespace win32_error {
inline constexpr std::uint32_t success = 0;
inline constexpr std::uint32_t file_not_found = 2;
inline constexpr std::uint32_t path_not_found = 3;
inline constexpr std::uint32_t access_denied = 5;
inline constexpr std::uint32_t invalid_handle = 6;
inline constexpr std::uint32_t not_enough_memory = 8;
inline constexpr std::uint32_t invalid_data = 13;
inline constexpr std::uint32_t write_fault = 29;
inline constexpr std::uint32_t sharing_violation = 32;
inline constexpr std::uint32_t lock_violation = 33;
inline constexpr std::uint32_t handle_eof = 38;
inline constexpr std::uint32_t file_exists = 80;
inline constexpr std::uint32_t invalid_parameter = 87;
inline constexpr std::uint32_t insufficient_buffer = 122;
inline constexpr std::uint32_t dir_not_empty = 145;
inline constexpr std::uint32_t bad_pathname = 161;
inline constexpr std::uint32_t busy = 170;
inline constexpr std::uint32_t already_exists = 183;
inline constexpr std::uint32_t more_data = 234;
inline constexpr std::uint32_t no_more_items = 259;
inline constexpr std::uint32_t timeout = 1460;
inline constexpr std::uint32_t key_deleted = 1018;
inline constexpr std::uint32_t invalid_acl = 1336;
inline constexpr std::uint32_t service_does_not_exist = 1060;
inline constexpr std::uint32_t service_not_active = 1062;
inline constexpr std::uint32_t service_already_running = 1056;
inline constexpr std::uint32_t service_exists = 1073;
inline constexpr std::uint32_t service_marked_for_delete = 1072;
inline constexpr std::uint32_t dependent_services_running = 1051;
inline constexpr std::uint32_t service_request_timeout = 1053;
inline constexpr std::uint32_t service_specific_error = 1066;  // the service's own code says why
}  // namespace win32_error

// HRESULTs, including the WSBAPP_* codes (wsbapperror.h, FACILITY_WSBAPP = 122).
// Lower-case names: windows.h defines S_OK & co. as macros.
namespace hr {
inline constexpr Hresult ok = 0;
inline constexpr Hresult s_false = 1;
inline constexpr Hresult e_notimpl = static_cast<Hresult>(0x80004001u);
inline constexpr Hresult e_nointerface = static_cast<Hresult>(0x80004002u);
inline constexpr Hresult e_pointer = static_cast<Hresult>(0x80004003u);
inline constexpr Hresult e_abort = static_cast<Hresult>(0x80004004u);
inline constexpr Hresult e_fail = static_cast<Hresult>(0x80004005u);
inline constexpr Hresult e_unexpected = static_cast<Hresult>(0x8000FFFFu);
inline constexpr Hresult e_accessdenied = static_cast<Hresult>(0x80070005u);
inline constexpr Hresult e_outofmemory = static_cast<Hresult>(0x8007000Eu);
inline constexpr Hresult e_invalidarg = static_cast<Hresult>(0x80070057u);
inline constexpr Hresult class_e_noaggregation = static_cast<Hresult>(0x80040110u);
inline constexpr Hresult class_e_classnotavailable = static_cast<Hresult>(0x80040111u);
inline constexpr Hresult regdb_e_classnotreg = static_cast<Hresult>(0x80040154u);
inline constexpr Hresult co_e_server_exec_failure = static_cast<Hresult>(0x80080005u);
inline constexpr Hresult co_e_server_stopping = static_cast<Hresult>(0x80080008u);  // a local server refusing objects while it stops
inline constexpr Hresult rpc_s_server_unavailable = static_cast<Hresult>(0x800706BAu);
inline constexpr Hresult rpc_x_bad_stub_data = static_cast<Hresult>(0x800706F7u);
inline constexpr Hresult rpc_s_invalid_bound = static_cast<Hresult>(0x800706C6u);

inline constexpr Hresult wsbapp_e_component_consistency_check_failed = static_cast<Hresult>(0x807A0001u);
inline constexpr Hresult wsbapp_e_component_pre_restore_failed = static_cast<Hresult>(0x807A0002u);
inline constexpr Hresult wsbapp_e_component_post_restore_failed = static_cast<Hresult>(0x807A0003u);
inline constexpr Hresult wsbapp_async_in_progress = 0x007A0004;
// Older documentation gives 0x407A0004; a client must read both as "still running".
inline constexpr Hresult wsbapp_async_in_progress_legacy = 0x407A0004;

inline constexpr bool succeeded(Hresult h) { return h >= 0; }
inline constexpr bool failed(Hresult h) { return h < 0; }
inline constexpr Hresult from_win32(std::uint32_t code) {
  return code == 0 ? ok : static_cast<Hresult>((code & 0xFFFFu) | 0x80070000u);
}
// "0x80070005": how every message and log line spells an HRESULT.
std::string to_hex(Hresult h);
// Symbolic name when wsbkit knows it ("E_POINTER"), otherwise the hex spelling.
std::string name(Hresult h);
}  // namespace hr

class Error {
 public:
  enum class Kind { win32, hresult };

  static Error win32(std::uint32_t code, std::string api, std::string object = {},
                     std::string system_message = {});
  static Error hresult(Hresult code, std::string api, std::string object = {},
                       std::string system_message = {});

  Kind kind() const { return kind_; }
  // The Win32 code; for an HRESULT of FACILITY_WIN32 the code inside it, else 0.
  std::uint32_t win32_code() const;
  // The HRESULT; a Win32 code is mapped with HRESULT_FROM_WIN32.
  Hresult hresult_code() const;
  bool is_win32(std::uint32_t code) const { return win32_code() == code && code != 0; }

  const std::string& api() const { return api_; }
  const std::string& object() const { return object_; }
  const std::string& system_message() const { return system_message_; }

  // "RegCreateKeyExW(HKLM\SOFTWARE\x): error 5: Access is denied."
  std::string message() const;

 private:
  Error(Kind kind, std::uint32_t code, std::string api, std::string object, std::string text);
  Kind kind_;
  std::uint32_t code_;  // Win32 code or the HRESULT's bits
  std::string api_;
  std::string object_;
  std::string system_message_;
};

// Thrown only inside portable code that prefers exceptions (CLI commands); COM adapters and
// platform backends return Result instead.
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error e) : std::runtime_error(e.message()), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { check(); return std::get<0>(state_); }
  const T& value() const& { check(); return std::get<0>(state_); }
  // By value: `for (auto& x : f().value())` must not bind to a destroyed temporary.
  T value() && { check(); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  void check() const { if (!ok()) throw ErrorException(std::get<1>(state_)); }
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  void value() const { if (error_) throw ErrorException(*error_); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Result<void> success() { return {}; }

}  // namespace wsbkit
