// Live path -> snapshot path. CheckConsistency gives, for each volume being backed up, its live
// volume (rgwszSourceVolumePath[i], a \\?\Volume{GUID}\ path) and where its shadow copy is
// (rgwszSnapshotVolumePath[i]). A policy path is mapped by finding the volume that holds it and
// putting the path's remainder under that volume's snapshot root:
//   D:\Ledger\data\*.ldb, D: = \\?\Volume{A}\ -> \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy5\Ledger\data\*.ldb
// A path is matched directly when it starts with a given source path (GUID path, "D:\" or a
// mounted folder); otherwise its volume is resolved through the platform (mount point -> GUID),
// and the path is cut by its mount point only when the mount point is its leading components
// (case-insensitive). A \\?\ prefix before a drive letter is dropped first; a rooted path without
// a drive ("\Ledger\x") is on the current drive, the system volume for the add-in (SYSTEM), as
// Win32 resolves it.
// A path on no given volume, or one that climbs out of its root with "..", is an error naming it:
// the checks never read the live volume instead.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.hpp"
#include "platform/volumes.hpp"

namespace wsbkit::consistency {

struct VolumePair {
  std::string source;    // as WSB gave it, trailing separator ensured
  std::string snapshot;  // as WSB gave it, trailing separator ensured
};

class SnapshotPaths {
 public:
  SnapshotPaths(std::vector<VolumePair> pairs, Volumes& volumes) : pairs_(std::move(pairs)), volumes_(volumes) {}

  // The snapshot location of a live absolute path (wildcards pass through untouched).
  Result<std::string> to_snapshot(const std::string& given_path);
  const std::vector<VolumePair>& pairs() const { return pairs_; }
  // A reparse point met inside a snapshot: when it is where another volume is mounted (asked of
  // the platform through its live name, the source volume's path + the same folders), the root
  // of that volume's snapshot, for reads to continue there; an error naming the volume when WSB
  // did not pass it; nullopt for a junction or link (never followed: it leads to the live side).
  Result<std::optional<std::string>> mounted_volume_snapshot(const std::string& snapshot_path);
  // Where the given volumes are mounted in folders of other given volumes, learnt once
  // (Volumes::mount_points_of_volume, then the folder's host volume): a snapshot path that enters
  // such a folder in its host's snapshot (where the shadow copy holds only the mount point) is
  // rewritten into the mounted volume's snapshot, as a manifest entry "Data\x" below D:\Mounts
  // with a volume mounted at D:\Mounts\Data must be read. Call learn_mounted_folders() first;
  // through_mounted_folders is then safe from any thread. A volume whose mount points (or a
  // folder's host volume) cannot be read is left out and named in the answer:
  // its folders are not followed, so an entry behind one meets the mount point's reparse point in
  // the host's snapshot and is reported, never read elsewhere; the rest of the check runs. Until
  // every volume was learnt, each call asks again (a step's retry may find it readable).
  struct UnknownMounts {
    std::string volume;  // as WSB gave it
    std::string reason;
  };
  std::vector<UnknownMounts> learn_mounted_folders();
  std::string through_mounted_folders(const std::string& snapshot_path) const;

 private:
  Result<std::string> resolved_source(const std::string& mount_point);
  struct MountedFolder;
  Result<void> mounted_folders_of(const VolumePair& mounted, std::vector<MountedFolder>& folders);
  Result<std::string> with_current_drive(const std::string& rooted_path);
  std::vector<VolumePair> pairs_;
  Volumes& volumes_;
  std::map<std::string, std::string> guid_of_mount_point_;  // cache: one platform call per volume
  struct MountedFolder {
    std::string in_host_snapshot;  // comparable form, trailing '\': the folder inside its host's snapshot
    std::string mounted_snapshot;  // the mounted volume's snapshot root
  };
  std::optional<std::vector<MountedFolder>> mounted_folders_;
  bool mounted_folders_complete_ = false;
};

// Path helpers shared by the checks (separators: a snapshot root with '/' and no '\' is a POSIX
// path, used natively and in tests; anything else is a Windows path).
char separator_of(const std::string& root);
// `relative` ('/' or '\' separated) below `base`; "." parts dropped; an error if ".." leaves `base`.
Result<std::string> join_below(const std::string& base, const std::string& relative);
// "a\b\c.txt" -> "a\b"; "c.txt" -> "".
std::string parent_directory(const std::string& path);
std::string with_trailing_separator(std::string path);
// For listing a folder: Win32 appends "\*" itself, and \\?\ paths keep a doubled '\'.
std::string without_trailing_separator(std::string path);

}  // namespace wsbkit::consistency
