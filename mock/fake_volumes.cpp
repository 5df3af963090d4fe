#include "mock/fake_volumes.hpp"

#include "platform/text.hpp"

namespace wsbkit::mock {
namespace {

// Upper case, '\' separators, trailing '\': how the table keys and lookups compare.
std::string normalised(const std::string& path) {
  std::string out = to_upper_ascii(path);
  for (char& c : out) {
    if (c == '/') c = '\\';
  }
  if (out.empty() || out.back() != '\\') out += '\\';
  return out;
}

bool has_drive(const std::string& path) {
  return path.size() >= 2 && path[1] == ':' && ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
}

bool has_volume(const std::string& path) { return has_drive(path) || path.rfind("\\\\", 0) == 0; }

}  // namespace

// "\\?\VOLUME{A}\REST\" -> "<a mount point of A>REST\" when A is in the table; else unchanged.
std::string FakeVolumes::in_drive_form(const std::string& path) const {
  for (const auto& [mount, guid] : volumes_) {
    const std::string root = normalised(guid);
    if (path.compare(0, root.size(), root) == 0) return mount + path.substr(root.size());
  }
  return path;
}

Result<std::string> FakeVolumes::mount_point_of(const std::string& path) {
  std::lock_guard lock(mutex_);
  ++calls_;
  const std::string key = normalised(path);
  if (!has_volume(key)) return boot_volume_;  // documented: no drive or volume -> the boot volume
  for (const auto& [mount, guid] : volumes_) {
    const std::string root = normalised(guid);
    if (key.compare(0, root.size(), root) == 0) return guid.back() == '\\' ? guid : guid + "\\";
  }
  std::size_t best = 0;
  for (const auto& [mount, _] : volumes_) {
    if (mount.size() > best && key.compare(0, mount.size(), mount) == 0) best = mount.size();
  }
  if (best == 0) return Error::win32(win32_error::invalid_parameter, "GetVolumePathNameW", path, "no such volume");
  std::string mount_point = path.substr(0, best);
  for (char& c : mount_point) {
    if (c == '/') c = '\\';
  }
  if (mount_point.back() != '\\') mount_point += '\\';
  return mount_point;
}

Result<std::string> FakeVolumes::volume_guid_path(const std::string& mount_point) {
  std::lock_guard lock(mutex_);
  ++calls_;
  const auto it = volumes_.find(in_drive_form(normalised(mount_point)));
  if (it == volumes_.end()) {
    return Error::win32(win32_error::file_not_found, "GetVolumeNameForVolumeMountPointW", mount_point, "not a mount point");
  }
  return it->second;
}

Result<std::vector<std::string>> FakeVolumes::mount_points_of_volume(const std::string& volume_guid_path) {
  std::lock_guard lock(mutex_);
  ++calls_;
  if (mount_points_failure_ != 0) {
    return Error::win32(mount_points_failure_, "GetVolumePathNamesForVolumeNameW", volume_guid_path, "failure set by the test");
  }
  const std::string wanted = normalised(volume_guid_path);
  if (wanted.rfind("\\\\?\\VOLUME{", 0) != 0) {
    return Error::win32(win32_error::invalid_parameter, "GetVolumePathNamesForVolumeNameW", volume_guid_path, "not a volume name");
  }
  std::vector<std::string> mount_points;
  bool known = false;
  for (const auto& [mount, guid] : volumes_) {
    if (normalised(guid) != wanted) continue;
    known = true;
    mount_points.push_back(mount);
  }
  if (!known) return Error::win32(win32_error::file_not_found, "GetVolumePathNamesForVolumeNameW", volume_guid_path, "no such volume");
  return mount_points;
}

void FakeVolumes::add(const std::string& mount_point, const std::string& volume_guid_path) {
  std::lock_guard lock(mutex_);
  volumes_[normalised(mount_point)] = volume_guid_path;
}

void FakeVolumes::fail_mount_points_of_volume(std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  mount_points_failure_ = win32_code;
}

void FakeVolumes::set_boot_volume(const std::string& mount_point) {
  std::lock_guard lock(mutex_);
  boot_volume_ = mount_point;
}

std::size_t FakeVolumes::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

}  // namespace wsbkit::mock
