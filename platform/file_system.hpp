// File system facility. Paths are UTF-8; the Win32 backend accepts '/' and '\' alike, the POSIX
// backend '/'. File contents are bytes held in std::string (not necessarily UTF-8).
//
// Errors are Win32 codes on every backend (the POSIX backend maps errno), so logic reasons about
// one set: ERROR_FILE_NOT_FOUND when the last component is missing, ERROR_PATH_NOT_FOUND when a
// parent directory is missing, ERROR_ACCESS_DENIED for reading a directory as a file,
// ERROR_DIR_NOT_EMPTY for removing a non-empty directory, ERROR_ALREADY_EXISTS when a file is in
// the way of a directory. Each backend documents its remaining differences.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

struct DirectoryEntry {
  std::string name;  // the entry's name only, never "." or ".."
  bool is_directory = false;
  std::uint64_t size = 0;  // bytes for a file, 0 for a directory
  // A junction, symbolic link or other reparse point (Win32: FILE_ATTRIBUTE_REPARSE_POINT; POSIX: a
  // symbolic link, seen with lstat). Listings never follow it: is_directory and size are the
  // link's own (a junction is a directory of size 0; a POSIX symlink is neither, its size the
  // target's length). Whatever else opens the path follows it, so code that must stay inside a
  // tree (the snapshot walks) checks this flag before descending or reading.
  bool is_reparse_point = false;
  bool operator==(const DirectoryEntry&) const = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Reads (read_file, read_chunks) open with FILE_FLAG_BACKUP_SEMANTICS on Windows: while
  // SeBackupPrivilege is enabled (platform/privileges.hpp) a file whose ACL excludes the caller is
  // read anyway. Backends without ACLs (the fake, POSIX) ignore it.
  virtual Result<std::string> read_file(const std::string& path) = 0;
  // Creates or truncates the file (the directory must exist).
  virtual Result<void> write_file(const std::string& path, std::string_view contents) = 0;
  // Readers see the old contents or the new, never a mix: writes a temporary file beside the
  // target, flushes it to disk, then renames it over the target. On failure the target is
  // unchanged and the temporary file removed.
  virtual Result<void> replace_file_atomically(const std::string& path, std::string_view contents) = 0;
  // Creates the file if missing. Appenders (threads, processes) never fail one another and each
  // append lands whole; on Windows, an append waits up to half a second for a program holding the
  // file open without sharing write access (ERROR_SHARING_VIOLATION after that).
  virtual Result<void> append_file(const std::string& path, std::string_view contents) = 0;
  // A file or directory; false (not an error) when absent.
  virtual Result<bool> exists(const std::string& path) = 0;
  virtual Result<bool> is_directory(const std::string& path) = 0;
  virtual Result<std::uint64_t> file_size(const std::string& path) = 0;
  // Entries sorted by name (byte order), so results are the same on every backend.
  virtual Result<std::vector<DirectoryEntry>> list_directory(const std::string& path) = 0;
  // As list_directory, but a file's size may be left 0: for walks that need only names and kinds
  // (reparse-point and extra-file checks of a snapshot). Where a listing carries no sizes (POSIX
  // readdir) this saves a metadata call per file; elsewhere it is list_directory.
  virtual Result<std::vector<DirectoryEntry>> list_names(const std::string& path) { return list_directory(path); }
  // Creates the directory and any missing parents; true if it did not exist before.
  virtual Result<bool> create_directories(const std::string& path) = 0;
  // A file or an empty directory.
  virtual Result<void> remove(const std::string& path) = 0;
  // A file, or a directory with everything in it (ERROR_FILE_NOT_FOUND if absent).
  virtual Result<void> remove_tree(const std::string& path) = 0;
  // Reads the file in chunks of at most chunk_size bytes, in order, without holding it whole
  // (for hashing large files). The sink's error stops the read and is returned.
  using ChunkSink = std::function<Result<void>(std::string_view chunk)>;
  virtual Result<void> read_chunks(const std::string& path, std::size_t chunk_size,
                                   const ChunkSink& sink) = 0;
  // One sequential pass over a whole file, for hashing many files in a row (manifest verification):
  // as read_chunks (chunks of at most chunk_size bytes, in order, the sink's error returned), but
  // the file's length comes from the open handle (no separate metadata call) and bytes are read
  // up to that length (a snapshot's files do not change while it is read); small files are read
  // into `buffer`, the caller's and kept from file to file (grown to at most chunk_size, never
  // shrunk); a backend may instead hand out views of a read-only mapping of a large file (no copy
  // from the cache). A view is valid only during the sink call. The default is read_chunks.
  virtual Result<void> read_sequential(const std::string& path, std::size_t chunk_size,
                                       [[maybe_unused]] std::string& buffer, const ChunkSink& sink) {
    return read_chunks(path, chunk_size, sink);
  }
  // A folder held open for read_sequential of the files in it by name: the folder's path is walked
  // once, not again for every file (a manifest lists thousands of files folder after folder).
  class OpenFolder {
   public:
    virtual ~OpenFolder() = default;
    // Exactly read_sequential(folder + name, ...), errors included; `name` is one name (no separator).
    virtual Result<void> read_sequential(const std::string& name, std::size_t chunk_size, std::string& buffer,
                                         const ChunkSink& sink) = 0;
  };
  // `folder` ends with a separator. An error when it cannot be opened (reads of its files would
  // fail alike). The default opens nothing and reads each file by its full path.
  virtual Result<std::unique_ptr<OpenFolder>> open_folder(const std::string& folder);

  // SYSTEM's own files (journals, logs in its protected state folder): as read_file / append_file,
  // but a reparse point (junction, symbolic link) at `path` is refused with ERROR_CANT_ACCESS_FILE,
  // never followed. (replace_file_atomically and remove never follow one at `path`: the rename
  // replaces, and the delete removes, the link itself.)
  virtual Result<std::string> read_file_no_follow(const std::string& path) = 0;
  virtual Result<void> append_file_no_follow(const std::string& path, std::string_view contents) = 0;
};

namespace win32_error {
inline constexpr std::uint32_t cant_access_file = 1920;  // a reparse point where none may be
}  // namespace win32_error

}  // namespace wsbkit
