// Factory of the Win32 environment facility (platform/environment.hpp). No Windows types.
#pragma once

#include <memory>

#include "platform/environment.hpp"

namespace wsbkit::win32 {

// ExpandEnvironmentStringsW on this process's environment.
std::unique_ptr<Environment> make_win32_environment();

}  // namespace wsbkit::win32
