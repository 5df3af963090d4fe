// Volumes as a table: mount points ("C:\", "D:\Mounts\Data\") and their volume GUID paths,
// answering as GetVolumePathNameW / GetVolumeNameForVolumeMountPointW do on Windows:
//  - mount_point_of gives the deepest mount point that is a prefix of the path (case-insensitive,
//    either separator), whether or not the path exists;
//  - a path with no drive or volume (relative, or rooted like "\Ledger") gives the boot volume
//    ("C:\" unless set_boot_volume says otherwise), as the documentation says;
//  - a \\?\Volume{GUID}\ path gives its volume's GUID root; volume_guid_path accepts a mounted
//    folder named through its parent's GUID path too (\\?\Volume{A}\Mounts\Data\);
//  - a path on a drive that is not in the table is ERROR_INVALID_PARAMETER, a folder that is no
//    mount point ERROR_FILE_NOT_FOUND;
//  - mount_points_of_volume lists the table's mount points of a GUID path (upper case, trailing '\',
//    sorted); a name that is no \\?\Volume{...}\ path is ERROR_INVALID_PARAMETER, an unknown volume
//    ERROR_FILE_NOT_FOUND; fail_mount_points_of_volume makes every such call fail.
// Every call is counted.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/volumes.hpp"

namespace wsbkit::mock {

class FakeVolumes final : public Volumes {
 public:
  Result<std::string> mount_point_of(const std::string& path) override;
  Result<std::string> volume_guid_path(const std::string& mount_point) override;
  Result<std::vector<std::string>> mount_points_of_volume(const std::string& volume_guid_path) override;

  // --- test controls ---
  void add(const std::string& mount_point, const std::string& volume_guid_path);
  void set_boot_volume(const std::string& mount_point);
  void fail_mount_points_of_volume(std::uint32_t win32_code);  // as GetVolumePathNamesForVolumeNameW may
  std::size_t calls() const;

 private:
  std::string in_drive_form(const std::string& normalised_path) const;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> volumes_;  // normalised mount point -> GUID path
  std::string boot_volume_ = "C:\\";
  std::size_t calls_ = 0;
  std::uint32_t mount_points_failure_ = 0;
};

}  // namespace wsbkit::mock
