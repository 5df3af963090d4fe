// Snapshot walks never leave the snapshot. A junction or symbolic link inside a shadow copy may
// point anywhere (an absolute target resolves on the live volume), so no walk descends into one and
// no file at or behind one is read: each is reported instead ("skipped reparse point X"). Reparse
// points are seen in directory listings (DirectoryEntry::is_reparse_point); ReparsePoints checks
// every component of a path below its snapshot root that way, listing each folder once (cached),
// for the paths the checks reach without a listing of their own (literal glob components, manifest
// entries, the manifest itself).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <string>
#include <vector>

#include "platform/file_system.hpp"

namespace wsbkit::consistency {

class ReparsePoints {
 public:
  // roots: the snapshot volume roots (trailing separator or not); nothing above them is examined.
  ReparsePoints(FileSystem& files, std::vector<std::string> roots);

  // The first component of `path` below its root (the path itself included) that is a reparse
  // point, or nullopt. A missing component ends the search (nothing behind it can be read).
  // An error when the path is below no root, the root itself is missing (a snapshot that cannot
  // be read is never "nothing here"), or a folder on it cannot be listed (fail closed).
  Result<std::optional<std::string>> first_on_path(const std::string& path);
  // The root `path` is below (the longest, compared as Windows compares names), or null.
  const std::string* root_of(const std::string& path) const;
  // A listing the caller made anyway, so that the folder is not listed again.
  void learn(const std::string& folder, const std::vector<DirectoryEntry>& entries);

 private:
  struct Folder {
    // Every name's key (a 64-bit hash of the name folded as Windows compares names), sorted: a
    // folder of a mail store can list hundreds of thousands of names, each looked up once, and a
    // key costs no allocation. (A collision could only make a missing name look present: its read
    // then fails as missing anyway.) Reparse points are few: kept as folded names, exactly.
    std::vector<std::uint64_t> name_keys;
    std::unordered_set<std::u16string> reparse_points;
    bool has(const std::u16string& folded) const;
  };
  Result<const Folder*> folder(const std::string& path);

  FileSystem& files_;
  std::vector<std::string> roots_;
  std::mutex mutex_;
  std::map<std::u16string, Folder> folders_;
  // The folder of the last path found clean up to its last name: its text as given, the path as
  // walked (for reports) and its listing (std::map nodes stay put).
  struct CleanFolder {
    std::string raw, walked;
    const Folder* listing;
  };
  std::optional<CleanFolder> last_clean_;
};

// "skipped reparse point X" lines, at most `limit` named, then a count: "" when there are none.
std::string describe_skipped(const std::vector<std::string>& paths, std::uint64_t count);

}  // namespace wsbkit::consistency
