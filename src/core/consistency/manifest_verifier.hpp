// manifest.verify's engine: streams the manifest (ManifestParser), hashes every listed file on the
// snapshot with a pool of threads fed through a bounded queue of batches (each file claimed through
// an atomic cursor: no lock per file), and compares. Per file: one open, its length from the open
// handle (FileSystem::read_sequential), the thread's read buffer and hash state reused. Memory stays
// bounded whatever the number and size of files: the queue holds at most `queue_limit` entries
// (plus the batch each thread is finishing), each thread one read buffer of at most `chunk_size`
// bytes (or one mapped window, POSIX backend), the report the first `report_limit` names of each
// kind, and the extra-files check 8 bytes per listed file.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/consistency/manifest.hpp"
#include "platform/digests.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::consistency {

struct VerifyOptions {
  policy::ManifestFormat format = policy::ManifestFormat::automatic;
  bool extra_files_fail = false;
  int threads = 2;
  std::size_t chunk_size = 256u << 10;  // fits a core's L2: the read buffer stays in cache
  std::size_t queue_limit = 4096;
  std::size_t report_limit = 20;
  std::chrono::milliseconds progress_interval{1000};
  Digests* digests = nullptr;  // SHA-256 manifests need it; without it they fail saying so
};

struct VerifyReport {
  std::uint64_t files_listed = 0;
  std::uint64_t files_ok = 0;
  std::uint64_t bytes_hashed = 0;
  std::uint64_t missing = 0, mismatched = 0, unreadable = 0, malformed_lines = 0, outside = 0, extra = 0;
  // Entries that are (or lie behind) a reparse point: never read, and they fail the check.
  std::uint64_t reparse_points = 0;
  // Reparse points met by the extra-files walk: neither entered nor counted as extra, reported.
  std::uint64_t skipped_reparse_points = 0;
  // The first report_limit of each, in the order found.
  std::vector<std::string> missing_names, mismatched_names, unreadable_names, malformed, outside_names, extra_names,
      reparse_point_names, skipped_reparse_point_names;
  bool stopped = false;  // the stop predicate fired: the report is partial

  bool passed() const {
    return !stopped && missing == 0 && mismatched == 0 && unreadable == 0 && malformed_lines == 0 && outside == 0 &&
           extra == 0 && reparse_points == 0 && files_listed > 0;
  }
  // "2000 files listed, 1998 ok, 1 mismatched (data/a.ldb), 1 missing (logs/x.log)"
  std::string summary() const;
};

struct VerifyProgress {
  std::uint64_t files_done = 0;
  std::uint64_t files_listed = 0;  // so far: the manifest is still being read while files are hashed
  std::uint64_t bytes_done = 0;
};

struct VerifyTarget {
  std::string manifest;  // snapshot path of the manifest
  // Snapshot path of a listed name (relative names below the base folder, absolute ones mapped to
  // their snapshot); an error counts the entry as outside the snapshot.
  std::function<Result<std::string>(const std::string& name)> resolve;
  std::string base_directory;  // snapshot folder walked for extra files
  // The snapshot roots below which no component may be a reparse point (reparse_points.hpp): the
  // manifest, every entry and the extra-files walk stay inside. Empty: base_directory.
  std::vector<std::string> snapshot_roots;
  // Where the extra-files walk continues at a reparse point of the snapshot: the snapshot of the
  // volume mounted there (SnapshotPaths::through_mounted_folders), or the path unchanged (not
  // followed: reported as skipped). Empty: never followed.
  std::function<std::string(const std::string& snapshot_path)> through_mounted_folder;
};

// The manifest itself unreadable, or a reparse point or behind one, is an error; everything about
// its entries is in the report.
Result<VerifyReport> verify_manifest(FileSystem& files, const VerifyTarget& target, const VerifyOptions& options,
                                     const std::function<bool()>& should_stop,
                                     const std::function<void(const VerifyProgress&)>& progress);

// The digest of a whole file read through the file system: XXH128 (as `xxhsum -H2` prints it) or
// SHA-256 (as `sha256sum` does, through `digests`).
Result<Digest> hash_file(FileSystem& files, const std::string& path, DigestKind kind, std::size_t chunk_size,
                         const std::function<bool()>& should_stop, std::atomic<std::uint64_t>* bytes_done,
                         Digests* digests = nullptr);

}  // namespace wsbkit::consistency
