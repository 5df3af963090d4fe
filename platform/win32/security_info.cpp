// Win32 security descriptor reading (security_info.hpp): must contain only Win32-specific code.
#include "platform/win32/security_info.hpp"

#include <aclapi.h>
#include <sddl.h>

#include <cstdint>
#include <vector>

namespace wsbkit::win32 {

std::string sid_string(PSID sid) {
  wchar_t* text = nullptr;
  if (!sid || !::ConvertSidToStringSidW(sid, &text)) return {};
  unique_local owned(text);
  return narrow(text);
}

Result<ObjectSecurity> read_security(HANDLE handle, const std::string& path) {
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const DWORD code = ::GetSecurityInfo(handle, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                       &owner, nullptr, &dacl, nullptr, &descriptor);
  if (code != ERROR_SUCCESS) return win32_error(code, "GetSecurityInfo", path);
  unique_local owned(descriptor);
  ObjectSecurity security;
  security.path = path;
  security.owner_sid = sid_string(owner);
  if (dacl) {
    std::vector<FileAce> aces;
    for (DWORD i = 0; i < dacl->AceCount; ++i) {
      void* raw = nullptr;
      if (!::GetAce(dacl, i, &raw)) return last_error("GetAce", path);
      const auto* header = static_cast<const ACE_HEADER*>(raw);
      FileAce ace;
      ace.type = header->AceType;  // a type the rule does not know refuses the object (fail closed)
      ace.flags = header->AceFlags;
      // Allowed, denied and their callback forms share the layout header, mask, SID.
      if (header->AceType == ACCESS_ALLOWED_ACE_TYPE || header->AceType == ACCESS_DENIED_ACE_TYPE ||
          header->AceType == ACCESS_ALLOWED_CALLBACK_ACE_TYPE || header->AceType == ACCESS_DENIED_CALLBACK_ACE_TYPE) {
        const auto* allowed = static_cast<const ACCESS_ALLOWED_ACE*>(raw);
        ace.mask = allowed->Mask;
        ace.sid = sid_string(const_cast<DWORD*>(&allowed->SidStart));
      }
      aces.push_back(std::move(ace));
    }
    security.dacl = std::move(aces);
  }
  return security;
}

Result<std::string> process_user_sid() {
  HANDLE raw = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &raw)) return last_error("OpenProcessToken");
  unique_handle token(raw);
  DWORD needed = 0;
  ::GetTokenInformation(token.get(), TokenUser, nullptr, 0, &needed);
  std::vector<std::uint8_t> buffer(needed);
  if (!::GetTokenInformation(token.get(), TokenUser, buffer.data(), needed, &needed)) {
    return last_error("GetTokenInformation", "TokenUser");
  }
  return sid_string(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid);
}

}  // namespace wsbkit::win32
