#include "core/simulator/file_restore.hpp"

#include "core/consistency/glob.hpp"
#include "core/consistency/reparse_points.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "core/consistency/writer_metadata.hpp"
#include "platform/text.hpp"
#include "platform/volumes.hpp"

namespace wsbkit {
namespace {

using namespace consistency;

// The simulator knows only the pairs it was given: a path on no given volume is not in the backup.
class GivenVolumesOnly final : public Volumes {
 public:
  Result<std::string> mount_point_of(const std::string& path) override { return not_given(path); }
  Result<std::string> volume_guid_path(const std::string& mount_point) override { return not_given(mount_point); }
  Result<std::vector<std::string>> mount_points_of_volume(const std::string& volume_guid_path) override {
    return not_given(volume_guid_path);
  }

 private:
  static Error not_given(const std::string& path) {
    return Error::win32(win32_error::path_not_found, "map to the backup", path, "not on a volume given with --volume");
  }
};

RestoredFile failure(const std::string& component, const std::string& source, const std::string& path, std::string reason) {
  return {component, source, path, 0, false, std::move(reason)};
}

// The live place of a file found at `found` below the group's folder in the backup.
std::optional<std::string> live_place(const FileGroup& group, const std::string& backup_folder, const std::string& found) {
  const std::string prefix = with_trailing_separator(backup_folder);
  if (found.size() <= prefix.size() || !iequals(found.substr(0, prefix.size()), prefix)) return std::nullopt;
  std::string relative = found.substr(prefix.size());
  const char live_separator = group.path.find('\\') == std::string::npos && group.path.find('/') != std::string::npos ? '/' : '\\';
  for (char& ch : relative) {
    if (ch == '/' || ch == '\\') ch = live_separator;
  }
  return with_trailing_separator(group.path) + relative;
}

}  // namespace

SnapshotFileRestore::SnapshotFileRestore(FileSystem& files, std::string writer_metadata,
                                         std::vector<std::string> source_volumes, std::vector<std::string> snapshot_volumes,
                                         Volumes* volumes)
    : files_(files), volumes_(volumes), metadata_(std::move(writer_metadata)), sources_(std::move(source_volumes)),
      snapshots_(std::move(snapshot_volumes)) {}

std::vector<RestoredFile> SnapshotFileRestore::restore(const SimulatedComponent& component) {
  const std::string name = component.name;
  auto groups = component_file_groups(metadata_, name, component.logical_path);
  if (!groups) return {failure(name, "", "", "writer metadata: " + groups.error().system_message())};
  std::vector<VolumePair> pairs;
  std::vector<std::string> roots;
  for (std::size_t i = 0; i < sources_.size() && i < snapshots_.size(); ++i) {
    pairs.push_back({with_trailing_separator(sources_[i]), with_trailing_separator(snapshots_[i])});
    roots.push_back(pairs.back().snapshot);
  }
  GivenVolumesOnly given_only;
  SnapshotPaths paths(pairs, volumes_ ? *volumes_ : static_cast<Volumes&>(given_only));
  ReparsePoints reparse(files_, roots);
  std::vector<RestoredFile> restored;
  for (const auto& group : *groups) {
    if (group.component != name) continue;  // a component of its set is restored as itself
    auto folder = paths.to_snapshot(group.path);
    if (!folder) {
      restored.push_back(failure(name, "", group.path, folder.error().system_message()));
      continue;
    }
    const std::string pattern = with_trailing_separator(*folder) + (group.recursive ? std::string("**") + separator_of(*folder) : "") +
                                group.filespec;
    GlobWalk walk{files_, reparse, [] { return false; },
                  [&](const GlobMatch& m) {
                    if (m.is_directory) return;
                    auto place = live_place(group, *folder, m.path);
                    if (!place) restored.push_back(failure(name, m.path, group.path, "found outside the group's folder in the backup"));
                    else restored.push_back(copy(name, m.path, *place));
                  },
                  [&](const std::string& path) {
                    restored.push_back(failure(name, path, group.path, "a reparse point in the backup, not followed"));
                  },
                  nullptr, nullptr};
    if (auto walked = for_each_match(walk, pattern); !walked) {
      restored.push_back(failure(name, pattern, group.path, walked.error().message()));
    }
  }
  return restored;
}

// One file from the backup into place: its folder created, its bytes written.
RestoredFile SnapshotFileRestore::copy(const std::string& component, const std::string& source, const std::string& path) {
  auto bytes = files_.read_file(source);
  if (!bytes) return failure(component, source, path, "reading the backup: " + bytes.error().message());
  const std::string folder = parent_directory(path);
  if (!folder.empty()) {
    if (auto made = files_.create_directories(folder); !made) {
      return failure(component, source, path, "creating " + folder + ": " + made.error().message());
    }
  }
  if (auto written = files_.write_file(path, *bytes); !written) {
    return failure(component, source, path, "writing: " + written.error().message());
  }
  return {component, source, path, bytes->size(), true, ""};
}

std::vector<RestoredFile> SnapshotFileRestore::compare(const std::vector<RestoredFile>& restored) {
  std::vector<RestoredFile> compared;
  for (const auto& file : restored) {
    RestoredFile result = file;
    auto backup = files_.read_file(file.source);
    auto now = files_.read_file(file.path);
    if (!backup) result = failure(file.component, file.source, file.path, "reading the backup: " + backup.error().message());
    else if (!now) result = failure(file.component, file.source, file.path, "reading the restored file: " + now.error().message());
    else if (*backup != *now) {
      result = failure(file.component, file.source, file.path,
                       "differs from the backup (" + std::to_string(now->size()) + " bytes, the backup " +
                           std::to_string(backup->size()) + ")");
    }
    result.bytes = now ? now->size() : 0;
    compared.push_back(std::move(result));
  }
  return compared;
}

}  // namespace wsbkit
