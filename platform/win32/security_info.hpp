// Reading Win32 security descriptors into the portable ObjectSecurity (platform/file_security.hpp):
// must contain only Win32-specific code. One implementation for the file security backend and the
// protected state folder backend.
#pragma once

#include <string>

#include "platform/file_security.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {

// Memory the security APIs hand back with LocalAlloc.
struct local_memory {
  using type = HLOCAL;
  static type invalid() noexcept { return nullptr; }
  static void close(type h) noexcept { ::LocalFree(h); }
};
using unique_local = unique_any<local_memory>;

// "S-1-5-18"; "" for a null or unconvertible SID.
std::string sid_string(PSID sid);

// Owner and DACL of an open handle (GetSecurityInfo: never by path). Every ACE keeps its type and
// flags; allowed/denied (and their callback forms) also their mask and SID. A type the portable rule
// does not know makes the rule refuse the object (fail closed).
Result<ObjectSecurity> read_security(HANDLE handle, const std::string& path);

// The SID of the account this process runs as.
Result<std::string> process_user_sid();

}  // namespace wsbkit::win32
