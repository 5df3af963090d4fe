#include "core/consistency/glob.hpp"

#include <set>
#include <utility>
#include <vector>

#include "core/consistency/snapshot_paths.hpp"
#include "core/policy/policy_document.hpp"

namespace wsbkit::consistency {
namespace {

bool has_wildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

bool missing(const Error& e) {
  return e.win32_code() == win32_error::file_not_found || e.win32_code() == win32_error::path_not_found;
}

// True when `path` is, or lies behind, a reparse point (reported once per walk step).
Result<bool> behind_reparse_point(const GlobWalk& walk, const std::string& path) {
  auto found = walk.reparse_points.first_on_path(path);
  if (!found) return found.error();
  if (*found) walk.on_reparse_point(**found);
  return found->has_value();
}

// A reparse point met in a listing: the snapshot root of the volume mounted there (once per walk:
// a volume entered again is a loop), or nullopt (skipped); an error for a volume WSB did not pass.
Result<std::optional<std::string>> mounted_folder(const GlobWalk& walk, const std::string& path, std::set<std::string>& entered) {
  if (!walk.mounts) return std::optional<std::string>();
  auto mounted = walk.mounts->mounted_volume_snapshot(path);
  if (!mounted || !*mounted) return mounted;
  if (!entered.insert(**mounted).second) return std::optional<std::string>();  // a loop: reported as skipped
  return mounted;
}

}  // namespace

bool file_name_match(const std::string& pattern, const std::string& name) {
  if (policy::wildcard_match(pattern, name)) return true;
  const bool no_dot = name.find('.') == std::string::npos;
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
    return no_dot && policy::wildcard_match(pattern.substr(0, pattern.size() - 2), name);
  }
  if (!pattern.empty() && pattern.back() == '.') return no_dot && policy::wildcard_match(pattern.substr(0, pattern.size() - 1), name);
  return false;
}

Result<void> for_each_match(const GlobWalk& walk, const std::string& pattern) {
  FileSystem& files = walk.files;
  // Split into the wildcard-free prefix folder and the components after it. The \\?\ prefix of a
  // GUID path is not a wildcard.
  const std::size_t scan_from = pattern.compare(0, 4, "\\\\?\\") == 0 || pattern.compare(0, 4, "//?/") == 0 ? 4 : 0;
  const std::size_t first_wildcard = pattern.find_first_of("*?", scan_from);
  if (first_wildcard == std::string::npos) {
    auto behind = behind_reparse_point(walk, pattern);
    if (!behind) return behind.error();
    if (*behind) return success();
    auto exists = files.exists(pattern);
    if (!exists) return exists.error();
    if (!*exists) return success();
    auto directory = files.is_directory(pattern);
    if (!directory) return directory.error();
    std::uint64_t size = 0;
    if (!*directory) {
      auto s = files.file_size(pattern);
      if (!s) return s.error();
      size = *s;
    }
    walk.on_match({pattern, *directory, size});
    return success();
  }
  const std::size_t cut = pattern.find_last_of("\\/", first_wildcard);
  const std::string root = cut == std::string::npos ? std::string(".") : pattern.substr(0, cut + 1);
  std::vector<std::string> parts;
  for (std::size_t begin = cut == std::string::npos ? 0 : cut + 1; begin <= pattern.size();) {
    std::size_t end = pattern.find_first_of("\\/", begin);
    if (end == std::string::npos) end = pattern.size();
    if (end > begin) parts.push_back(pattern.substr(begin, end - begin));
    begin = end + 1;
  }
  if (parts.empty()) return success();
  // The wildcard-free prefix is not listed by this walk: its components are checked here.
  auto behind = behind_reparse_point(walk, root);
  if (!behind) return behind.error();
  if (*behind) return success();

  std::vector<std::pair<std::string, std::size_t>> work{{root, 0}};  // folder, index of the part to match
  std::set<std::string> entered;  // volumes' snapshot roots this walk has gone into, its own first
  if (walk.mounts) {
    for (const auto& pair : walk.mounts->pairs()) {
      if (root.compare(0, pair.snapshot.size(), pair.snapshot) == 0) entered.insert(pair.snapshot);
    }
  }
  while (!work.empty()) {
    if (walk.should_stop()) return Error::hresult(hr::e_abort, "glob", pattern, "stopped");
    auto [dir, index] = std::move(work.back());
    work.pop_back();
    const std::string& part = parts[index];
    const bool last = index + 1 == parts.size();
    if (part == "**") {
      if (last) continue;  // "**" at the end names folders only: nothing to check
      work.emplace_back(dir, index + 1);
    } else if (!has_wildcard(part)) {
      // A literal component: no listing needed.
      const std::string child = with_trailing_separator(dir) + part;
      if (last) {
        auto m = for_each_match(walk, child);
        if (!m) return m;
      } else {
        auto behind = behind_reparse_point(walk, child);
        if (!behind) return behind.error();
        if (*behind) continue;
        auto directory = files.is_directory(child);
        if (!directory) return directory.error();
        if (*directory) work.emplace_back(child, index + 1);
        else if (walk.on_missing_folder) walk.on_missing_folder(child);
      }
      continue;
    }
    auto entries = files.list_directory(without_trailing_separator(dir));
    if (!entries) {
      if (!missing(entries.error())) return entries.error();
      if (walk.on_missing_folder) walk.on_missing_folder(dir);
      continue;
    }
    walk.reparse_points.learn(dir, *entries);
    for (const auto& entry : *entries) {
      std::string child = with_trailing_separator(dir) + entry.name;
      if (entry.is_reparse_point) {
        auto mounted = mounted_folder(walk, child, entered);
        if (!mounted) return mounted.error();
        if (!*mounted) {
          walk.on_reparse_point(child);
          continue;
        }
        child = without_trailing_separator(**mounted);  // the mounted volume's snapshot root
        if (part != "**" && !file_name_match(part, entry.name)) continue;
        if (part == "**") work.emplace_back(child, index);
        else if (last) walk.on_match({child, true, 0});
        else work.emplace_back(child, index + 1);
        continue;
      }
      if (part == "**") {
        if (entry.is_directory) work.emplace_back(child, index);  // "**" spans this folder too
        continue;
      }
      if (!file_name_match(part, entry.name)) continue;
      if (last) walk.on_match({child, entry.is_directory, entry.size});
      else if (entry.is_directory) work.emplace_back(child, index + 1);
    }
  }
  return success();
}

}  // namespace wsbkit::consistency
