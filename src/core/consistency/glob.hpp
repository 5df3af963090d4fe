// Expanding a path pattern on the file system: '*' and '?' in any component (case-insensitive, as
// Windows), "**" for any number of folders. Walks with an explicit work list (no recursion), reads
// only below the pattern's wildcard-free prefix, and stops when asked.
#pragma once

#include <functional>
#include <string>

#include "platform/file_system.hpp"

namespace wsbkit::consistency {

struct GlobMatch {
  std::string path;
  bool is_directory = false;
  std::uint64_t size = 0;
};

// Calls on_match for every match (order: folder by folder). A missing prefix folder is no match,
// not an error; other listing errors are returned. should_stop() ends the walk early (the result is
// then an E_ABORT error).
Result<void> for_each_match(FileSystem& files, const std::string& pattern, const std::function<bool()>& should_stop,
                            const std::function<void(const GlobMatch&)>& on_match);

}  // namespace wsbkit::consistency
