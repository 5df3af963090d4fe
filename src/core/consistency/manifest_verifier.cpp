#include "core/consistency/manifest_verifier.hpp"

#include <xxhash.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "core/consistency/reparse_points.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "core/consistency/xxh128.hpp"
#include "platform/text.hpp"

namespace wsbkit::consistency {
namespace {

// The key of a path in the extra-files set: case-insensitive (as NTFS), either separator.
std::uint64_t path_key(const std::string& path) {
  std::string folded = to_lower_ascii(path);
  for (char& c : folded) {
    if (c == '\\') c = '/';
  }
  return XXH3_64bits(folded.data(), folded.size());
}

void keep_first(std::vector<std::string>& names, std::size_t limit, std::string name) {
  if (names.size() < limit) names.push_back(std::move(name));
}

struct Task {
  std::string name;   // as listed, for reports
  std::string path;   // on the snapshot
  Digest expected;
};

// The hand-over between the manifest reader and the hashing threads. The reader publishes batches of
// parsed entries; the workers claim entries one at a time through the front batch's atomic cursor
// (no lock per file, and no worker idles while another still has entries to take), and take the
// lock only to move on to the next batch. At most `limit` entries are queued (each worker may
// still hold the batch it is finishing).
struct Batch {
  std::vector<Task> tasks;
  std::atomic<std::size_t> next{0};
};

class BatchQueue {
 public:
  explicit BatchQueue(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}
  // Waits while the queue is full (workers wake it as batches drain; close() on a stop). False
  // when the queue was closed.
  bool push(std::vector<Task>&& tasks) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return held_ < limit_ || closed_; });
    if (closed_) return false;
    held_ += tasks.size();
    auto batch = std::make_shared<Batch>();
    batch->tasks = std::move(tasks);
    batches_.push_back(std::move(batch));
    not_empty_.notify_all();
    return true;
  }
  // The batch to claim from after `drained` (null at first), which leaves the queue if still in it;
  // null when there is no more work.
  std::shared_ptr<Batch> next(const std::shared_ptr<Batch>& drained) {
    std::unique_lock lock(mutex_);
    if (drained && !batches_.empty() && batches_.front() == drained) {
      held_ -= drained->tasks.size();
      batches_.pop_front();
      not_full_.notify_all();
    }
    not_empty_.wait(lock, [&] { return !batches_.empty() || closed_ || done_; });
    if (closed_ || batches_.empty()) return nullptr;
    return batches_.front();
  }
  void finish_input() {  // no more batches; the queued ones are still served
    std::lock_guard lock(mutex_);
    done_ = true;
    not_empty_.notify_all();
  }
  void close() {  // stop now; queued batches are dropped
    std::lock_guard lock(mutex_);
    closed_ = true;
    batches_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::shared_ptr<Batch>> batches_;
  std::size_t limit_, held_ = 0;
  bool done_ = false, closed_ = false;
};

// Entries per batch: the lock is taken once per this many files.
constexpr std::size_t batch_size = 256;

// What a hashing thread keeps from file to file: its read buffer, its XXH128 state, and the folder
// of its last file held open (a manifest lists files folder after folder).
struct HashScratch {
  std::string buffer;
  Xxh128 xxh128;
  std::string folder;
  std::unique_ptr<FileSystem::OpenFolder> open_folder;  // null: files read by their full path
};

// read_sequential of `path`, through the scratch's open folder when the file is in it (opened
// when the folder changes). Resolved paths have no separator in their last name, so the folder is
// everything up to the last separator.
Result<void> read_whole(FileSystem& files, const std::string& path, std::size_t chunk_size, HashScratch& scratch,
                        const FileSystem::ChunkSink& sink) {
  const std::size_t slash = path.find_last_of("\\/");
  if (slash == std::string::npos || slash + 1 == path.size()) {
    return files.read_sequential(path, chunk_size, scratch.buffer, sink);
  }
  const std::string_view folder(path.data(), slash + 1);
  if (folder != scratch.folder) {
    scratch.folder.assign(folder);
    auto opened = files.open_folder(scratch.folder);
    scratch.open_folder = opened ? std::move(*opened) : nullptr;  // not opened: each read says why
  }
  if (!scratch.open_folder) return files.read_sequential(path, chunk_size, scratch.buffer, sink);
  return scratch.open_folder->read_sequential(path.substr(slash + 1), chunk_size, scratch.buffer, sink);
}

Error stopped_error(const std::string& path) {
  return Error::hresult(hr::e_abort, "hash", path, "stopped");
}

}  // namespace

