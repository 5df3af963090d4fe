// Factory of the Win32 digest facility (CNG: BCrypt). No Windows types.
#pragma once

#include <memory>

#include "platform/digests.hpp"

namespace wsbkit::win32 {

std::unique_ptr<Digests> make_win32_digests();

}  // namespace wsbkit::win32
