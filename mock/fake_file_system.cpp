#include "mock/fake_file_system.hpp"

#include <algorithm>
#include <stdexcept>

#include "mock/fake_error.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {

struct FakeFileSystem::Node {
  std::string name;
  bool directory = true;
  bool reparse_point = false;  // see mark_reparse_point
  std::string contents;
  std::string link_target;  // non-empty: a reparse point (junction or symbolic link) to this path
  std::map<std::u16string, std::unique_ptr<Node>> children;  // by folded name

  Node* child(const std::string& n) const {
    const auto it = children.find(fold_name(n));
    return it == children.end() ? nullptr : it->second.get();
  }
};

// The parent directory of a path (which must exist and be a directory) and the entry in it.
struct FakeFileSystem::Located {
  Node* parent = nullptr;     // null only for the root itself
  std::string name;           // the last component
  Node* node = nullptr;       // the entry, null if missing
};

namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '/' || c == '\\') {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

bool is_below(const std::string& path, const std::string& base) {
  const auto p = split(path);
  const auto b = split(base);
  if (p.size() < b.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!names_equal(p[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool FileSystemCall::is_write() const {
  switch (operation) {
    case FileSystemOperation::write_file:
    case FileSystemOperation::replace_file_atomically:
    case FileSystemOperation::append_file:
    case FileSystemOperation::create_directories:
    case FileSystemOperation::remove:
    case FileSystemOperation::remove_tree: return true;
    default: return false;
  }
}

FaultInjector<FileSystemCall>::Predicate file_writes_under(std::string path) {
  return [path = std::move(path)](const FileSystemCall& call) { return call.is_write() && is_below(call.path, path); };
}

FakeFileSystem::FakeFileSystem() : root_(std::make_unique<Node>()) {
  auto drive = std::make_unique<Node>();
  drive->name = "C:";
  root_->children[fold_name("C:")] = std::move(drive);
}

FakeFileSystem::~FakeFileSystem() = default;

std::optional<Error> FakeFileSystem::check_call(FileSystemOperation operation, const std::string& path,
                                                const char* api) {
  if (const auto code = faults_.on_call({operation, path})) {
    const Error e = fake_error(*code, api, path);
    return Error::win32(e.win32_code(), e.api(), e.object(), e.system_message() + " (injected)");
  }
  return std::nullopt;
}

// Reparse points are followed as Windows follows them: a link met on the way (or, with
// follow_last, at the end) restarts the walk at its target with the rest of the path.
Result<FakeFileSystem::Located> FakeFileSystem::locate(const std::string& path, const char* api, bool follow_last) {
  std::vector<std::string> parts = split(path);
  const auto reroute = [&parts](const Node& link, std::size_t rest) {
    std::vector<std::string> next = split(link.link_target);
    next.insert(next.end(), parts.begin() + static_cast<std::ptrdiff_t>(rest), parts.end());
    parts = std::move(next);
  };
  for (int hops = 0; hops < 32; ++hops) {
    Located at;
    if (parts.empty()) {
      at.node = root_.get();
      return at;
    }
    Node* dir = root_.get();
    bool rerouted = false;
    for (std::size_t i = 0; i + 1 < parts.size() && !rerouted; ++i) {
      dir = dir->child(parts[i]);
      if (!dir) return fake_error(win32_error::path_not_found, api, path);
      if (!dir->link_target.empty()) {
        reroute(*dir, i + 1);
        rerouted = true;
      } else if (!dir->directory) {
        return fake_error(win32_error::path_not_found, api, path);
      }
    }
    if (rerouted) continue;
    at.parent = dir;
    at.name = parts.back();
    at.node = dir->child(at.name);
    if (!follow_last || !at.node || at.node->link_target.empty()) return at;
    reroute(*at.node, parts.size());
  }
  return fake_error(error_cant_resolve_filename, api, path);
}

void FakeFileSystem::create_link(const std::string& path, const std::string& target, bool directory) {
  std::lock_guard lock(mutex_);
  auto at = locate(path, "CreateSymbolicLinkW", false);
  if (!at || !at->parent || at->node) throw std::logic_error("create_link: the parent must exist and the name be free: " + path);
  auto link = std::make_unique<Node>();
  link->name = at->name;
  link->directory = directory;
  link->link_target = target;
  at->parent->children[fold_name(at->name)] = std::move(link);
}

Result<void> FakeFileSystem::store(const std::string& path, std::string_view contents, bool append, const char* api) {
  auto at = locate(path, api);
  if (!at) return at.error();
  if (at->node && at->node->directory) return fake_error(win32_error::access_denied, api, path);
  if (!at->node) {
    auto file = std::make_unique<Node>();
    file->name = at->name;
    file->directory = false;
    at->node = file.get();
    at->parent->children[fold_name(at->name)] = std::move(file);
  }
  if (append) {
    at->node->contents.append(contents);
  } else {
    at->node->contents.assign(contents);
  }
  return success();
}

Result<std::string> FakeFileSystem::read_file(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::read_file, path, "CreateFileW")) return *e;
  auto at = locate(path, "CreateFileW");
  if (!at) return at.error();
  if (!at->node) return fake_error(win32_error::file_not_found, "CreateFileW", path);
  if (at->node->directory) return fake_error(win32_error::access_denied, "CreateFileW", path);
  return at->node->contents;
}

Result<void> FakeFileSystem::write_file(const std::string& path, std::string_view contents) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::write_file, path, "CreateFileW")) return *e;
  return store(path, contents, false, "CreateFileW");
}

