#include "core/consistency/glob.hpp"

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

}  // namespace

Result<void> for_each_match(FileSystem& files, const std::string& pattern, const std::function<bool()>& should_stop,
                            const std::function<void(const GlobMatch&)>& on_match) {
  // Split into the wildcard-free prefix folder and the components after it. The \\?\ prefix of a
  // GUID path is not a wildcard.
  const std::size_t scan_from = pattern.compare(0, 4, "\\\\?\\") == 0 || pattern.compare(0, 4, "//?/") == 0 ? 4 : 0;
  const std::size_t first_wildcard = pattern.find_first_of("*?", scan_from);
  if (first_wildcard == std::string::npos) {
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
    on_match({pattern, *directory, size});
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

  std::vector<std::pair<std::string, std::size_t>> work{{root, 0}};  // folder, index of the part to match
  while (!work.empty()) {
    if (should_stop()) return Error::hresult(hr::e_abort, "glob", pattern, "stopped");
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
        auto m = for_each_match(files, child, should_stop, on_match);
        if (!m) return m;
      } else {
        auto directory = files.is_directory(child);
        if (!directory) return directory.error();
        if (*directory) work.emplace_back(child, index + 1);
      }
      continue;
    }
    auto entries = files.list_directory(without_trailing_separator(dir));
    if (!entries) {
      if (missing(entries.error())) continue;
      return entries.error();
    }
    for (const auto& entry : *entries) {
      const std::string child = with_trailing_separator(dir) + entry.name;
      if (part == "**") {
        if (entry.is_directory) work.emplace_back(child, index);  // "**" spans this folder too
        continue;
      }
      if (!policy::wildcard_match(part, entry.name)) continue;
      if (last) on_match({child, entry.is_directory, entry.size});
      else if (entry.is_directory) work.emplace_back(child, index + 1);
    }
  }
  return success();
}

}  // namespace wsbkit::consistency
