// Expanding a path pattern on the file system: '*' and '?' in any component (case-insensitive, as
// Windows), "**" for any number of folders. Walks with an explicit work list (no recursion), reads
// only below the pattern's wildcard-free prefix, and stops when asked. It never leaves the snapshot:
// a reparse point (junction, symbolic link) met on the way, in the literal prefix or in a listing,
// is neither entered nor matched but reported (reparse_points.hpp).
#pragma once

#include <functional>
#include <string>

#include "core/consistency/reparse_points.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::consistency {

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
};

// Calls on_match for every match (order: folder by folder). A missing prefix folder is no match,
// not an error; other listing errors are returned. should_stop() ends the walk early (the result is
// then an E_ABORT error).
Result<void> for_each_match(const GlobWalk& walk, const std::string& pattern);

}  // namespace wsbkit::consistency