Result<void> FakeFileSystem::replace_file_atomically(const std::string& path, std::string_view contents) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::replace_file_atomically, path, "MoveFileExW")) return *e;
  // In memory every replacement is atomic; the errors are those of writing the temporary file
  // beside the target (missing directory) or of renaming it over a directory.
  auto at = locate(path, "CreateFileW");
  if (!at) return at.error();
  if (at->node && at->node->directory) return fake_error(win32_error::access_denied, "MoveFileExW", path);
  return store(path, contents, false, "CreateFileW");
}

Result<void> FakeFileSystem::append_file(const std::string& path, std::string_view contents) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::append_file, path, "CreateFileW")) return *e;
  return store(path, contents, true, "CreateFileW");
}

// Recorded as read_file / append_file calls (faults aimed at those hit these too).
Result<std::string> FakeFileSystem::read_file_no_follow(const std::string& path) {
  {
    std::lock_guard lock(mutex_);
    if (auto refused = refuse_reparse_point(path)) return *refused;
  }
  return read_file(path);
}

Result<void> FakeFileSystem::append_file_no_follow(const std::string& path, std::string_view contents) {
  {
    std::lock_guard lock(mutex_);
    if (auto refused = refuse_reparse_point(path)) return *refused;
  }
  return append_file(path, contents);
}

std::optional<Error> FakeFileSystem::refuse_reparse_point(const std::string& path) {
  auto at = locate(path, "CreateFileW");
  if (!at || !at->node || !at->node->reparse_point) return std::nullopt;
  return fake_error(win32_error::cant_access_file, "CreateFileW", path);
}

void FakeFileSystem::mark_reparse_point(const std::string& path) {
  std::lock_guard lock(mutex_);
  auto at = locate(path, "mark_reparse_point");
  if (at && at->node) at->node->reparse_point = true;
}

Result<bool> FakeFileSystem::exists(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::exists, path, "GetFileAttributesW")) return *e;
  auto at = locate(path, "GetFileAttributesW");
  return at.ok() && at->node != nullptr;
}

Result<bool> FakeFileSystem::is_directory(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::is_directory, path, "GetFileAttributesW")) return *e;
  auto at = locate(path, "GetFileAttributesW");
  return at.ok() && at->node != nullptr && at->node->directory;
}

Result<std::uint64_t> FakeFileSystem::file_size(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::file_size, path, "GetFileAttributesExW")) return *e;
  auto at = locate(path, "GetFileAttributesExW");
  if (!at) return at.error();
  if (!at->node) return fake_error(win32_error::file_not_found, "GetFileAttributesExW", path);
  return at->node->directory ? 0u : static_cast<std::uint64_t>(at->node->contents.size());
}

Result<std::vector<DirectoryEntry>> FakeFileSystem::list_directory(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::list_directory, path, "FindFirstFileW")) return *e;
  auto at = locate(path, "FindFirstFileW");
  // As FindFirstFileW("<path>\*"): a missing directory is a missing path.
  if (!at || !at->node) return fake_error(win32_error::path_not_found, "FindFirstFileW", path);
  if (!at->node->directory) return fake_error(error_directory, "FindFirstFileW", path);
  std::vector<DirectoryEntry> entries;
  for (const auto& [folded, child] : at->node->children) {
    const bool link = !child->link_target.empty();
    entries.push_back({child->name, child->directory, child->directory || link ? 0u : child->contents.size(), link});
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return entries;
}

