// Factory of the Win32 privilege facility (platform/privileges.hpp). No Windows types.
#pragma once

#include <memory>

#include "platform/privileges.hpp"

namespace wsbkit::win32 {

// AdjustTokenPrivileges / PrivilegeCheck on this process's token.
std::unique_ptr<Privileges> make_win32_privileges();

}  // namespace wsbkit::win32
