// POSIX file system backend (Linux): must contain only POSIX-specific code. errno is mapped to the
// Win32 codes the interface promises, so logic sees the same errors natively and on Windows.
// Differences from Windows that remain: names are case-sensitive, and open files can be replaced
// or removed (Windows refuses while another handle lacks FILE_SHARE_DELETE); and a file that another
// process truncates while read_sequential has it mapped raises SIGBUS in the reader (Windows
// refuses to truncate a mapped file), so read_sequential is for files nobody changes (snapshots).
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include "platform/posix/backends.hpp"

namespace wsbkit::posix {
namespace {

constexpr std::uint32_t error_disk_full = 112;
constexpr std::uint32_t error_directory = 267;   // ERROR_DIRECTORY: "The directory name is invalid."
constexpr std::uint32_t error_gen_failure = 31;

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// errno -> the Win32 code Windows gives in the same situation.
std::uint32_t win32_code_for(int err, const std::string& path) {
  switch (err) {
    case ENOENT: return is_dir(parent_of(path)) ? win32_error::file_not_found : win32_error::path_not_found;
    case ENOTDIR: return win32_error::path_not_found;
    case EACCES:
    case EPERM:
    case EISDIR: return win32_error::access_denied;
    case EEXIST: return win32_error::already_exists;
    case ENOTEMPTY: return win32_error::dir_not_empty;
    case ELOOP: return win32_error::cant_access_file;  // O_NOFOLLOW met a symbolic link
    case ENOSPC: return error_disk_full;
    case ENOMEM: return win32_error::not_enough_memory;
    case EINVAL: return win32_error::invalid_parameter;
    default: return error_gen_failure;
  }
}

Error errno_error(int err, std::string api, const std::string& path) {
  return Error::win32(win32_code_for(err, path), std::move(api), path,
                      std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")");
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  // Closes now, reporting the error (a failed close can mean lost writes).
  int close() { const int r = ::close(fd_); fd_ = -1; return r; }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view contents, const std::string& path) {
  while (!contents.empty()) {
    const ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "write", path);
    }
    contents.remove_prefix(static_cast<std::size_t>(n));
  }
  return success();
}

Result<void> write_with_flags(const std::string& path, std::string_view contents, int flags, bool sync) {
  Fd fd(::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0644));
  if (fd.get() < 0) return errno_error(errno, "open", path);
  if (auto written = write_all(fd.get(), contents, path); !written) return written;
  if (sync && ::fsync(fd.get()) != 0) return errno_error(errno, "fsync", path);
  if (fd.close() != 0) return errno_error(errno, "close", path);
  return success();
}