Result<bool> FakeFileSystem::create_directories(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::create_directories, path, "CreateDirectoryW")) return *e;
  const auto parts = split(path);
  Node* dir = root_.get();
  bool created = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Node* next = dir->child(parts[i]);
    if (next && !next->directory) {
      // A file in the way: as CreateDirectoryW for the last component, a bad path before it.
      const bool last = i + 1 == parts.size();
      return fake_error(last ? win32_error::already_exists : win32_error::path_not_found, "CreateDirectoryW", path);
    }
    if (!next) {
      auto made = std::make_unique<Node>();
      made->name = parts[i];
      next = made.get();
      dir->children[fold_name(parts[i])] = std::move(made);
      created = true;
    } else {
      created = false;
    }
    dir = next;
  }
  return created;
}

Result<void> FakeFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::remove, path, "DeleteFileW")) return *e;
  auto at = locate(path, "GetFileAttributesW", false);
  if (!at) return at.error();
  if (!at->node) return fake_error(win32_error::file_not_found, "GetFileAttributesW", path);
  if (!at->parent) return fake_error(win32_error::access_denied, "RemoveDirectoryW", path);
  if (at->node->directory && !at->node->children.empty()) {
    return fake_error(win32_error::dir_not_empty, "RemoveDirectoryW", path);
  }
  at->parent->children.erase(fold_name(at->name));
  return success();
}

Result<void> FakeFileSystem::remove_tree(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call(FileSystemOperation::remove_tree, path, "DeleteFileW")) return *e;
  auto at = locate(path, "GetFileAttributesW", false);
  if (!at) return at.error();
  if (!at->node) return fake_error(win32_error::file_not_found, "GetFileAttributesW", path);
  if (!at->parent) return fake_error(win32_error::access_denied, "RemoveDirectoryW", path);
  at->parent->children.erase(fold_name(at->name));
  return success();
}

Result<void> FakeFileSystem::read_chunks(const std::string& path, std::size_t chunk_size, const ChunkSink& sink) {
  std::string contents;
  {
    std::lock_guard lock(mutex_);
    if (auto e = check_call(FileSystemOperation::read_chunks, path, "CreateFileW")) return *e;
    if (chunk_size == 0) return fake_error(win32_error::invalid_parameter, "read_chunks", path);
    auto at = locate(path, "CreateFileW");
    if (!at) return at.error();
    if (!at->node) return fake_error(win32_error::file_not_found, "CreateFileW", path);
    if (at->node->directory) return fake_error(win32_error::access_denied, "CreateFileW", path);
    contents = at->node->contents;
  }
  // The sink runs unlocked: it may call back into the fake.
  for (std::size_t offset = 0; offset < contents.size(); offset += chunk_size) {
    const std::string_view chunk = std::string_view(contents).substr(offset, chunk_size);
    if (auto accepted = sink(chunk); !accepted) return accepted;
  }
  return success();
}

void FakeFileSystem::fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_at_call(call_number, win32_code);
}

void FakeFileSystem::fail_when(FaultInjector<FileSystemCall>::Predicate predicate, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_when(std::move(predicate), win32_code);
}

void FakeFileSystem::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear_faults();
}

std::uint64_t FakeFileSystem::call_count() const {
  std::lock_guard lock(mutex_);
  return faults_.call_count();
}

std::vector<FileSystemCall> FakeFileSystem::calls() const {
  std::lock_guard lock(mutex_);
  return faults_.calls();
}

namespace {
template <class NodeT>
void collect(const NodeT& node, const std::string& path, FileSystemSnapshot& out) {
  for (const auto& [folded, child] : node.children) {
    const std::string full = path.empty() ? child->name : path + "/" + child->name;
    if (!child->link_target.empty()) {
      out[full] = "reparse point -> " + child->link_target;
    } else if (child->directory) {
      out[full] = std::nullopt;
      collect(*child, full, out);
    } else {
      out[full] = child->contents;
    }
  }
}
}  // namespace

FileSystemSnapshot FakeFileSystem::snapshot() const {
  std::lock_guard lock(mutex_);
  FileSystemSnapshot out;
  collect(*root_, "", out);
  return out;
}

}  // namespace wsbkit::mock
