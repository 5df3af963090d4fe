// Volume facility: which volume a path lives on. CheckConsistency receives the volumes being
// backed up as volume GUID paths (\\?\Volume{GUID}\); a policy names drive paths (D:\Ledger\...)
// or folders where a volume is mounted. These two calls connect them. Paths are UTF-8 with '\'.
#pragma once

#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class Volumes {
 public:
  virtual ~Volumes() = default;
  // The root of the volume holding `path`, with a trailing '\': "D:\", or "D:\Mounts\Data\" for a
  // volume mounted in a folder (GetVolumePathNameW). The path itself need not exist.
  virtual Result<std::string> mount_point_of(const std::string& path) = 0;
  // "\\?\Volume{GUID}\" of a mount point as returned above (GetVolumeNameForVolumeMountPointW);
  // ERROR_FILE_NOT_FOUND / ERROR_INVALID_PARAMETER style errors when it is not a mount point.
  virtual Result<std::string> volume_guid_path(const std::string& mount_point) = 0;
};

}  // namespace wsbkit