std::string VerifyReport::summary() const {
  std::string out = std::to_string(files_listed) + " files listed, " + std::to_string(files_ok) + " ok";
  const auto part = [&](std::uint64_t count, const char* what, const std::vector<std::string>& names) {
    if (count == 0) return;
    out += ", " + std::to_string(count) + " " + what + " (";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    if (count > names.size()) out += ", ... " + std::to_string(count - names.size()) + " more";
    out += ")";
  };
  part(mismatched, "mismatched", mismatched_names);
  part(missing, "missing", missing_names);
  part(unreadable, "unreadable", unreadable_names);
  part(outside, "outside the snapshot", outside_names);
  part(malformed_lines, "malformed lines", malformed);
  part(extra, "not in the manifest", extra_names);
  part(reparse_points, "reparse points, not followed", reparse_point_names);
  if (skipped_reparse_points > 0) out += "; " + describe_skipped(skipped_reparse_point_names, skipped_reparse_points);
  if (files_listed == 0 && malformed_lines == 0) out += "; the manifest lists no file";
  if (stopped) out += "; stopped before the end";
  return out;
}

namespace {

Result<Digest> hash_with(FileSystem& files, const std::string& path, DigestKind kind, std::size_t chunk_size,
                         const std::function<bool()>& should_stop, std::atomic<std::uint64_t>* bytes_done,
                         Digests* digests, HashScratch& scratch) {
  Digest digest;
  digest.kind = kind;
  if (kind == DigestKind::sha256) {
    if (!digests) return Error::hresult(hr::e_notimpl, "hash", path, "SHA-256 needs the platform's digest facility");
    auto sha = digests->sha256();
    if (!sha) return sha.error();
    auto read = read_whole(files, path, chunk_size, scratch, [&](std::string_view data) -> Result<void> {
      if (should_stop()) return stopped_error(path);
      (*sha)->update(data.data(), data.size());
      if (bytes_done) bytes_done->fetch_add(data.size(), std::memory_order_relaxed);
      return success();
    });
    if (!read) return read.error();
    auto bytes = (*sha)->finish();
    if (!bytes) return bytes.error();
    std::copy(bytes->begin(), bytes->end(), digest.bytes.begin());
    return digest;
  }
  // One state per thread, reset per file (not thread_local: MinGW's emutls frees thread_local
  // storage before running its destructor at thread exit).
  Xxh128& hasher = scratch.xxh128;
  if (!hasher.valid()) return Error::win32(win32_error::not_enough_memory, "XXH3_createState", path);
  hasher.reset();
  auto read = read_whole(files, path, chunk_size, scratch, [&](std::string_view data) -> Result<void> {
    if (should_stop()) return stopped_error(path);
    hasher.update(data.data(), data.size());
    if (bytes_done) bytes_done->fetch_add(data.size(), std::memory_order_relaxed);
    return success();
  });
  if (!read) return read.error();
  const auto bytes = hasher.digest();
  std::copy(bytes.begin(), bytes.end(), digest.bytes.begin());
  return digest;
}

}  // namespace

Result<Digest> hash_file(FileSystem& files, const std::string& path, DigestKind kind, std::size_t chunk_size,
                         const std::function<bool()>& should_stop, std::atomic<std::uint64_t>* bytes_done,
                         Digests* digests) {
  HashScratch scratch;
  return hash_with(files, path, kind, chunk_size, should_stop, bytes_done, digests, scratch);
}

