#include "core/consistency/manifest_verifier.hpp"

#include <xxhash.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

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

// The bounded hand-over between the manifest reader and the hashing threads.
class TaskQueue {
 public:
  explicit TaskQueue(std::size_t limit) : limit_(limit) {}
  // False when the queue was closed (stopping).
  bool push(Task task, const std::function<bool()>& should_stop) {
    std::unique_lock lock(mutex_);
    while (tasks_.size() >= limit_ && !closed_) {
      if (should_stop()) return false;
      not_full_.wait_for(lock, std::chrono::milliseconds(20));
    }
    if (closed_) return false;
    tasks_.push_back(std::move(task));
    not_empty_.notify_one();
    return true;
  }
  bool pop(Task& out) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !tasks_.empty() || closed_ || done_; });
    if (closed_ || tasks_.empty()) return false;
    out = std::move(tasks_.front());
    tasks_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void finish_input() {  // no more tasks; the queued ones are still served
    std::lock_guard lock(mutex_);
    done_ = true;
    not_empty_.notify_all();
  }
  void close() {  // stop now; queued tasks are dropped
    std::lock_guard lock(mutex_);
    closed_ = true;
    tasks_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Task> tasks_;
  std::size_t limit_;
  bool done_ = false, closed_ = false;
};

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

Result<Digest> hash_file(FileSystem& files, const std::string& path, DigestKind kind, std::size_t chunk_size,
                         const std::function<bool()>& should_stop, std::atomic<std::uint64_t>* bytes_done,
                         Digests* digests) {
  auto size = files.file_size(path);
  if (!size) return size.error();
  // A buffer no larger than the file: small files cost a small buffer.
  const std::size_t chunk = static_cast<std::size_t>(std::clamp<std::uint64_t>(*size, 4096, chunk_size));
  if (kind == DigestKind::sha256) {
    if (!digests) return Error::hresult(hr::e_notimpl, "hash", path, "SHA-256 needs the platform's digest facility");
    auto sha = digests->sha256();
    if (!sha) return sha.error();
    auto read = files.read_chunks(path, chunk, [&](std::string_view data) -> Result<void> {
      if (should_stop()) return stopped_error(path);
      (*sha)->update(data.data(), data.size());
      if (bytes_done) bytes_done->fetch_add(data.size(), std::memory_order_relaxed);
      return success();
    });
    if (!read) return read.error();
    auto bytes = (*sha)->finish();
    if (!bytes) return bytes.error();
    Digest digest;
    digest.kind = kind;
    std::copy(bytes->begin(), bytes->end(), digest.bytes.begin());
    return digest;
  }
  // A state per file (one small allocation), not thread_local: MinGW's emutls frees thread_local
  // storage before running its destructor at thread exit.
  Xxh128 hasher;
  if (!hasher.valid()) return Error::win32(win32_error::not_enough_memory, "XXH3_createState", path);
  auto read = files.read_chunks(path, chunk, [&](std::string_view data) -> Result<void> {
    if (should_stop()) return stopped_error(path);
    hasher.update(data.data(), data.size());
    if (bytes_done) bytes_done->fetch_add(data.size(), std::memory_order_relaxed);
    return success();
  });
  if (!read) return read.error();
  const auto bytes = hasher.digest();
  Digest digest;
  digest.kind = kind;
  std::copy(bytes.begin(), bytes.end(), digest.bytes.begin());
  return digest;
}

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
  const std::string manifest_key_path = target.manifest;
  ReparsePoints reparse(files, target.snapshot_roots.empty() ? std::vector<std::string>{target.base_directory}
                                                             : target.snapshot_roots);
  if (auto behind = reparse.first_on_path(target.manifest); !behind) {
    return behind.error();
  } else if (*behind) {
    return Error::win32(win32_error::access_denied, "read manifest", target.manifest,
                        "reparse point " + **behind + " on its path is not followed: only the snapshot is read");
  }

  TaskQueue queue(options.queue_limit);
  const int thread_count = std::max(1, options.threads);
  std::mutex finish_mutex;
  std::condition_variable finished;  // a worker has exited
  int workers_left = thread_count;
  const auto worker = [&] {
    Task task;
    while (queue.pop(task)) {
      auto digest = hash_file(files, task.path, task.expected.kind, options.chunk_size, stop, &bytes_done, options.digests);
      if (!digest && digest.error().hresult_code() == hr::e_abort) break;
      {
        std::lock_guard lock(report_mutex);
        if (!digest) {
          const std::uint32_t code = digest.error().win32_code();
          if (code == win32_error::file_not_found || code == win32_error::path_not_found) {
            ++report.missing;
            keep_first(report.missing_names, options.report_limit, task.name);
          } else {
            ++report.unreadable;
            keep_first(report.unreadable_names, options.report_limit, task.name + ": " + digest.error().message());
          }
        } else if (!(*digest == task.expected)) {
          ++report.mismatched;
          keep_first(report.mismatched_names, options.report_limit, task.name);
        } else {
          ++report.files_ok;
        }
      }
      files_done.fetch_add(1, std::memory_order_relaxed);
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

  // The reader: this thread parses the manifest and feeds the workers.
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
        if (!queue.push({std::move(entry.name), std::move(*path), entry.digest}, stop)) stop_seen = true;
        report_progress(false);
      },
      [&](ManifestLineError&& error) {
        std::lock_guard lock(report_mutex);
        ++report.malformed_lines;
        keep_first(report.malformed, options.report_limit, "line " + std::to_string(error.line) + ": " + error.message);
      });
  auto read = files.read_chunks(target.manifest, 1u << 20, [&](std::string_view chunk) -> Result<void> {
    if (stop()) return stopped_error(target.manifest);
    parser.feed(chunk);
    return success();
  });
  if (read) parser.finish();
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
    const std::uint64_t manifest_key = path_key(manifest_key_path);
    std::vector<std::string> pending;
    if (auto behind = reparse.first_on_path(target.base_directory); !behind) {
      ++report.unreadable;
      keep_first(report.unreadable_names, options.report_limit, target.base_directory + ": " + behind.error().message());
    } else if (*behind) {
      ++report.reparse_points;
      keep_first(report.reparse_point_names, options.report_limit, "base folder (reparse point " + **behind + ")");
    } else {
      pending.push_back(target.base_directory);
    }
    while (!pending.empty()) {
      if (stop()) {
        report.stopped = true;
        break;
      }
      const std::string dir = std::move(pending.back());
      pending.pop_back();
      auto entries = files.list_directory(without_trailing_separator(dir));
      if (!entries) {
        ++report.unreadable;
        keep_first(report.unreadable_names, options.report_limit, dir + ": " + entries.error().message());
        continue;
      }
      reparse.learn(dir, *entries);
      for (const auto& entry : *entries) {
        const std::string full = with_trailing_separator(dir) + entry.name;
        if (entry.is_reparse_point) {
          ++report.skipped_reparse_points;
          keep_first(report.skipped_reparse_point_names, options.report_limit, full);
          continue;
        }
        if (entry.is_directory) {
          pending.push_back(full);
          continue;
        }
        const std::uint64_t key = path_key(full);
        if (key == manifest_key || std::binary_search(listed_keys.begin(), listed_keys.end(), key)) continue;
        ++report.extra;
        const std::string base = with_trailing_separator(target.base_directory);
        keep_first(report.extra_names, options.report_limit, full.size() > base.size() ? full.substr(base.size()) : full);
      }
    }
  }
  return report;
}

}  // namespace wsbkit::consistency
