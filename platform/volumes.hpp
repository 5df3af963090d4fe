// Volume facility: which volume a path lives on. CheckConsistency receives the volumes being
// backed up as volume GUID paths (\\?\Volume{GUID}\); a policy names drive paths (D:\Ledger\...)
// or folders where a volume is mounted. These two calls connect them. Paths are UTF-8 with '\'.
#pragma once

#include <string>
#include <vector>

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
  // Every drive root and folder where the volume "\\?\Volume{GUID}\" is mounted, each with a
  // trailing '\' (GetVolumePathNamesForVolumeNameW): what a check needs to know, once, to find a
  // mounted folder inside another volume. Empty for a volume mounted nowhere; an error for a name
  // that is no volume.
  virtual Result<std::vector<std::string>> mount_points_of_volume(const std::string& volume_guid_path) = 0;
};

}  // namespace wsbkit