namespace {

// The extra-files walk: every file below the base folder that the manifest does not list (sorted
// keys), counted and the first ones named relative to the base. A folder where a volume being
// backed up is mounted is walked in that volume's snapshot, each volume once (a mount leading back
// to the base's own volume, or to one walked already, is skipped like any other reparse point); no
// other reparse point is entered.
void find_extra_files(FileSystem& files, const VerifyTarget& target, const VerifyOptions& options,
                      ReparsePoints& reparse, const std::vector<std::uint64_t>& listed_keys,
                      const std::function<bool()>& stop, VerifyReport& report) {
  if (auto behind = reparse.first_on_path(target.base_directory); !behind) {
    ++report.unreadable;
    keep_first(report.unreadable_names, options.report_limit, target.base_directory + ": " + behind.error().message());
    return;
  } else if (*behind) {
    ++report.reparse_points;
    keep_first(report.reparse_point_names, options.report_limit, "base folder (reparse point " + **behind + ")");
    return;
  }
  const std::uint64_t manifest_key = path_key(target.manifest);
  const char sep = separator_of(target.base_directory);
  const auto volume_key = [](const std::string& root) { return to_lower_ascii(with_trailing_separator(root)); };
  // The volumes walked: the base's own first, so that a mount leading back to it is not entered.
  std::unordered_set<std::string> volumes_entered;
  if (const std::string* base_root = reparse.root_of(target.base_directory)) volumes_entered.insert(volume_key(*base_root));
  struct Folder {
    std::string path;   // on a snapshot
    std::string shown;  // relative to the base folder, for reports ("" for the base)
  };
  std::vector<Folder> pending = {{target.base_directory, ""}};
  while (!pending.empty()) {
    if (stop()) {
      report.stopped = true;
      return;
    }
    const Folder folder = std::move(pending.back());
    pending.pop_back();
    auto entries = files.list_names(without_trailing_separator(folder.path));
    if (!entries) {
      ++report.unreadable;
      keep_first(report.unreadable_names, options.report_limit, folder.path + ": " + entries.error().message());
      continue;
    }
    reparse.learn(folder.path, *entries);
    for (const auto& entry : *entries) {
      const std::string full = with_trailing_separator(folder.path) + entry.name;
      const std::string shown = folder.shown.empty() ? entry.name : folder.shown + sep + entry.name;
      if (entry.is_reparse_point) {
        const std::string mounted = target.through_mounted_folder ? target.through_mounted_folder(full) : full;
        if (mounted != full && volumes_entered.insert(volume_key(mounted)).second) {
          pending.push_back({without_trailing_separator(mounted), shown});
        } else {
          ++report.skipped_reparse_points;
          keep_first(report.skipped_reparse_point_names, options.report_limit, full);
        }
      } else if (entry.is_directory) {
        pending.push_back({full, shown});
      } else if (const std::uint64_t key = path_key(full);
                 key != manifest_key && !std::binary_search(listed_keys.begin(), listed_keys.end(), key)) {
        ++report.extra;
        keep_first(report.extra_names, options.report_limit, shown);
      }
    }
  }
}

}  // namespace

