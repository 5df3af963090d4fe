#include "platform/error.hpp"

#include <cstdio>

namespace wsbkit {

namespace hr {
std::string to_hex(Hresult h) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(h));
  return buf;
}

std::string name(Hresult h) {
  switch (h) {
    case ok: return "S_OK";
    case s_false: return "S_FALSE";
    case e_notimpl: return "E_NOTIMPL";
    case e_nointerface: return "E_NOINTERFACE";
    case e_pointer: return "E_POINTER";
    case e_abort: return "E_ABORT";
    case e_fail: return "E_FAIL";
    case e_unexpected: return "E_UNEXPECTED";
    case e_accessdenied: return "E_ACCESSDENIED";
    case e_outofmemory: return "E_OUTOFMEMORY";
    case e_invalidarg: return "E_INVALIDARG";
    case regdb_e_classnotreg: return "REGDB_E_CLASSNOTREG";
    case co_e_server_exec_failure: return "CO_E_SERVER_EXEC_FAILURE";
    case co_e_server_stopping: return "CO_E_SERVER_STOPPING";
    case rpc_s_server_unavailable: return "RPC_S_SERVER_UNAVAILABLE";
    case rpc_x_bad_stub_data: return "RPC_X_BAD_STUB_DATA";
    case rpc_s_invalid_bound: return "RPC_S_INVALID_BOUND";
    case wsbapp_e_component_consistency_check_failed: return "WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED";
    case wsbapp_e_component_pre_restore_failed: return "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED";
    case wsbapp_e_component_post_restore_failed: return "WSBAPP_E_COMPONENT_POST_RESTORE_FAILED";
    case wsbapp_async_in_progress: return "WSBAPP_ASYNC_IN_PROGRESS";
    default: return to_hex(h);
  }
}
}  // namespace hr

Error::Error(Kind kind, std::uint32_t code, std::string api, std::string object, std::string text)
    : kind_(kind), code_(code), api_(std::move(api)), object_(std::move(object)),
      system_message_(std::move(text)) {}

Error Error::win32(std::uint32_t code, std::string api, std::string object, std::string text) {
  return Error(Kind::win32, code, std::move(api), std::move(object), std::move(text));
}

Error Error::hresult(Hresult code, std::string api, std::string object, std::string text) {
  return Error(Kind::hresult, static_cast<std::uint32_t>(code), std::move(api), std::move(object),
               std::move(text));
}

std::uint32_t Error::win32_code() const {
  if (kind_ == Kind::win32) return code_;
  if ((code_ & 0xFFFF0000u) == 0x80070000u) return code_ & 0xFFFFu;
  return 0;
}

Hresult Error::hresult_code() const {
  return kind_ == Kind::win32 ? hr::from_win32(code_) : static_cast<Hresult>(code_);
}

std::string Error::message() const {
  std::string out = api_;
  if (!object_.empty()) out += "(" + object_ + ")";
  out += kind_ == Kind::win32 ? ": error " + std::to_string(code_) : ": " + hr::name(hresult_code());
  if (!system_message_.empty()) out += ": " + system_message_;
  return out;
}

}  // namespace wsbkit
