// Win32 file security backend: must contain only Win32-specific code. Reads the owner and DACL of
// the file and of every folder above its final path (GetNamedSecurityInfoW), converts them to the
// portable ObjectSecurity and applies the portable rule (platform/file_security.cpp), trusting
// also the account this process runs as. Names come from LookupAccountSidW.
#include <aclapi.h>
#include <sddl.h>

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

struct local_memory {
  using type = HLOCAL;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::LocalFree(h); }
};
using unique_local = unique_any<local_memory>;

std::string sid_string(PSID sid) {
  wchar_t* text = nullptr;
  if (!sid || !::ConvertSidToStringSidW(sid, &text)) return {};
  unique_local owned(text);
  return narrow(text);
}

// "DOMAIN\name" (or "name" when the domain is empty), or "" when the SID has no name.
std::string account_name(const std::string& sid_text) {
  PSID sid = nullptr;
  if (!::ConvertStringSidToSidW(widen(sid_text).c_str(), &sid)) return {};
  unique_local owned(sid);
  wchar_t name[256], domain[256];
  DWORD name_size = 256, domain_size = 256;
  SID_NAME_USE use;
  if (!::LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) return {};
  return domain_size > 0 ? narrow(domain) + "\\" + narrow(name) : narrow(name);
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

// The path with links resolved (so the folders checked are the real ones), without "\\?\".
Result<std::string> final_path(const std::string& path) {
  unique_file_handle file(::CreateFileW(widen(path).c_str(), FILE_READ_ATTRIBUTES,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!file) return last_error("CreateFileW", path);
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = ::GetFinalPathNameByHandleW(file.get(), buffer.data(), static_cast<DWORD>(buffer.size()),
                                                FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n == 0) break;  // not supported for this file system: the full path instead
    if (n < buffer.size()) {
      buffer.resize(n);
      std::string resolved = narrow(buffer);
      if (resolved.rfind("\\\\?\\UNC\\", 0) == 0) return "\\\\" + resolved.substr(8);
      if (resolved.rfind("\\\\?\\", 0) == 0) return resolved.substr(4);
      return resolved;
    }
    buffer.resize(n);
  }
  const DWORD n = ::GetFullPathNameW(widen(path).c_str(), 0, nullptr, nullptr);
  std::wstring full(n, L'\0');
  const DWORD written = ::GetFullPathNameW(widen(path).c_str(), n, full.data(), nullptr);
  if (written == 0 || written >= n) return last_error("GetFullPathNameW", path);
  full.resize(written);
  return narrow(full);
}

Result<ObjectSecurity> read_security(const std::string& path) {
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const DWORD code = ::GetNamedSecurityInfoW(widen(path).c_str(), SE_FILE_OBJECT,
                                             OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, nullptr,
                                             &dacl, nullptr, &descriptor);
  if (code != ERROR_SUCCESS) return win32_error(code, "GetNamedSecurityInfoW", path);
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
      ace.type = header->AceType;
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

class Win32FileSecurity final : public FileSecurity {
 public:
  Result<std::vector<UntrustedWriter>> untrusted_writers(const std::string& path, FileRole role) override {
    auto own = process_user_sid();
    if (!own) return own.error();
    auto resolved = final_path(path);
    if (!resolved) return resolved.error();
    std::vector<ObjectSecurity> chain;
    auto file = read_security(*resolved);
    if (!file) return file.error();
    chain.push_back(std::move(*file));
    for (const std::string& folder : windows_parent_folders(*resolved)) {
      auto security = read_security(folder);
      if (!security) return security.error();
      chain.push_back(std::move(*security));
    }
    std::vector<UntrustedWriter> writers = untrusted_writers_in(chain, role, {*own});
    for (UntrustedWriter& w : writers) {
      if (std::string name = account_name(w.sid); !name.empty()) w.principal = std::move(name);
    }
    return writers;
  }
};

}  // namespace

std::unique_ptr<FileSecurity> make_win32_file_security() { return std::make_unique<Win32FileSecurity>(); }

}  // namespace wsbkit::win32
