// Factory of the Win32 volume facility (platform/volumes.hpp). No Windows types.
#pragma once

#include <memory>

#include "platform/volumes.hpp"

namespace wsbkit::win32 {

// GetVolumePathNameW / GetVolumeNameForVolumeMountPointW.
std::unique_ptr<Volumes> make_win32_volumes();

}  // namespace wsbkit::win32
