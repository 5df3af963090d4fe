// Volumes as a table: mount points ("C:\", "D:\Mounts\Data\") and their volume GUID paths. Like
// Windows, mount_point_of gives the deepest mount point that is a prefix of the path
// (case-insensitive, either separator); a path on no known mount point, or a mount point that is not
// in the table, is ERROR_INVALID_PARAMETER / ERROR_FILE_NOT_FOUND. Every call is counted.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "platform/volumes.hpp"

namespace wsbkit::mock {

class FakeVolumes final : public Volumes {
 public:
  Result<std::string> mount_point_of(const std::string& path) override;
  Result<std::string> volume_guid_path(const std::string& mount_point) override;

  // --- test controls ---
  void add(const std::string& mount_point, const std::string& volume_guid_path);
  std::size_t calls() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> volumes_;  // normalised mount point -> GUID path
  std::size_t calls_ = 0;
};

}  // namespace wsbkit::mock
