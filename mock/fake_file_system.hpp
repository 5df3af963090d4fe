// An in-memory FileSystem that behaves like Windows (NTFS): names compare case-insensitively and
// keep their case, '/' and '\' both separate (empty components are ignored), and the errors are
// those tests/contract checks against the Win32 and POSIX backends: ERROR_FILE_NOT_FOUND (last
// component missing), ERROR_PATH_NOT_FOUND (a parent missing or a file), ERROR_ACCESS_DENIED
// (reading or writing a directory as a file), ERROR_DIR_NOT_EMPTY, ERROR_ALREADY_EXISTS (a file
// where a directory is to be created), ERROR_DIRECTORY (267, listing a file).
// The directory "C:" exists from the start. Test controls: failure injection at the N-th call or by
// predicate, the call log, and a snapshot of every file and directory.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mock/fault_injection.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::mock {

inline constexpr std::uint32_t error_directory = 267;
inline constexpr std::uint32_t error_cant_resolve_filename = 1921;  // a reparse-point loop

enum class FileSystemOperation {
  read_file, write_file, replace_file_atomically, append_file, exists, is_directory, file_size,
  list_directory, create_directories, remove, remove_tree, read_chunks
};

struct FileSystemCall {
  FileSystemOperation operation;
  std::string path;
  bool is_write() const;
};

// Predicate: a write (write/replace/append, create_directories, remove, remove_tree) at or below `path`.
FaultInjector<FileSystemCall>::Predicate file_writes_under(std::string path);

// Every directory (nullopt) and file (its contents) by full path ("C:/data/a.txt"), as created.
using FileSystemSnapshot = std::map<std::string, std::optional<std::string>>;

class FakeFileSystem final : public FileSystem {
 public:
  FakeFileSystem();
  ~FakeFileSystem() override;

  Result<std::string> read_file(const std::string& path) override;
  Result<void> write_file(const std::string& path, std::string_view contents) override;
  Result<void> replace_file_atomically(const std::string& path, std::string_view contents) override;
  Result<void> append_file(const std::string& path, std::string_view contents) override;
  Result<bool> exists(const std::string& path) override;
  Result<bool> is_directory(const std::string& path) override;
  Result<std::uint64_t> file_size(const std::string& path) override;
  Result<std::vector<DirectoryEntry>> list_directory(const std::string& path) override;
  Result<bool> create_directories(const std::string& path) override;
  Result<void> remove(const std::string& path) override;
  Result<void> remove_tree(const std::string& path) override;
  Result<void> read_chunks(const std::string& path, std::size_t chunk_size, const ChunkSink& sink) override;
  Result<std::string> read_file_no_follow(const std::string& path) override;
  Result<void> append_file_no_follow(const std::string& path, std::string_view contents) override;

  // --- test controls (not counted as calls) ---
  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code = win32_error::access_denied);
  void fail_when(FaultInjector<FileSystemCall>::Predicate predicate,
                 std::uint32_t win32_code = win32_error::access_denied);
  void clear_faults();
  std::uint64_t call_count() const;
  std::vector<FileSystemCall> calls() const;
  FileSystemSnapshot snapshot() const;
  // A reparse point at `path` (its parent must exist, the name be free) to `target`: a junction
  // (directory) or a symbolic link to a file. As on Windows, listings show it as a reparse point
  // (its own kind, size 0) and every other call follows it, except remove and remove_tree, which
  // remove the link itself. The snapshot shows it as "reparse point -> TARGET".
  void create_link(const std::string& path, const std::string& target, bool directory);
  // The existing entry at `path` becomes a reparse point (a junction or symbolic link a user
  // planted): ordinary calls still reach it (as Windows follows a link), the *_no_follow calls
  // refuse it with ERROR_CANT_ACCESS_FILE.
  void mark_reparse_point(const std::string& path);

 private:
  struct Node;
  struct Located;
  Result<Located> locate(const std::string& path, const char* api, bool follow_last = true);
  std::optional<Error> check_call(FileSystemOperation operation, const std::string& path, const char* api);
  Result<void> store(const std::string& path, std::string_view contents, bool append, const char* api);
  std::optional<Error> refuse_reparse_point(const std::string& path);

  mutable std::mutex mutex_;
  std::unique_ptr<Node> root_;
  FaultInjector<FileSystemCall> faults_;
};

}  // namespace wsbkit::mock