// Opens an existing regular file for reading; a directory is ERROR_ACCESS_DENIED as on Windows.
// `size`, when given, receives the file's length from the same fstat. `name` is opened relative to
// the folder `at` (AT_FDCWD: `name` is the path); `path` names the file in errors.
Result<int> open_for_reading_at(int at, const char* name, const std::string& path, int extra_flags,
                                std::uint64_t* size) {
  const int fd = ::openat(at, name, O_RDONLY | O_CLOEXEC | extra_flags);
  if (fd < 0) return errno_error(errno, "open", path);
  struct stat st;
  int err = 0;
  if (::fstat(fd, &st) != 0) err = errno;
  else if (S_ISDIR(st.st_mode)) err = EISDIR;
  if (err != 0) {
    ::close(fd);
    return errno_error(err, "open", path);
  }
  if (size) *size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

Result<int> open_for_reading(const std::string& path, int extra_flags = 0, std::uint64_t* size = nullptr) {
  return open_for_reading_at(AT_FDCWD, path.c_str(), path, extra_flags, size);
}

// --- read_sequential: hashing many files in a row ----------------------------------------------
// Files at least this large (the default hashing chunk) are mapped rather than read (no copy from
// the page cache); below it a read() into the caller's buffer costs less than a mapping's setup,
// faults and teardown.
constexpr std::uint64_t map_threshold = 256u << 10;
// Mapped this much at a time and unmapped before the next: a reader's resident memory stays bounded
// whatever the file's size.
constexpr std::size_t map_window = 8u << 20;

class MappedView {
 public:
  MappedView(void* address, std::size_t length) : address_(address), length_(length) {}
  MappedView(const MappedView&) = delete;
  MappedView& operator=(const MappedView&) = delete;
  ~MappedView() { ::munmap(address_, length_); }
  const char* data() const { return static_cast<const char*>(address_); }

 private:
  void* address_;
  std::size_t length_;
};

// `size` bytes of `fd` through windows of a read-only mapping, with sequential-access hints.
Result<void> read_mapped(int fd, std::uint64_t size, const std::string& path, std::size_t chunk_size,
                         const FileSystem::ChunkSink& sink) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint (read-ahead when the cache is cold)
  for (std::uint64_t offset = 0; offset < size; offset += map_window) {
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(map_window, size - offset));
    void* address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(offset));
    if (address == MAP_FAILED) return errno_error(errno, "mmap", path);
    // No madvise(MADV_SEQUENTIAL) here: it takes the process's mmap lock for writing once more per
    // window (per file below 8 MiB), and the hashing threads' mmap/munmap already queue on it
    // (measured, the verifier alone, two threads, 2,000 warm files of 4 KiB-4 MiB: 30% more CPU
    // than one thread with it; median 0.183 s -> 0.161 s without it). With a cold cache it made no
    // difference (the fadvise above gives the read-ahead; 1.01 s either way). Not measured: its
    // drop-behind, on a snapshot larger than memory (the pages hashed are now only marked used).
    const MappedView view(address, length);
    for (std::size_t at = 0; at < length; at += chunk_size) {
      if (auto accepted = sink(std::string_view(view.data() + at, std::min(chunk_size, length - at))); !accepted) {
        return accepted;
      }
    }
  }
  return success();
}

// Up to `size` bytes of `fd` read into `buffer` (no read for the end of file: the length is known).
Result<void> read_known_length(int fd, std::uint64_t size, const std::string& path, std::size_t chunk_size,
                               std::string& buffer, const FileSystem::ChunkSink& sink) {
  const auto largest = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk_size));
  if (buffer.size() < largest) buffer.resize(largest);
  for (std::uint64_t left = size; left > 0;) {
    const auto request = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk_size));
    std::size_t filled = 0;
    while (filled < request) {
      const ssize_t n = ::read(fd, buffer.data() + filled, request - filled);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error(errno, "read", path);
      }
      if (n == 0) break;  // shorter than its length said: what is there is hashed
      filled += static_cast<std::size_t>(n);
    }
    if (filled > 0) {
      if (auto accepted = sink(std::string_view(buffer.data(), filled)); !accepted) return accepted;
    }
    if (filled < request) return success();
    left -= filled;
  }
  return success();
}

// read_sequential of `name` relative to the folder `at` (AT_FDCWD: `name` is the path).
Result<void> read_sequential_at(int at, const char* name, const std::string& path, std::size_t chunk_size,
                                std::string& buffer, const FileSystem::ChunkSink& sink) {
  if (chunk_size == 0) return Error::win32(win32_error::invalid_parameter, "read_sequential", path, "chunk size 0");
  std::uint64_t size = 0;
  auto opened = open_for_reading_at(at, name, path, 0, &size);
  if (!opened) return opened.error();
  Fd fd(*opened);
  if (size >= map_threshold) return read_mapped(fd.get(), size, path, chunk_size, sink);
  return read_known_length(fd.get(), size, path, chunk_size, buffer, sink);
}