Result<VerifyReport> verify_manifest(FileSystem& files, const VerifyTarget& target, const VerifyOptions& options,
                                     const std::function<bool()>& should_stop,
                                     const std::function<void(const VerifyProgress&)>& progress) {
  VerifyReport report;
  std::mutex report_mutex;
  std::atomic<std::uint64_t> bytes_done{0}, files_done{0}, files_listed{0};
  std::atomic<bool> stop_seen{false};
  const auto stop = [&] {
    if (stop_seen.load(std::memory_order_relaxed)) return true;
    if (!should_stop()) return false;
    stop_seen = true;
    return true;
  };
  std::vector<std::uint64_t> listed_keys;
  ReparsePoints reparse(files, target.snapshot_roots.empty() ? std::vector<std::string>{target.base_directory}
                                                             : target.snapshot_roots);
  if (auto behind = reparse.first_on_path(target.manifest); !behind) {
    return behind.error();
  } else if (*behind) {
    return Error::win32(win32_error::access_denied, "read manifest", target.manifest,
                        "reparse point " + **behind + " on its path is not followed: only the snapshot is read");
  }

  BatchQueue queue(options.queue_limit);
  const int thread_count = std::max(1, options.threads);
  std::mutex finish_mutex;
  std::condition_variable finished;  // a worker has exited
  int workers_left = thread_count;
  const auto record_failure = [&](const Task& task, const Error& error) {
    std::lock_guard lock(report_mutex);
    const std::uint32_t code = error.win32_code();
    if (code == win32_error::file_not_found || code == win32_error::path_not_found) {
      ++report.missing;
      keep_first(report.missing_names, options.report_limit, task.name);
    } else {
      ++report.unreadable;
      keep_first(report.unreadable_names, options.report_limit, task.name + ": " + error.message());
    }
  };
  const auto worker = [&] {
    HashScratch scratch;
    std::uint64_t ok = 0;
    std::shared_ptr<Batch> batch;
    for (;;) {
      const std::size_t index = batch ? batch->next.fetch_add(1, std::memory_order_relaxed) : 0;
      if (!batch || index >= batch->tasks.size()) {
        if (!(batch = queue.next(batch))) break;
        continue;
      }
      // Checked per file too: empty files are never read, so the read's check never runs for them.
      if (stop()) break;
      const Task& task = batch->tasks[index];
      auto digest = hash_with(files, task.path, task.expected.kind, options.chunk_size, stop, &bytes_done,
                              options.digests, scratch);
      if (!digest && digest.error().hresult_code() == hr::e_abort) break;
      if (!digest) {
        record_failure(task, digest.error());
      } else if (!(*digest == task.expected)) {
        std::lock_guard lock(report_mutex);
        ++report.mismatched;
        keep_first(report.mismatched_names, options.report_limit, task.name);
      } else {
        ++ok;
      }
      files_done.fetch_add(1, std::memory_order_relaxed);
    }
    if (stop_seen) queue.close();  // the reader may be waiting for room
    {
      std::lock_guard lock(report_mutex);
      report.files_ok += ok;
    }
    std::lock_guard lock(finish_mutex);
    --workers_left;
    finished.notify_all();
  };
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(thread_count));
  for (int i = 0; i < thread_count; ++i) workers.emplace_back(worker);

  auto last_progress = std::chrono::steady_clock::now();
  const auto report_progress = [&](bool force) {
    if (!progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_progress < options.progress_interval) return;
    last_progress = now;
    progress({files_done.load(), files_listed.load(), bytes_done.load()});
  };

  // The reader: this thread parses the manifest and feeds the workers, a batch at a time.
  std::vector<Task> pending;
  const auto publish = [&] {
    if (pending.empty()) return;
    if (!queue.push(std::move(pending))) stop_seen = true;
    pending = {};
    pending.reserve(batch_size);
    report_progress(false);
  };
  ManifestParser parser(
      options.format,
      [&](ManifestEntry&& entry) {
        if (stop_seen) return;
        files_listed.fetch_add(1, std::memory_order_relaxed);
        auto path = target.resolve(entry.name);
        if (!path) {
          std::lock_guard lock(report_mutex);
          ++report.outside;
          keep_first(report.outside_names, options.report_limit, entry.name + " (" + path.error().system_message() + ")");
          return;
        }
        auto behind = reparse.first_on_path(*path);
        if (!behind || *behind) {
          std::lock_guard lock(report_mutex);
          if (!behind) {
            ++report.unreadable;
            keep_first(report.unreadable_names, options.report_limit, entry.name + ": " + behind.error().message());
          } else {
            ++report.reparse_points;
            keep_first(report.reparse_point_names, options.report_limit, entry.name + " (reparse point " + **behind + ")");
          }
          return;
        }
        if (options.extra_files_fail) listed_keys.push_back(path_key(*path));
        pending.push_back({std::move(entry.name), std::move(*path), entry.digest});
        if (pending.size() >= batch_size) publish();
      },
      [&](ManifestLineError&& error) {
        std::lock_guard lock(report_mutex);
        ++report.malformed_lines;
        keep_first(report.malformed, options.report_limit, "line " + std::to_string(error.line) + ": " + error.message);
      });
  auto read = files.read_chunks(target.manifest, 1u << 20, [&](std::string_view chunk) -> Result<void> {
    if (stop()) return stopped_error(target.manifest);
    parser.feed(chunk);
    publish();  // the workers start before the whole manifest is read
    return success();
  });
  if (read) parser.finish();
  if (read && !stop_seen) publish();
  queue.finish_input();

  if (stop_seen || !read) queue.close();
  // Wait for the workers (woken by each one's exit), reporting progress meanwhile. A stop makes
  // hashing workers quit within one chunk; closing the queue releases idle ones.
  {
    std::unique_lock lock(finish_mutex);
    const auto tick = std::max<std::chrono::milliseconds>(options.progress_interval, std::chrono::milliseconds(1));
    while (workers_left > 0) {
      finished.wait_for(lock, std::min<std::chrono::milliseconds>(tick, std::chrono::milliseconds(250)));
      lock.unlock();
      report_progress(false);
      if (stop()) queue.close();
      lock.lock();
    }
  }
  for (auto& t : workers) t.join();
  if (!read) {
    if (read.error().hresult_code() == hr::e_abort) {
      report.stopped = true;
      return report;
    }
    return read.error();
  }
  report.files_listed = files_listed.load();
  report.bytes_hashed = bytes_done.load();
  report.stopped = stop_seen.load();
  report_progress(true);

  if (options.extra_files_fail && !report.stopped) {
    std::sort(listed_keys.begin(), listed_keys.end());
    find_extra_files(files, target, options, reparse, listed_keys, stop, report);
  }
  return report;
}

}  // namespace wsbkit::consistency
