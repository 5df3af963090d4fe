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

}  // namespace

Result<std::string> FakeVolumes::mount_point_of(const std::string& path) {
  std::lock_guard lock(mutex_);
  ++calls_;
  const std::string key = normalised(path);
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
  const auto it = volumes_.find(normalised(mount_point));
  if (it == volumes_.end()) {
    return Error::win32(win32_error::file_not_found, "GetVolumeNameForVolumeMountPointW", mount_point, "not a mount point");
  }
  return it->second;
}

void FakeVolumes::add(const std::string& mount_point, const std::string& volume_guid_path) {
  std::lock_guard lock(mutex_);
  volumes_[normalised(mount_point)] = volume_guid_path;
}

std::size_t FakeVolumes::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

}  // namespace wsbkit::mock