// A folder held open by its descriptor: each file is opened relative to it (openat), so the kernel
// walks one name per file instead of the whole path.
class PosixOpenFolder final : public FileSystem::OpenFolder {
 public:
  PosixOpenFolder(Fd fd, std::string folder) : fd_(std::move(fd)), folder_(std::move(folder)) {}
  Result<void> read_sequential(const std::string& name, std::size_t chunk_size, std::string& buffer,
                               const FileSystem::ChunkSink& sink) override {
    return read_sequential_at(fd_.get(), name.c_str(), folder_ + name, chunk_size, buffer, sink);
  }

 private:
  Fd fd_;
  std::string folder_;
};

std::string temporary_name_beside(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  return path + ".wsbkit-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random()) + "-" +
         std::to_string(counter++);
}

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::string> read_file(const std::string& path) override {
    std::string contents;
    auto read = read_chunks(path, 1 << 16, [&](std::string_view chunk) {
      contents.append(chunk);
      return success();
    });
    if (!read) return read.error();
    return contents;
  }

  Result<void> write_file(const std::string& path, std::string_view contents) override {
    return write_with_flags(path, contents, O_CREAT | O_TRUNC, false);
  }

  Result<void> replace_file_atomically(const std::string& path, std::string_view contents) override {
    const std::string temporary = temporary_name_beside(path);
    auto written = write_with_flags(temporary, contents, O_CREAT | O_EXCL, true);
    if (!written) {
      ::unlink(temporary.c_str());
      // Report the failure against the caller's path: the temporary name means nothing to them.
      return Error::win32(written.error().win32_code(), written.error().api(), path, written.error().system_message());
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(temporary.c_str());
      return errno_error(err, "rename", path);
    }
    // Make the rename itself durable (best effort: some file systems refuse fsync on directories).
    Fd dir(::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return success();
  }

  Result<void> append_file(const std::string& path, std::string_view contents) override {
    return write_with_flags(path, contents, O_CREAT | O_APPEND, false);
  }

  Result<std::string> read_file_no_follow(const std::string& path) override {
    auto opened = open_for_reading(path, O_NOFOLLOW);
    if (!opened) return opened.error();
    Fd fd(*opened);
    std::string contents;
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_error(errno, "read", path);
      if (n == 0) return contents;
      contents.append(buffer, static_cast<std::size_t>(n));
    }
  }

  Result<void> append_file_no_follow(const std::string& path, std::string_view contents) override {
    return write_with_flags(path, contents, O_CREAT | O_APPEND | O_NOFOLLOW, false);
  }

  Result<bool> exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return errno_error(errno, "stat", path);
  }

  Result<bool> is_directory(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return errno_error(errno, "stat", path);
  }

  Result<std::uint64_t> file_size(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_error(errno, "stat", path);
    return S_ISDIR(st.st_mode) ? 0u : static_cast<std::uint64_t>(st.st_size);
  }

  Result<std::vector<DirectoryEntry>> list_directory(const std::string& path) override { return list(path, true); }
  Result<std::vector<DirectoryEntry>> list_names(const std::string& path) override { return list(path, false); }

  Result<bool> create_directories(const std::string& path) override {
    bool created = false;
    for (std::size_t end = 0; end != std::string::npos;) {
      end = path.find('/', end + 1);
      const std::string prefix = path.substr(0, end);
      if (prefix.empty() || prefix.back() == '/') continue;
      const bool last = end == std::string::npos || path.find_first_not_of('/', end) == std::string::npos;
      if (::mkdir(prefix.c_str(), 0755) == 0) {
        created = true;
      } else if (errno == EEXIST) {
        // Something is there: fine if a directory; a file is in the way (as CreateDirectoryW:
        // ERROR_ALREADY_EXISTS for the last component, ERROR_PATH_NOT_FOUND before it).
        if (!is_dir(prefix)) {
          return Error::win32(last ? win32_error::already_exists : win32_error::path_not_found, "mkdir", path,
                              "a file named " + prefix + " is in the way");
        }
        created = false;
      } else {
        return errno_error(errno, "mkdir", path);
      }
      if (last) break;
    }
    return created;
  }

  Result<void> remove(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return errno_error(errno, "lstat", path);
    if (S_ISDIR(st.st_mode)) {
      if (::rmdir(path.c_str()) != 0) {
        return errno_error(errno == EEXIST ? ENOTEMPTY : errno, "rmdir", path);
      }
    } else if (::unlink(path.c_str()) != 0) {
      return errno_error(errno, "unlink", path);
    }
    return success();
  }

  Result<void> remove_tree(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return errno_error(errno, "lstat", path);
    if (S_ISDIR(st.st_mode)) {
      auto entries = list_directory(path);
      if (!entries) return entries.error();
      for (const DirectoryEntry& entry : *entries) {
        if (auto removed = remove_tree(path + "/" + entry.name); !removed) return removed;
      }
    }
    return remove(path);
  }

  // readdir's type where the file system gives one; a stat relative to the open directory (no walk
  // of the path's folders again) where it does not, or where a file's size is wanted.
  static Result<std::vector<DirectoryEntry>> list(const std::string& path, bool sizes) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) {
      // As FindFirstFileW("<path>\*"): a missing directory is a missing path, a file is not a directory.
      if (errno == ENOENT) return Error::win32(win32_error::path_not_found, "opendir", path, std::strerror(errno));
      if (errno == ENOTDIR) return Error::win32(error_directory, "opendir", path, std::strerror(errno));
      return errno_error(errno, "opendir", path);
    }
    std::vector<DirectoryEntry> entries;
    errno = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (entry->d_type == DT_DIR || (!sizes && entry->d_type == DT_REG)) {
        entries.push_back({std::move(name), entry->d_type == DT_DIR, 0u, false});
        continue;
      }
      struct stat st;
      if (::fstatat(::dirfd(dir.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished meanwhile
      const bool directory = S_ISDIR(st.st_mode);
      entries.push_back({std::move(name), directory, directory ? 0u : static_cast<std::uint64_t>(st.st_size),
                         S_ISLNK(st.st_mode)});
    }
    if (errno != 0) return errno_error(errno, "readdir", path);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return entries;
  }

  Result<void> read_sequential(const std::string& path, std::size_t chunk_size, std::string& buffer,
                               const ChunkSink& sink) override {
    return read_sequential_at(AT_FDCWD, path.c_str(), path, chunk_size, buffer, sink);
  }

  Result<std::unique_ptr<OpenFolder>> open_folder(const std::string& folder) override {
    Fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno_error(errno, "open", folder);  // ENOTDIR: ERROR_PATH_NOT_FOUND, as its files
    return std::unique_ptr<OpenFolder>(std::make_unique<PosixOpenFolder>(std::move(fd), folder));
  }

  Result<void> read_chunks(const std::string& path, std::size_t chunk_size, const ChunkSink& sink) override {
    if (chunk_size == 0) return Error::win32(win32_error::invalid_parameter, "read_chunks", path, "chunk size 0");
    auto opened = open_for_reading(path);
    if (!opened) return opened.error();
    Fd fd(*opened);
    std::string buffer(chunk_size, '\0');
    for (;;) {
      // Fill the whole chunk (read may return less) so chunks have a predictable size.
      std::size_t filled = 0;
      while (filled < chunk_size) {
        const ssize_t n = ::read(fd.get(), buffer.data() + filled, chunk_size - filled);
        if (n < 0) {
          if (errno == EINTR) continue;
          return errno_error(errno, "read", path);
        }
        if (n == 0) break;
        filled += static_cast<std::size_t>(n);
      }
      if (filled == 0) return success();
      if (auto accepted = sink(std::string_view(buffer.data(), filled)); !accepted) return accepted;
      if (filled < chunk_size) return success();
    }
  }
};

}  // namespace

std::unique_ptr<FileSystem> make_posix_file_system() { return std::make_unique<PosixFileSystem>(); }

}  // namespace wsbkit::posix
