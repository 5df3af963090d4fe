#include "core/consistency/snapshot_paths.hpp"

#include <cctype>

#include "platform/text.hpp"

namespace wsbkit::consistency {
namespace {

bool is_separator(char c) { return c == '\\' || c == '/'; }

// Upper case with '\' separators: how Windows compares volume and mount point paths.
std::string comparable(const std::string& path) {
  std::string out = to_upper_ascii(path);
  for (char& c : out) {
    if (c == '/') c = '\\';
  }
  return out;
}

// The directory part of `path` before its first component holding a wildcard.
std::string wildcard_free_prefix(const std::string& path) {
  // Skip the \\?\ prefix of a GUID path: its '?' is not a wildcard.
  const std::size_t start = path.compare(0, 4, "\\\\?\\") == 0 || path.compare(0, 4, "//?/") == 0 ? 4 : 0;
  const std::size_t wildcard = path.find_first_of("*?", start);
  if (wildcard == std::string::npos) return path;
  const std::size_t cut = path.find_last_of("\\/", wildcard);
  return cut == std::string::npos ? std::string() : path.substr(0, cut + 1);
}

// "\\?\D:\x" -> "D:\x": the prefix only turns off Win32 path parsing; the volume is the same.
// Volume GUID paths (\\?\Volume{...}\) keep theirs: it is part of their name.
std::string without_long_path_prefix(const std::string& path) {
  const bool prefixed = path.compare(0, 4, "\\\\?\\") == 0 || path.compare(0, 4, "//?/") == 0;
  if (prefixed && path.size() >= 6 && path[5] == ':' && std::isalpha(static_cast<unsigned char>(path[4]))) {
    return path.substr(4);
  }
  return path;
}

// True when `mount_point` is `path`'s leading components (case-insensitive, either separator):
// only then may the path be cut by the mount point's length. A mount point in another spelling
// (a short name, a junction's target volume) is not cut by text.
bool is_leading_components(const std::string& mount_point, const std::string& path) {
  const std::string mount = comparable(with_trailing_separator(mount_point));
  const std::string live = comparable(path) + "\\";
  return live.compare(0, mount.size(), mount) == 0;
}

// "\Ledger\x" (or "/Ledger/x"): rooted, yet with no drive and not a UNC or \\?\ path.
bool is_rooted_without_drive(const std::string& path) {
  return !path.empty() && is_separator(path[0]) && (path.size() == 1 || !is_separator(path[1]));
}

bool is_drive_root_form(const std::string& mount_point) {
  return mount_point.size() >= 2 && mount_point[1] == ':' && std::isalpha(static_cast<unsigned char>(mount_point[0]));
}

}  // namespace

char separator_of(const std::string& root) {
  return root.find('/') != std::string::npos && root.find('\\') == std::string::npos ? '/' : '\\';
}

std::string with_trailing_separator(std::string path) {
  if (path.empty() || !is_separator(path.back())) path += separator_of(path);
  return path;
}

std::string without_trailing_separator(std::string path) {
  while (path.size() > 1 && is_separator(path.back())) path.pop_back();
  return path;
}

std::string parent_directory(const std::string& path) {
  const std::size_t cut = path.find_last_of("\\/");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

Result<std::string> join_below(const std::string& base, const std::string& relative) {
  const char sep = separator_of(base);
  std::vector<std::string_view> parts;  // views into `relative`: one allocation for the answer
  std::size_t begin = 0;
  while (begin <= relative.size()) {
    std::size_t end = begin;
    while (end < relative.size() && !is_separator(relative[end])) ++end;
    const std::string_view part(relative.data() + begin, end - begin);
    if (part == "..") {
      if (parts.empty()) {
        return Error::win32(win32_error::access_denied, "map to snapshot", relative,
                            "'..' leads out of " + base + ": only the snapshot may be read");
      }
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    begin = end + 1;
  }
  std::string out = with_trailing_separator(base);
  out.reserve(out.size() + relative.size() + 1);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  if (!parts.empty() && !relative.empty() && is_separator(relative.back())) out += sep;
  return out;
}

Result<std::string> SnapshotPaths::resolved_source(const std::string& mount_point) {
  const std::string key = comparable(mount_point);
  if (auto it = guid_of_mount_point_.find(key); it != guid_of_mount_point_.end()) return it->second;
  auto guid = volumes_.volume_guid_path(mount_point);
  if (!guid) return guid.error();
  guid_of_mount_point_[key] = *guid;
  return *guid;
}

// A rooted path without a drive is on the current drive, as Win32 resolves it: for the add-in (a
// SYSTEM process started in %SystemRoot%\system32) the system volume. GetVolumePathNameW answers
// that drive's mount point ("C:\"); the path is then mapped as "C:\Ledger\x".
Result<std::string> SnapshotPaths::with_current_drive(const std::string& rooted_path) {
  auto mount_point = volumes_.mount_point_of(wildcard_free_prefix(rooted_path));
  if (!mount_point) return mount_point.error();
  if (!is_drive_root_form(*mount_point)) {
    return Error::win32(win32_error::path_not_found, "map to snapshot", rooted_path,
                        "a path without a drive is on the current drive, yet its volume answered " + *mount_point);
  }
  return mount_point->substr(0, 2) + rooted_path;
}

Result<std::string> SnapshotPaths::to_snapshot(const std::string& given_path) {
  if (is_rooted_without_drive(given_path)) {
    auto on_drive = with_current_drive(given_path);
    if (!on_drive) return on_drive.error();
    return to_snapshot(*on_drive);
  }
  const std::string live_path = without_long_path_prefix(given_path);
  const std::string live = comparable(live_path);
  // 1. Directly under a given source path (the longest one, for volumes mounted in folders).
  const VolumePair* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& pair : pairs_) {
    const std::string source = comparable(with_trailing_separator(pair.source));
    const bool match = live.compare(0, source.size(), source) == 0 || live + "\\" == source;
    if (match && source.size() > best_length) {
      best = &pair;
      best_length = source.size();
    }
  }
  if (best) {
    const std::string rest = best_length < live_path.size() ? live_path.substr(best_length) : std::string();
    return join_below(best->snapshot, rest);
  }
  // 2. A drive path (or mounted folder): its volume's GUID path among the sources.
  std::string listed;
  for (const auto& pair : pairs_) listed += (listed.empty() ? "" : ", ") + pair.source;
  const auto not_backed_up = [&](const std::string& why) {
    return Error::win32(win32_error::path_not_found, "map to snapshot", live_path,
                        "the path is on no volume being backed up (" + why + "; volumes: " +
                            (listed.empty() ? std::string("none") : listed) + ")");
  };
  auto mount_point = volumes_.mount_point_of(wildcard_free_prefix(live_path));
  if (!mount_point) return not_backed_up("its volume is unknown: " + mount_point.error().message());
  if (!is_leading_components(*mount_point, live_path)) {
    return not_backed_up("its volume's mount point " + *mount_point + " does not begin the path (a path without a drive, "
                         "a short name or a link in the mount point's place)");
  }
  auto guid = resolved_source(*mount_point);
  if (!guid) return not_backed_up("its volume is unknown: " + guid.error().message());
  const std::string wanted = comparable(with_trailing_separator(*guid));
  for (const auto& pair : pairs_) {
    if (comparable(with_trailing_separator(pair.source)) == wanted) {
      const std::string rest = mount_point->size() < live_path.size() ? live_path.substr(mount_point->size()) : "";
      return join_below(pair.snapshot, rest);
    }
  }
  return not_backed_up("it is on " + *guid);
}

}  // namespace wsbkit::consistency

namespace wsbkit::consistency {

Result<std::optional<std::string>> SnapshotPaths::mounted_volume_snapshot(const std::string& snapshot_path) {
  const std::string wanted = comparable(snapshot_path) + "\\";
  const VolumePair* holder = nullptr;
  for (const auto& pair : pairs_) {
    const std::string root = comparable(with_trailing_separator(pair.snapshot));
    if (wanted.compare(0, root.size(), root) == 0 && (!holder || pair.snapshot.size() > holder->snapshot.size())) holder = &pair;
  }
  if (!holder) return std::optional<std::string>();
  std::string live = with_trailing_separator(holder->source) + snapshot_path.substr(with_trailing_separator(holder->snapshot).size());
  for (char& c : live) {
    if (c == '/') c = '\\';
  }
  auto guid = volumes_.volume_guid_path(with_trailing_separator(live));
  if (!guid) return std::optional<std::string>();  // no mount point: a junction or a link
  const std::string mounted = comparable(with_trailing_separator(*guid));
  for (const auto& pair : pairs_) {
    if (comparable(with_trailing_separator(pair.source)) == mounted) return std::optional<std::string>(pair.snapshot);
  }
  std::string listed;
  for (const auto& pair : pairs_) listed += (listed.empty() ? "" : ", ") + pair.source;
  return Error::win32(win32_error::path_not_found, "read mounted folder", snapshot_path,
                      "volume " + *guid + " is mounted here (" + live + ") but is not among the volumes being backed up (" +
                          listed + "): its data is in no snapshot");
}

}  // namespace wsbkit::consistency

namespace wsbkit::consistency {

std::vector<SnapshotPaths::UnknownMounts> SnapshotPaths::learn_mounted_folders() {
  std::vector<UnknownMounts> gaps;
  if (mounted_folders_ && mounted_folders_complete_) return gaps;
  std::vector<MountedFolder> folders;
  for (const auto& mounted : pairs_) {
    if (mounted.source.rfind("\\\\?\\", 0) != 0) continue;  // a drive or folder source: matched directly
    if (auto learned = mounted_folders_of(mounted, folders); !learned) {
      gaps.push_back({mounted.source, learned.error().message()});
    }
  }
  mounted_folders_ = std::move(folders);
  mounted_folders_complete_ = gaps.empty();  // else asked again next time (a step's retry)
  return gaps;
}

Result<void> SnapshotPaths::mounted_folders_of(const VolumePair& mounted, std::vector<MountedFolder>& folders) {
  auto mount_points = volumes_.mount_points_of_volume(mounted.source);
  if (!mount_points) return mount_points.error();
  std::vector<MountedFolder> found;
  for (const auto& folder : *mount_points) {
    const std::string parent = parent_directory(without_trailing_separator(folder));
    if (parent.empty() || parent.size() < 2) continue;  // a drive root: in no other volume
    auto host_mount = volumes_.mount_point_of(parent + "\\");
    if (!host_mount) return host_mount.error();
    auto host = resolved_source(*host_mount);
    if (!host) return host.error();
    for (const auto& pair : pairs_) {
      if (comparable(with_trailing_separator(pair.source)) != comparable(with_trailing_separator(*host))) continue;
      auto inside = join_below(pair.snapshot, folder.substr(std::min(folder.size(), host_mount->size())));
      if (!inside) return inside.error();
      found.push_back({comparable(with_trailing_separator(*inside)), with_trailing_separator(mounted.snapshot)});
    }
  }
  folders.insert(folders.end(), found.begin(), found.end());  // all of a volume's folders, or none
  return success();
}

std::string SnapshotPaths::through_mounted_folders(const std::string& snapshot_path) const {
  if (!mounted_folders_) return snapshot_path;
  std::string path = snapshot_path;
  for (std::size_t depth = 0; depth < mounted_folders_->size(); ++depth) {  // nested mounts: one step each
    const std::string wanted = comparable(path) + "\\";
    const MountedFolder* best = nullptr;
    for (const auto& folder : *mounted_folders_) {
      if (wanted.compare(0, folder.in_host_snapshot.size(), folder.in_host_snapshot) == 0 &&
          (!best || folder.in_host_snapshot.size() > best->in_host_snapshot.size())) {
        best = &folder;
      }
    }
    if (!best) break;
    const std::size_t cut = std::min(path.size(), best->in_host_snapshot.size());
    auto moved = join_below(best->mounted_snapshot, path.substr(cut));
    if (!moved) break;
    path = *moved;
  }
  return path;
}

}  // namespace wsbkit::consistency
