#include "core/consistency/reparse_points.hpp"

#include <xxhash.h>

#include <algorithm>

#include "core/consistency/snapshot_paths.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit::consistency {
namespace {

std::u16string folder_key(std::string path) {
  for (char& c : path) {
    if (c == '\\') c = '/';
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return fold_name(path);
}

std::uint64_t name_key(const std::u16string& folded) {
  return XXH3_64bits(folded.data(), folded.size() * sizeof(char16_t));
}

bool missing(const Error& e) {
  return e.win32_code() == win32_error::file_not_found || e.win32_code() == win32_error::path_not_found;
}

}  // namespace

ReparsePoints::ReparsePoints(FileSystem& files, std::vector<std::string> roots) : files_(files) {
  for (auto& root : roots) roots_.push_back(with_trailing_separator(std::move(root)));
}

const std::string* ReparsePoints::root_of(const std::string& path) const {
  const std::u16string folded = folder_key(path) + u"/";
  const std::string* root = nullptr;
  for (const auto& r : roots_) {
    const std::u16string key = folder_key(r) + u"/";
    if (folded.compare(0, key.size(), key) == 0 && (!root || r.size() > root->size())) root = &r;
  }
  return root;
}

bool ReparsePoints::Folder::has(const std::u16string& folded) const {
  return std::binary_search(name_keys.begin(), name_keys.end(), name_key(folded));
}

void ReparsePoints::learn(const std::string& folder, const std::vector<DirectoryEntry>& entries) {
  Folder seen;
  seen.name_keys.reserve(entries.size());
  for (const auto& entry : entries) {
    std::u16string folded = fold_name(entry.name);
    seen.name_keys.push_back(name_key(folded));
    if (entry.is_reparse_point) seen.reparse_points.insert(std::move(folded));
  }
  std::sort(seen.name_keys.begin(), seen.name_keys.end());
  std::lock_guard lock(mutex_);
  folders_.insert_or_assign(folder_key(folder), std::move(seen));
}

Result<const ReparsePoints::Folder*> ReparsePoints::folder(const std::string& path) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = folders_.find(folder_key(path)); it != folders_.end()) return &it->second;
  }
  auto entries = files_.list_names(without_trailing_separator(path));
  if (!entries) {
    if (missing(entries.error())) return nullptr;
    return entries.error();
  }
  learn(path, *entries);
  std::lock_guard lock(mutex_);
  return &folders_.at(folder_key(path));  // std::map nodes stay put
}

Result<std::optional<std::string>> ReparsePoints::first_on_path(const std::string& path) {
  // A manifest lists files folder after folder: when the folder is the one the last call proved
  // clean (byte for byte the same text), only the last name is looked up.
  const std::size_t slash = path.find_last_of("\\/");
  const std::string_view leaf = slash == std::string::npos ? std::string_view() : std::string_view(path).substr(slash + 1);
  const bool plain_leaf = !leaf.empty() && leaf != "." && leaf != "..";  // the last name walked is `leaf`
  if (plain_leaf) {
    const std::string_view parent(path.data(), slash);
    {
      std::lock_guard lock(mutex_);
      if (last_clean_ && parent == last_clean_->raw) {
        const std::u16string key = fold_name(leaf);
        if (!last_clean_->listing->has(key)) return std::optional<std::string>();  // missing
        if (last_clean_->listing->reparse_points.contains(key)) {
          return std::optional<std::string>(with_trailing_separator(last_clean_->walked) + std::string(leaf));
        }
        return std::optional<std::string>();
      }
    }
  }
  const std::string* root = root_of(path);
  if (!root) {
    return Error::win32(win32_error::invalid_parameter, "check for reparse points", path, "not below a snapshot root");
  }
  // Windows resolves "." and ".." by name before following anything, so they are applied here too.
  std::vector<std::string> names;
  for (std::size_t begin = root->size(); begin < path.size();) {
    std::size_t end = path.find_first_of("\\/", begin);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(begin, end - begin);
    begin = end + 1;
    if (name.empty() || name == ".") continue;
    if (name != "..") {
      names.push_back(name);
    } else if (names.empty()) {
      return Error::win32(win32_error::invalid_parameter, "check for reparse points", path, "climbs out of the snapshot");
    } else {
      names.pop_back();
    }
  }
  std::string current = *root;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto listed = folder(current);
    if (!listed) return listed.error();
    if (!*listed && current == *root) {  // not "nothing here": the snapshot itself is not there
      return Error::win32(win32_error::path_not_found, "list folder", *root, "the snapshot volume cannot be read");
    }
    const std::u16string key = fold_name(names[i]);
    if (!*listed || !(*listed)->has(key)) return std::optional<std::string>();  // missing
    if (i + 1 == names.size() && plain_leaf) {
      // Every folder above the last name is there and none is a reparse point: remembered.
      std::lock_guard lock(mutex_);
      last_clean_ = CleanFolder{path.substr(0, slash), current, *listed};
    }
    current = with_trailing_separator(current) + names[i];
    if ((*listed)->reparse_points.contains(key)) return std::optional<std::string>(current);
  }
  return std::optional<std::string>();
}

std::string describe_skipped(const std::vector<std::string>& paths, std::uint64_t count) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : "; ") + std::string("skipped reparse point ") + p;
  if (count > paths.size()) out += "; ... " + std::to_string(count - paths.size()) + " more reparse points skipped";
  return out;
}

}  // namespace wsbkit::consistency
