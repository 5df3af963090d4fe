// Win32 file system backend: must contain only Win32-specific code. '/' is accepted and turned into
// '\'. Paths longer than MAX_PATH are not given the \\?\ prefix (wsbkit's paths stay short).
#include <algorithm>
#include <atomic>
#include <mutex>
#include <memory>

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

std::wstring wide_path(const std::string& path) {
  std::wstring w = widen(path);
  std::replace(w.begin(), w.end(), L'/', L'\\');
  return w;
}

// Attributes, or INVALID_FILE_ATTRIBUTES with GetLastError() set.
DWORD attributes_of(const std::string& path) { return ::GetFileAttributesW(wide_path(path).c_str()); }

bool missing(DWORD code) { return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND; }

Result<void> write_all(HANDLE file, std::string_view contents, const std::string& path) {
  while (!contents.empty()) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(contents.size(), 1u << 30));
    DWORD written = 0;
    if (!::WriteFile(file, contents.data(), chunk, &written, nullptr)) return last_error("WriteFile", path);
    contents.remove_prefix(written);
  }
  return success();
}

Result<void> write_with(const std::string& path, std::string_view contents, DWORD access, DWORD disposition,
                        bool flush) {
  unique_file_handle file(::CreateFileW(wide_path(path).c_str(), access, FILE_SHARE_READ, nullptr, disposition,
                                        FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file) return last_error("CreateFileW", path);
  if (auto written = write_all(file.get(), contents, path); !written) return written;
  if (flush && !::FlushFileBuffers(file.get())) return last_error("FlushFileBuffers", path);
  return success();
}

// Appends (logs, journals) share write access with one another, so appenders in this or another
// process never fail one another; on Windows each WriteFile on a handle opened with FILE_APPEND_DATA
// alone lands whole at the end. Wine does not make that atomic (measured: two of 400 concurrent
// lines overwritten), so this process's writes of appends also take one lock (the write only: a
// waiting open never holds up another file's append). A program that opened the file sharing no
// write access (an editor, a copy) holds it only for a moment: the open is retried for up to half a
// second before the append fails.
std::mutex append_mutex;

Result<void> append_whole(HANDLE file, std::string_view contents, const std::string& path) {
  std::lock_guard lock(append_mutex);
  return write_all(file, contents, path);
}

unique_file_handle open_for_append(const std::string& path, DWORD flags) {
  const std::wstring wide = wide_path(path);
  for (int attempt = 0;; ++attempt) {
    unique_file_handle file(::CreateFileW(wide.c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                          OPEN_ALWAYS, flags, nullptr));
    if (file || ::GetLastError() != ERROR_SHARING_VIOLATION || attempt == 25) return file;
    ::Sleep(20);
  }
}

// Every read opens with backup semantics: with SeBackupPrivilege enabled (platform/privileges.hpp,
// held by a consistency check) the ACL does not stop SYSTEM; without it the flag changes nothing.
DWORD read_flags() { return FILE_FLAG_SEQUENTIAL_SCAN | FILE_FLAG_BACKUP_SEMANTICS; }

std::string temporary_name_beside(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".wsbkit-tmp-" + std::to_string(::GetCurrentProcessId()) + "-" +
         std::to_string(::GetTickCount64()) + "-" + std::to_string(counter++);
}

// What was opened (with FILE_FLAG_OPEN_REPARSE_POINT) is the link itself, not a file: refused.
Result<void> refuse_reparse_point(HANDLE file, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION info;
  if (!::GetFileInformationByHandle(file, &info)) return last_error("GetFileInformationByHandle", path);
  if (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) {
    return Error::win32(win32_error::cant_access_file, "CreateFileW", path,
                        "a reparse point or folder is where a file of wsbkit's state must be: not followed");
  }
  return success();
}

// With backup semantics CreateFileW opens a folder too: reading one stays ERROR_ACCESS_DENIED, as
// the interface says (and as a plain open answers).
Result<void> refuse_directory(HANDLE file, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION info;
  if (!::GetFileInformationByHandle(file, &info)) return last_error("GetFileInformationByHandle", path);
  if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return win32_error(ERROR_ACCESS_DENIED, "CreateFileW", path);
  return success();
}

// The one open of every read (read_file, read_chunks, read_sequential): backup semantics and
// sequential scan (read_flags), a folder refused; others may keep reading, writing or renaming the
// file meanwhile, as on POSIX.
Result<unique_file_handle> open_for_snapshot_read(const std::string& path) {
  unique_file_handle file(::CreateFileW(wide_path(path).c_str(), GENERIC_READ,
                                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                        read_flags(), nullptr));
  if (!file) return last_error("CreateFileW", path);
  if (auto plain = refuse_directory(file.get(), path); !plain) return plain.error();
  return file;
}

// --- read_sequential: hashing many files in a row ----------------------------------------------
// Up to `size` bytes of `file` read into `buffer` (no read for the end of file: the length is
// known). Cached reads with FILE_FLAG_SEQUENTIAL_SCAN, not a mapped view: an I/O error under a view
// is an EXCEPTION_IN_PAGE_ERROR, which MinGW's GCC cannot catch (no __try), so it would end the
// add-in instead of counting the file unreadable. Not FILE_FLAG_NO_BUFFERING either: it bypasses a
// warm cache and needs overlapped reads to keep read-ahead (see README, "Benchmark").
Result<void> read_known_length(HANDLE file, std::uint64_t size, const std::string& path, std::size_t chunk_size,
                               std::string& buffer, const FileSystem::ChunkSink& sink) {
  const auto most = static_cast<std::size_t>(std::min<std::uint64_t>({size, chunk_size, 1u << 30}));
  if (buffer.size() < most) buffer.resize(most);
  for (std::uint64_t left = size; left > 0;) {
    const auto request = static_cast<DWORD>(std::min<std::uint64_t>(left, most));
    DWORD filled = 0;
    while (filled < request) {
      DWORD n = 0;
      if (!::ReadFile(file, buffer.data() + filled, request - filled, &n, nullptr)) return last_error("ReadFile", path);
      if (n == 0) break;  // shorter than its length said: what is there is hashed
      filled += n;
    }
    if (filled > 0) {
      if (auto accepted = sink(std::string_view(buffer.data(), filled)); !accepted) return accepted;
    }
    if (filled < request) return success();
    left -= filled;
  }
  return success();
}

class Win32FileSystem final : public FileSystem {
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
    return write_with(path, contents, GENERIC_WRITE, CREATE_ALWAYS, false);
  }

  Result<void> replace_file_atomically(const std::string& path, std::string_view contents) override {
    const std::string temporary = temporary_name_beside(path);
    auto written = write_with(temporary, contents, GENERIC_WRITE, CREATE_NEW, true);
    if (!written) {
      ::DeleteFileW(wide_path(temporary).c_str());
      // Report the failure against the caller's path: the temporary name means nothing to them.
      return Error::win32(written.error().win32_code(), written.error().api(), path, written.error().system_message());
    }
    if (!::MoveFileExW(wide_path(temporary).c_str(), wide_path(path).c_str(),
                       MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
      Error error = last_error("MoveFileExW", path);
      ::DeleteFileW(wide_path(temporary).c_str());
      return error;
    }
    return success();
  }

  Result<void> append_file(const std::string& path, std::string_view contents) override {
    unique_file_handle file = open_for_append(path, FILE_ATTRIBUTE_NORMAL);
    if (!file) return last_error("CreateFileW", path);
    return append_whole(file.get(), contents, path);
  }

  Result<std::string> read_file_no_follow(const std::string& path) override {
    unique_file_handle file(::CreateFileW(wide_path(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                          FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
    if (!file) return last_error("CreateFileW", path);
    if (auto plain = refuse_reparse_point(file.get(), path); !plain) return plain.error();
    std::string contents;
    char buffer[1 << 16];
    for (DWORD n = 0;; contents.append(buffer, n)) {
      if (!::ReadFile(file.get(), buffer, sizeof buffer, &n, nullptr)) return last_error("ReadFile", path);
      if (n == 0) return contents;
    }
  }

  Result<void> append_file_no_follow(const std::string& path, std::string_view contents) override {
    unique_file_handle file = open_for_append(path, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT);
    if (!file) return last_error("CreateFileW", path);
    if (auto plain = refuse_reparse_point(file.get(), path); !plain) return plain;
    return append_whole(file.get(), contents, path);
  }

  Result<bool> exists(const std::string& path) override {
    if (attributes_of(path) != INVALID_FILE_ATTRIBUTES) return true;
    if (missing(::GetLastError())) return false;
    return last_error("GetFileAttributesW", path);
  }

  Result<bool> is_directory(const std::string& path) override {
    const DWORD attributes = attributes_of(path);
    if (attributes != INVALID_FILE_ATTRIBUTES) return (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    if (missing(::GetLastError())) return false;
    return last_error("GetFileAttributesW", path);
  }

  Result<std::uint64_t> file_size(const std::string& path) override {
    WIN32_FILE_ATTRIBUTE_DATA data;
    if (!::GetFileAttributesExW(wide_path(path).c_str(), GetFileExInfoStandard, &data)) {
      return last_error("GetFileAttributesExW", path);
    }
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return std::uint64_t{0};
    return (static_cast<std::uint64_t>(data.nFileSizeHigh) << 32) | data.nFileSizeLow;
  }

  Result<std::vector<DirectoryEntry>> list_directory(const std::string& path) override {
    WIN32_FIND_DATAW data;
    const std::wstring pattern = wide_path(path) + L"\\*";
    std::vector<DirectoryEntry> entries;
    unique_find_handle find(::FindFirstFileW(pattern.c_str(), &data));
    if (!find) {
      const DWORD code = ::GetLastError();
      if (code == ERROR_FILE_NOT_FOUND) return entries;  // nothing matched (a drive root)
      // Listing a file: Windows says ERROR_DIRECTORY, Wine ERROR_INVALID_NAME; answer as Windows.
      const DWORD attributes = attributes_of(path);
      if (attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        return win32_error(ERROR_DIRECTORY, "FindFirstFileW", path);
      }
      return win32_error(code, "FindFirstFileW", path);
    }
    do {
      const std::wstring_view name(data.cFileName);
      if (name == L"." || name == L"..") continue;
      const bool directory = (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
      const std::uint64_t size =
          directory ? 0 : (static_cast<std::uint64_t>(data.nFileSizeHigh) << 32) | data.nFileSizeLow;
      entries.push_back({narrow(name), directory, size, (data.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0});
    } while (::FindNextFileW(find.get(), &data));
    if (::GetLastError() != ERROR_NO_MORE_FILES) return last_error("FindNextFileW", path);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return entries;
  }

  Result<bool> create_directories(const std::string& path) override {
    std::string normalized = path;
    std::replace(normalized.begin(), normalized.end(), '/', '\\');
    // Components to skip: "\\server\share" of a UNC path, and a drive ("C:").
    std::size_t start = 0;
    if (normalized.rfind("\\\\", 0) == 0) {
      start = normalized.find('\\', 2);
      start = start == std::string::npos ? normalized.size() : normalized.find('\\', start + 1);
      if (start == std::string::npos) start = normalized.size();
    }
    bool created = false;
    for (std::size_t end = start; end != std::string::npos;) {
      end = normalized.find('\\', end + 1);
      const std::string prefix = normalized.substr(0, end);
      if (prefix.size() <= start || prefix.back() == '\\' || prefix.back() == ':') continue;
      const bool last = end == std::string::npos || normalized.find_first_not_of('\\', end) == std::string::npos;
      if (::CreateDirectoryW(widen(prefix).c_str(), nullptr)) {
        created = true;
      } else if (const DWORD code = ::GetLastError(); code == ERROR_ALREADY_EXISTS || code == ERROR_ACCESS_DENIED) {
        // Something is there (a drive root may answer ACCESS_DENIED): fine if a directory; a file in
        // the way is ERROR_ALREADY_EXISTS as the last component, ERROR_PATH_NOT_FOUND before it.
        const DWORD attributes = ::GetFileAttributesW(widen(prefix).c_str());
        if (attributes == INVALID_FILE_ATTRIBUTES) return win32_error(code, "CreateDirectoryW", path);
        if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
          return win32_error(last ? ERROR_ALREADY_EXISTS : ERROR_PATH_NOT_FOUND, "CreateDirectoryW", path);
        }
        created = false;
      } else {
        return win32_error(code, "CreateDirectoryW", path);
      }
      if (last) break;
    }
    return created;
  }

  Result<void> remove(const std::string& path) override {
    const DWORD attributes = attributes_of(path);
    if (attributes == INVALID_FILE_ATTRIBUTES) return last_error("GetFileAttributesW", path);
    if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
      if (!::RemoveDirectoryW(wide_path(path).c_str())) return last_error("RemoveDirectoryW", path);
    } else if (!::DeleteFileW(wide_path(path).c_str())) {
      return last_error("DeleteFileW", path);
    }
    return success();
  }

  Result<void> remove_tree(const std::string& path) override {
    const DWORD attributes = attributes_of(path);
    if (attributes == INVALID_FILE_ATTRIBUTES) return last_error("GetFileAttributesW", path);
    if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
      auto entries = list_directory(path);
      if (!entries) return entries.error();
      for (const DirectoryEntry& entry : *entries) {
        if (auto removed = remove_tree(path + "\\" + entry.name); !removed) return removed;
      }
    }
    return remove(path);
  }

  Result<void> read_sequential(const std::string& path, std::size_t chunk_size, std::string& buffer,
                               const ChunkSink& sink) override {
    if (chunk_size == 0) return win32_error(ERROR_INVALID_PARAMETER, "read_sequential", path);
    auto file = open_for_snapshot_read(path);
    if (!file) return file.error();
    LARGE_INTEGER size;
    if (!::GetFileSizeEx(file->get(), &size)) return last_error("GetFileSizeEx", path);
    return read_known_length(file->get(), static_cast<std::uint64_t>(size.QuadPart), path, chunk_size, buffer, sink);
  }

  Result<void> read_chunks(const std::string& path, std::size_t chunk_size, const ChunkSink& sink) override {
    if (chunk_size == 0) return win32_error(ERROR_INVALID_PARAMETER, "read_chunks", path);
    auto file = open_for_snapshot_read(path);
    if (!file) return file.error();
    const DWORD request = static_cast<DWORD>(std::min<std::size_t>(chunk_size, 1u << 30));
    std::string buffer(request, '\0');
    for (;;) {
      // Fill the whole chunk (ReadFile may return less) so chunks have a predictable size.
      DWORD filled = 0;
      while (filled < request) {
        DWORD n = 0;
        if (!::ReadFile(file->get(), buffer.data() + filled, request - filled, &n, nullptr)) {
          return last_error("ReadFile", path);
        }
        if (n == 0) break;
        filled += n;
      }
      if (filled == 0) return success();
      if (auto accepted = sink(std::string_view(buffer.data(), filled)); !accepted) return accepted;
      if (filled < request) return success();
    }
  }
};

}  // namespace

std::unique_ptr<FileSystem> make_win32_file_system() { return std::make_unique<Win32FileSystem>(); }

}  // namespace wsbkit::win32
