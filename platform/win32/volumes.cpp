// Win32 volume facility: must contain only Win32-specific code.
#include <cwchar>
#include <vector>

#include "platform/win32/volumes_backend.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

std::string with_trailing_backslash(std::string s) {
  if (s.empty() || s.back() != '\\') s += '\\';
  return s;
}

class Win32Volumes final : public Volumes {
 public:
  Result<std::string> mount_point_of(const std::string& path) override {
    std::wstring wide = widen(path);
    for (auto& c : wide) {
      if (c == L'/') c = L'\\';
    }
    // The mount point is never longer than the full form of the path (a relative or drive-less
    // path resolves to the boot volume, longer than the path itself): size as GetVolumePathNameW's
    // documentation says, with GetFullPathNameW (the count includes the terminator).
    const DWORD full = ::GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
    if (full == 0) return last_error("GetFullPathNameW", path);
    std::vector<wchar_t> buffer(static_cast<std::size_t>(full) + 2, L'\0');
    if (!::GetVolumePathNameW(wide.c_str(), buffer.data(), static_cast<DWORD>(buffer.size()))) {
      return last_error("GetVolumePathNameW", path);
    }
    return with_trailing_backslash(narrow(buffer.data()));
  }

  Result<std::string> volume_guid_path(const std::string& mount_point) override {
    const std::wstring wide = widen(with_trailing_backslash(mount_point));
    wchar_t name[MAX_PATH + 1] = {};
    if (!::GetVolumeNameForVolumeMountPointW(wide.c_str(), name, MAX_PATH)) {
      return last_error("GetVolumeNameForVolumeMountPointW", mount_point);
    }
    return with_trailing_backslash(narrow(name));
  }

  Result<std::vector<std::string>> mount_points_of_volume(const std::string& volume_guid_path) override {
    const std::wstring wide = widen(with_trailing_backslash(volume_guid_path));
    std::vector<wchar_t> names(MAX_PATH + 1, L'\0');
    DWORD needed = 0;
    while (!::GetVolumePathNamesForVolumeNameW(wide.c_str(), names.data(), static_cast<DWORD>(names.size()), &needed)) {
      if (::GetLastError() != ERROR_MORE_DATA || needed <= names.size()) {
        return last_error("GetVolumePathNamesForVolumeNameW", volume_guid_path);
      }
      names.assign(needed, L'\0');
    }
    // A list of NUL-terminated names ending with an empty one.
    std::vector<std::string> mount_points;
    for (const wchar_t* name = names.data(); *name; name += std::wcslen(name) + 1) {
      mount_points.push_back(with_trailing_backslash(narrow(name)));
    }
    return mount_points;
  }
};

}  // namespace

std::unique_ptr<Volumes> make_win32_volumes() { return std::make_unique<Win32Volumes>(); }

}  // namespace wsbkit::win32
