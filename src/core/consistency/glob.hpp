// Expanding a path pattern on the file system: '*' and '?' in any component (case-insensitive, as
// Windows), "**" for any number of folders. Walks with an explicit work list (no recursion), reads
// only below the pattern's wildcard-free prefix, and stops when asked. It never leaves the snapshot:
// a reparse point (junction, symbolic link) met on the way, in the literal prefix or in a listing,
// is neither entered nor matched but reported (reparse_points.hpp), unless it is a mounted folder
// of a volume being backed up: the walk then goes on in that volume's snapshot.
#pragma once

#include <functional>
#include <string>

#include "core/consistency/reparse_points.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::consistency {

// A file name against one pattern component as FindFirstFileW matches it: '*' and '?' without
// case, and Win32's old rules for a trailing dot: "x.*" also matches "x" (so "*.*" matches every
// name, with a dot or without), and "x." matches "x" (a name without an extension).
bool file_name_match(const std::string& pattern, const std::string& name);

struct GlobMatch {
  std::string path;
  bool is_directory = false;
  std::uint64_t size = 0;
};

struct GlobWalk {
  FileSystem& files;
  ReparsePoints& reparse_points;  // its roots bound the walk
  std::function<bool()> should_stop;
  std::function<void(const GlobMatch&)> on_match;
  std::function<void(const std::string& path)> on_reparse_point;  // skipped: not entered, not matched
  // A folder the pattern needs that is not on the snapshot (ERROR_PATH_NOT_FOUND or
  // ERROR_FILE_NOT_FOUND listing it): the walk goes on, the caller says so. May be empty.
  std::function<void(const std::string& folder)> on_missing_folder;
  // Mounted folders: a reparse point in a listing that is where another passed volume is mounted
  // is walked on that volume's snapshot (each mounted volume once per walk: a volume reached again
  // is a loop, reported as skipped). Null: every reparse point is skipped.
  SnapshotPaths* mounts = nullptr;
};

// Calls on_match for every match (order: folder by folder). A missing folder is no match, and
// on_missing_folder names it; other listing errors are returned. should_stop() ends the walk early (the result is
// then an E_ABORT error).
Result<void> for_each_match(const GlobWalk& walk, const std::string& pattern);

}  // namespace wsbkit::consistency
