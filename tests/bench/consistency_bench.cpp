// wsbkit-bench-checks: the consistency checks' performance figures (issue "Consistency checks"),
// printing both sides of each comparison from the same run. Linux, POSIX file system backend.
//
//   wsbkit-bench-checks p1 [--dir D] [--files 2000] [--bytes 2000000000] [--runs 3]
//       P1: a manifest of FILES files / BYTES bytes (sizes skewed 4 KiB .. 4 MiB), written by
//       `xxhsum -H2`, verified by `xxhsum -H2 -c` and by wsbkit (the whole engine: CheckConsistency,
//       QueryStatus polling) in child processes, page cache warm, alternating; wall time and peak
//       memory (ru_maxrss) of each side.
//   wsbkit-bench-checks p2 [--dir D] [--iterations 100]
//       P2: Abort -> QueryStatus E_ABORT latency during a large hash, and during a hung checker
//       process (a POSIX runner that polls ProcessRequest::cancelled like the Win32 one).
//   wsbkit-bench-checks p3 [--dir D] [--entries 100000]
//       Manifest of ENTRIES entries: parse alone, and parse + schedule through the verifier.
//   wsbkit-bench-checks p1 --shape small-files|one-large|skewed|all [--files N] [--bytes N]
//                          [--min-size N] [--max-size N] [--runs N]
//       The shapes of data (issue 13): many small files, one large file, skewed sizes. wsbkit next
//       to one `xxhsum -H2 -c` and to two on the manifest's halves, interleaved, medians, CPU
//       seconds per GB and per 1,000 files. QueryStatus polled every 100 ms as WSB would; ratios to
//       the end of the work (the measured poll lag removed) and as those polls see it.
//   wsbkit-bench-checks all [--quick]      (p1, p2, p3; --quick: tiny sizes, for the smoke test)
//   wsbkit-bench-checks verify MANIFEST    (the wsbkit side of P1, run as a child)
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/consistency/manifest.hpp"
#include "core/consistency/manifest_verifier.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "core/consistency/xxh128.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_volumes.hpp"
#include "platform/posix/backends.hpp"

using namespace wsbkit;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

struct Options {
  std::string dir = "/tmp/wsbkit-bench";
  std::size_t files = 2000;
  std::uint64_t bytes = 2000000000ull;
  int runs = 3;
  int iterations = 100;
  std::size_t entries = 100000;
  bool quick = false;
  std::string shape;               // p1 --shape: small-files | one-large | skewed | all
  std::uint64_t min_size = 1024;   // small-files: sizes uniform in [min, max]
  std::uint64_t max_size = 8192;
  bool files_set = false, bytes_set = false;
};

// --- child processes -------------------------------------------------------------------------

struct ChildRun {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kib = 0;
  double cpu_seconds = 0;  // user + system: what the run cost, whatever else the machine was doing
  double poll_lag = 0;     // wsbkit's side: from the end of the work to the poll that saw it
};

std::string self_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "wsbkit-bench-checks";
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// `wsbkit-bench-checks spawn ARGV...`: runs ARGV as a child of this fresh, small process and prints
// its peak memory and CPU ("child-rusage KIB SECONDS"). A process's peak memory counts the image it
// had before exec, and a child forked straight from the benchmark inherits the benchmark's (its
// data sets' bookkeeping): the figure would be the benchmark's. Through spawn, every side's figure
// has the same floor, this process's own start-up image (about 3-4 MB).
int cmd_spawn(const std::vector<std::string>& argv) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid) return 125;
  std::printf("child-rusage %ld %.6f\n", usage.ru_maxrss, seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs argv in `cwd` (through `spawn`) with stderr to /dev/null; wall time, peak resident memory and
// CPU. The child's stdout is read through a pipe (wsbkit's "poll-lag S" line, spawn's figures).
ChildRun run_child(const std::vector<std::string>& argv, const std::string& cwd) {
  // Everything the child needs is allocated before the fork (no malloc between fork and exec).
  std::vector<std::string> spawned = {self_path(), "spawn"};
  spawned.insert(spawned.end(), argv.begin(), argv.end());
  std::vector<char*> args;
  for (const auto& a : spawned) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {};  // exit_code -1: not a run (not inherited by a sibling forked meanwhile)
  const auto start = Steady::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    if (null >= 0) ::dup2(null, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string output;
  char chunk[4096];
  for (ssize_t n; (n = ::read(out[0], chunk, sizeof chunk)) != 0;) {
    if (n > 0) output.append(chunk, static_cast<std::size_t>(n));
    else if (errno != EINTR) break;
  }
  ::close(out[0]);
  ChildRun run;
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  run.seconds = seconds_since(start);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (const auto at = output.rfind("child-rusage "); at != std::string::npos) {
    std::sscanf(output.c_str() + at, "child-rusage %ld %lf", &run.max_rss_kib, &run.cpu_seconds);
  } else {
    run.exit_code = run.exit_code == 0 ? 125 : run.exit_code;  // spawn did not report: not a valid run
  }
  if (const auto at = output.rfind("poll-lag "); at != std::string::npos) run.poll_lag = std::atof(output.c_str() + at + 9);
  return run;
}


// --- the engine, as the add-in runs it ---------------------------------------------------------

// The add-in's event log, each report's time kept: the check reports its end just before its status
// turns final, so the last report's time is when the work was done, however late a poll sees it.
class TimedEventLog final : public EventLog {
 public:
  Result<void> report(EventSeverity severity, std::uint32_t event_id, const std::string& message) override {
    std::lock_guard lock(mutex_);
    last_ = Steady::now();
    return inner_.report(severity, event_id, message);
  }
  Steady::time_point last_report() const {
    std::lock_guard lock(mutex_);
    return last_;
  }
  const mock::FakeEventLog& inner() const { return inner_; }

 private:
  mutable std::mutex mutex_;
  mock::FakeEventLog inner_;
  Steady::time_point last_{};
};

struct Engine {
  std::unique_ptr<FileSystem> files = posix::make_posix_file_system();
  std::unique_ptr<wsbkit::Clock> clock = posix::make_posix_clock();
  mock::FakeVolumes volumes;
  TimedEventLog events;
  std::unique_ptr<PolicyConsistencyChecks> checks;

  Engine(const std::string& policy_checks, ProcessRunner* processes = nullptr) {
    auto loaded = policy::parse_policy(R"({ "backup": { "check": )" + policy_checks + "} }");
    if (!loaded.policy) {
      for (const auto& p : loaded.problems) std::cerr << p.format("bench policy") << "\n";
      std::exit(2);
    }
    ConsistencyEnvironment env{*files, volumes, *clock, events, processes, "", "/", 0, 1000ms};
    checks = std::make_unique<PolicyConsistencyChecks>(std::make_shared<policy::Policy>(std::move(*loaded.policy)), env);
  }
  // "D:\" is the live volume; `snapshot_dir` plays its snapshot.
  ConsistencyResult start(const std::string& snapshot_dir) {
    ConsistencyRequest r;
    r.component_name = "Bench";
    r.volume_count = 1;
    r.source_volumes = StringArray{std::string("D:\\")};
    r.snapshot_volumes = StringArray{snapshot_dir + "/"};
    return checks->start(r);
  }
  std::string last_event() const {
    const auto e = events.inner().entries();
    return e.empty() ? "" : e.back().message;
  }
};

Hresult poll_until_done(WsbAsync& async, std::chrono::microseconds interval) {
  Hresult status = hr::wsbapp_async_in_progress;
  for (;;) {
    async.query_status(status);
    if (status != hr::wsbapp_async_in_progress) return status;
    std::this_thread::sleep_for(interval);
  }
}

int cmd_verify(const std::string& manifest) {
  const std::size_t slash = manifest.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : manifest.substr(0, slash);
  const std::string name = manifest.substr(slash + 1);
  Engine engine(R"([ { "manifest.verify": { "manifest": "D:\\)" + name + R"(" }, "timeout": "4h" } ])");
  const auto start = Steady::now();
  auto result = engine.start(dir);
  // WSB polls QueryStatus far less often than every millisecond: every 100 ms here. The last line
  // says how long after the work ended the poll saw it (the parent reports wall time both ways).
  const Hresult status = poll_until_done(*result.async, 100ms);
  const double lag = std::chrono::duration<double>(Steady::now() - engine.events.last_report()).count();
  std::cout << hr::name(status) << " in " << seconds_since(start) << " s: " << engine.last_event() << "\n";
  std::cout << "poll-lag " << std::max(0.0, lag) << "\n";
  return status == hr::ok ? 0 : 1;
}

// --- data sets ---------------------------------------------------------------------------------

void fill_random(std::vector<char>& buffer, std::uint64_t& state) {
  for (std::size_t i = 0; i + 8 <= buffer.size(); i += 8) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(buffer.data() + i, &state, 8);
  }
}

void write_file(const std::string& path, std::uint64_t size, std::uint64_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<char> buffer(1u << 20);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  while (size > 0) {
    fill_random(buffer, state);
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size, buffer.size()));
    out.write(buffer.data(), static_cast<std::streamsize>(n));
    size -= n;
  }
}

// Sizes 4 KiB * 1024^(u^a), u uniform: skewed between 4 KiB and 4 MiB, `a` chosen for the total.
std::vector<std::uint64_t> skewed_sizes(std::size_t count, std::uint64_t total) {
  const auto sizes_for = [&](double a) {
    std::vector<std::uint64_t> sizes;
    for (std::size_t i = 0; i < count; ++i) {
      const double u = (static_cast<double>(i) + 0.5) / static_cast<double>(count);
      sizes.push_back(static_cast<std::uint64_t>(4096.0 * std::pow(1024.0, std::pow(u, a))));
    }
    return sizes;
  };
  const auto sum = [](const std::vector<std::uint64_t>& s) {
    std::uint64_t t = 0;
    for (auto v : s) t += v;
    return t;
  };
  double lo = 0.01, hi = 50;
  for (int i = 0; i < 60; ++i) {
    const double mid = std::sqrt(lo * hi);
    (sum(sizes_for(mid)) > total ? lo : hi) = mid;  // a larger exponent gives smaller files
  }
  auto sizes = sizes_for(hi);
  std::mt19937_64 shuffle(42);
  std::shuffle(sizes.begin(), sizes.end(), shuffle);
  return sizes;
}

bool make_p1_data(const Options& o, std::uint64_t& total) {
  const std::string data = o.dir + "/p1";
  const std::string stamp = data + "/.stamp";
  const std::string wanted = std::to_string(o.files) + " " + std::to_string(o.bytes);
  std::ifstream stamp_in(stamp);
  std::string have;
  std::getline(stamp_in, have);
  const auto sizes = skewed_sizes(o.files, o.bytes);
  total = 0;
  for (auto s : sizes) total += s;
  if (have == wanted) return true;
  std::cout << "  generating " << o.files << " files, " << total / 1000000 << " MB in " << data << " ..." << std::flush;
  const auto start = Steady::now();
  std::system(("rm -rf '" + data + "' && mkdir -p '" + data + "/d0' '" + data + "/d1' '" + data + "/d2'").c_str());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    write_file(data + "/d" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".bin", sizes[i], i + 1);
  }
  // The manifest comes from the reference tool itself: the format is xxhsum's, not ours.
  if (std::system(("cd '" + data + "' && find d0 d1 d2 -type f | sort | xargs xxhsum -H2 > MANIFEST.xxh128").c_str()) != 0) {
    std::cerr << "\nxxhsum failed (is the xxhash package installed?)\n";
    return false;
  }
  std::ofstream(stamp) << wanted << "\n";
  std::cout << " " << seconds_since(start) << " s\n";
  return true;
}

// Other work on the machine skews wall times: printed next to the figures.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line + "\n";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Before the warm-up: every file of the manifest written out and dropped from the page cache
// (fdatasync, POSIX_FADV_DONTNEED), so that the warm-up reads it back from disk the way a
// snapshot's files reach the cache (read-ahead), not as pages left over from writing them. How the
// pages got there changes what mapping them costs (large folios from read-ahead, small ones from
// writes). Measured on one 2 GiB file: wsbkit's CPU 0.074 s/GB freshly written, 0.036 s/GB read
// back (1.43x -> 2.86x xxhsum), xxhsum's 0.107 -> 0.103 s/GB. Both sides meet the same cache.
// Files that could not be dropped are counted on stderr, not fatal: their pages stay as they were.
void settle_page_cache(const std::string& data) {
  std::ifstream manifest(data + "/MANIFEST.xxh128");
  std::string line;
  std::size_t failed = 0;
  while (std::getline(manifest, line)) {
    const auto gap = line.find("  ");
    if (gap == std::string::npos) continue;
    const std::string path = data + "/" + line.substr(gap + 2);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fdatasync(fd) != 0 || ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) ++failed;
    if (fd >= 0) ::close(fd);
  }
  if (failed > 0) std::cerr << "  " << failed << " file(s) could not be dropped from the page cache\n";
}

int cmd_p1(const Options& o) {
  std::cout << "P1: verify a manifest of " << o.files << " files (skewed 4 KiB..4 MiB), page cache warm\n";
  std::uint64_t total = 0;
  if (!make_p1_data(o, total)) return 1;
  const std::string data = o.dir + "/p1";
  const std::vector<std::string> xxhsum = {"xxhsum", "-H2", "-c", "MANIFEST.xxh128"};
  const std::vector<std::string> wsbkit = {self_path(), "verify", data + "/MANIFEST.xxh128"};
  // Warm the page cache by reading (and check both sides pass) before measuring.
  settle_page_cache(data);
  const ChildRun warm_x = run_child(xxhsum, data), warm_w = run_child(wsbkit, data);
  if (warm_x.exit_code != 0 || warm_w.exit_code != 0) {
    std::cerr << "  warm-up failed: xxhsum exit " << warm_x.exit_code << ", wsbkit exit " << warm_w.exit_code << "\n";
    return 1;
  }
  std::vector<double> tx, tw, cx, cw;
  long rss_x = 0, rss_w = 0;
  for (int i = 0; i < o.runs; ++i) {
    const ChildRun x = run_child(xxhsum, data);
    const ChildRun w = run_child(wsbkit, data);
    if (x.exit_code != 0 || w.exit_code != 0) {
      std::cerr << "  run " << i << " failed: xxhsum exit " << x.exit_code << ", wsbkit exit " << w.exit_code << "\n";
      return 1;
    }
    tx.push_back(x.seconds);
    tw.push_back(w.seconds - w.poll_lag);  // to the end of the work, as the shapes measure it
    cx.push_back(x.cpu_seconds);
    cw.push_back(w.cpu_seconds);
    rss_x = std::max(rss_x, x.max_rss_kib);
    rss_w = std::max(rss_w, w.max_rss_kib);
  }
  const double mx = median(tx), mw = median(tw);
  const double gb = static_cast<double>(total) / 1e9;
  std::printf("  data: %zu files, %.2f GB, %u hashing threads on %u processors, XXH3 kernel %s\n", o.files, gb,
              std::clamp(std::thread::hardware_concurrency(), 1u, 8u), std::thread::hardware_concurrency(),
              consistency::Xxh128::instruction_set());
  const double bx = *std::min_element(tx.begin(), tx.end()), bw = *std::min_element(tw.begin(), tw.end());
  std::printf("  load average before: %s", load_average().c_str());
  std::printf("  xxhsum -H2 -c : median %.3f s (best %.3f s) %.2f GB/s, cpu %.3f s, peak memory %.1f MB\n", mx, bx,
              gb / mx, median(cx), rss_x / 1024.0);
  std::printf("  wsbkit verify : median %.3f s (best %.3f s; to the end of the work, poll lag removed) %.2f GB/s, cpu %.3f s,"
              " peak memory %.1f MB\n", mw, bw,
              gb / mw, median(cw), rss_w / 1024.0);
  std::printf("  P1 ratio      : %.2fx faster on medians, %.2fx on best runs (target >= 1.6x); peak memory %.1f MB"
              " (target < 64 MB)\n", mx / mw, bx / bw, rss_w / 1024.0);
  return 0;
}

// --- shapes: small-files, one-large, skewed --------------------------------------------------------

struct Shape {
  std::string name;
  std::vector<std::uint64_t> sizes;
};

Shape shape_of(const std::string& name, const Options& o) {
  Shape shape{name, {}};
  if (name == "small-files") {
    const std::size_t count = o.files_set ? o.files : 200000;
    std::mt19937_64 random(7);
    std::uniform_int_distribution<std::uint64_t> size(o.min_size, std::max(o.min_size, o.max_size));
    for (std::size_t i = 0; i < count; ++i) shape.sizes.push_back(size(random));
  } else if (name == "one-large") {
    shape.sizes.push_back(o.bytes_set ? o.bytes : (2ull << 30));
  } else {
    shape.sizes = skewed_sizes(o.files_set ? o.files : 2000, o.bytes_set ? o.bytes : 2000000000ull);
  }
  return shape;
}

std::uint64_t total_of(const std::vector<std::uint64_t>& sizes) {
  std::uint64_t total = 0;
  for (auto s : sizes) total += s;
  return total;
}

// The files (100 folders), the manifest written by `xxhsum -H2`, and its two halves (by lines).
bool make_shape_data(const Shape& shape, const std::string& data) {
  const std::string stamp = data + "/.stamp";
  const std::string wanted = std::to_string(shape.sizes.size()) + " " + std::to_string(total_of(shape.sizes)) + " " +
                             std::to_string(shape.sizes.empty() ? 0 : shape.sizes.front());
  std::ifstream stamp_in(stamp);
  std::string have;
  std::getline(stamp_in, have);
  if (have == wanted) return true;
  std::cout << "  generating " << shape.sizes.size() << " files, " << total_of(shape.sizes) / 1000000 << " MB in "
            << data << " ..." << std::flush;
  const auto start = Steady::now();
  const std::size_t folders = std::min<std::size_t>(100, shape.sizes.size());
  std::system(("rm -rf '" + data + "' && mkdir -p '" + data + "'").c_str());
  for (std::size_t f = 0; f < folders; ++f) std::system(("mkdir -p '" + data + "/d" + std::to_string(f) + "'").c_str());
  for (std::size_t i = 0; i < shape.sizes.size(); ++i) {
    write_file(data + "/d" + std::to_string(i % folders) + "/f" + std::to_string(i) + ".bin", shape.sizes[i], i + 1);
  }
  const std::string script = "cd '" + data + "' && find d* -type f | sort | xargs xxhsum -H2 > MANIFEST.xxh128"
                             " && n=$(wc -l < MANIFEST.xxh128) && h=$(( (n + 1) / 2 ))"
                             " && head -n $h MANIFEST.xxh128 > HALF1.xxh128 && tail -n +$((h + 1)) MANIFEST.xxh128 > HALF2.xxh128";
  if (std::system(script.c_str()) != 0) {
    std::cerr << "\nxxhsum failed (is the xxhash package installed?)\n";
    return false;
  }
  std::ofstream(stamp) << wanted << "\n";
  std::cout << " " << seconds_since(start) << " s\n";
  return true;
}

// Two children at once: wall time until both ended, CPU of both.
ChildRun run_two(const std::vector<std::string>& a, const std::vector<std::string>& b, const std::string& cwd) {
  ChildRun both;
  std::thread other([&] { both = run_child(b, cwd); });
  const ChildRun first = run_child(a, cwd);
  other.join();
  both.seconds = std::max(both.seconds, first.seconds);
  both.cpu_seconds += first.cpu_seconds;
  both.max_rss_kib = std::max(both.max_rss_kib, first.max_rss_kib);
  both.exit_code = first.exit_code != 0 ? first.exit_code : both.exit_code;
  return both;
}

struct Series {
  std::vector<double> wall, cpu, done;  // done: wall time less the poll lag (the work's own end)
  long rss_kib = 0;
  void add(const ChildRun& r) {
    wall.push_back(r.seconds);
    done.push_back(r.seconds - r.poll_lag);
    cpu.push_back(r.cpu_seconds);
    rss_kib = std::max(rss_kib, r.max_rss_kib);
  }
};

int cmd_shape(const Options& o, const std::string& name) {
  const Shape shape = shape_of(name, o);
  const std::uint64_t total = total_of(shape.sizes);
  const std::string data = o.dir + "/" + name;
  std::printf("shape %s: %zu files, %.3f GB, page cache warm (read back from disk), %u processors, XXH3 kernel %s\n", name.c_str(),
              shape.sizes.size(), static_cast<double>(total) / 1e9, std::thread::hardware_concurrency(),
              consistency::Xxh128::instruction_set());
  if (!make_shape_data(shape, data)) return 1;
  const bool halves = shape.sizes.size() > 1;
  const std::vector<std::string> one = {"xxhsum", "-H2", "-c", "MANIFEST.xxh128"};
  const std::vector<std::string> half1 = {"xxhsum", "-H2", "-c", "HALF1.xxh128"};
  const std::vector<std::string> half2 = {"xxhsum", "-H2", "-c", "HALF2.xxh128"};
  const std::vector<std::string> wsbkit = {self_path(), "verify", data + "/MANIFEST.xxh128"};
  // Warm the page cache by reading and check that every side passes before measuring.
  settle_page_cache(data);
  if (run_child(one, data).exit_code != 0 || run_child(wsbkit, data).exit_code != 0 ||
      (halves && run_two(half1, half2, data).exit_code != 0)) {
    std::cerr << "  warm-up failed: a side did not verify the data\n";
    return 1;
  }
  Series x1, x2, w;
  const std::string load_before = load_average();
  for (int i = 0; i < o.runs; ++i) {
    // Interleaved, the order rotated each run, so that load changes hit every side alike.
    for (int k = 0; k < 3; ++k) {
      const int side = (i + k) % 3;
      ChildRun run;
      run.exit_code = 0;  // a side not run this turn (no halves for one file) has nothing to fail
      if (side == 0) x1.add(run = run_child(one, data));
      if (side == 1 && halves) x2.add(run = run_two(half1, half2, data));
      if (side == 2) w.add(run = run_child(wsbkit, data));
      if (run.exit_code != 0) {  // a side that did not verify (or was not measured) is no figure
        std::cerr << "  run " << i << " failed: exit " << run.exit_code << "\n";
        return 1;
      }
    }
  }
  const double gb = static_cast<double>(total) / 1e9, thousands = static_cast<double>(shape.sizes.size()) / 1000.0;
  const auto line = [&](const char* what, const Series& s) {
    if (s.wall.empty()) {
      std::printf("  %-22s: n/a (one file: no halves)\n", what);
      return;
    }
    const double cpu = median(s.cpu);
    std::printf("  %-22s: median %.3f s (best %.3f s, %zu runs), %.2f GB/s, cpu %.3f s = %.3f s/GB, %.4f s/1000 files,"
                " peak memory %.1f MB\n",
                what, median(s.wall), *std::min_element(s.wall.begin(), s.wall.end()), s.wall.size(), gb / median(s.wall),
                cpu, cpu / gb, cpu / thousands, static_cast<double>(s.rss_kib) / 1024.0);
  };
  std::printf("  load average before: %s", load_before.c_str());
  std::printf("  load average after : %s", load_average().c_str());
  line("xxhsum -H2 -c (one)", x1);
  line("xxhsum x2 (halves)", x2);
  line("wsbkit verify", w);
  std::printf("  %-22s: median %.3f s (best %.3f s): the process's wall time less the measured poll lag\n",
              "wsbkit, work done", median(w.done), *std::min_element(w.done.begin(), w.done.end()));
  const double target = name == "one-large" ? 1.2 : 1.7;
  std::printf("  ratio to one xxhsum : %.2fx on medians to the end of the work (target >= %.1fx); %.2fx as WSB's 100 ms polls"
              " see it", median(x1.wall) / median(w.done), target, median(x1.wall) / median(w.wall));
  if (halves) {
    std::printf("; two xxhsum processes: %.2fx; wsbkit / two xxhsum: %.2fx", median(x1.wall) / median(x2.wall),
                median(x2.wall) / median(w.done));
  }
  std::printf("\n  cpu ratio, wsbkit / one xxhsum: %.2f (load-independent: CPU seconds, not wall)\n",
              median(w.cpu) / median(x1.cpu));
  return 0;
}

// --- P2 ----------------------------------------------------------------------------------------

// A POSIX process runner with the Win32 runner's cancellation contract: `cancelled` polled at
// least every 20 ms, then the whole process group killed.
class PosixRunner final : public ProcessRunner {
 public:
  Result<ProcessOutcome> run(const ProcessRequest& request) override {
    const auto start = Steady::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      std::vector<char*> args{const_cast<char*>(request.executable.c_str())};
      for (const auto& a : request.arguments) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    ProcessOutcome outcome;
    for (;;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        outcome.exit_code = WIFEXITED(status) ? static_cast<std::uint32_t>(WEXITSTATUS(status)) : 1;
        break;
      }
      const bool cancel = request.cancelled && request.cancelled();
      const bool late = Steady::now() - start > request.timeout;
      if (cancel || late) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        outcome.cancelled = cancel;
        outcome.timed_out = !cancel;
        outcome.exit_code = cancel ? process_exit_code::cancelled : process_exit_code::timed_out;
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
    return outcome;
  }
};

struct Percentiles {
  double p50, p99, max;
};
Percentiles percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  return {at(0.5), at(0.99), v.back()};
}

// Starts checks, aborts each after a random delay, and measures Abort -> QueryStatus == E_ABORT.
std::vector<double> abort_latencies(Engine& engine, const std::string& snapshot, int iterations, int max_delay_ms) {
  std::vector<double> ms;
  std::mt19937 random(7);
  for (int i = 0; i < iterations; ++i) {
    auto result = engine.start(snapshot);
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % static_cast<unsigned>(max_delay_ms)));
    Hresult status = hr::ok;
    result.async->query_status(status);
    if (status != hr::wsbapp_async_in_progress) {
      std::cerr << "  the check ended before the abort (" << hr::name(status) << "): make the work longer\n";
      continue;
    }
    const auto aborted = Steady::now();
    result.async->abort();
    status = poll_until_done(*result.async, 100us);
    ms.push_back(seconds_since(aborted) * 1000.0);
    if (status != hr::e_abort) std::cerr << "  unexpected status after abort: " << hr::name(status) << "\n";
  }
  return ms;
}

int cmd_p2(const Options& o) {
  std::cout << "P2: Abort -> QueryStatus E_ABORT, " << o.iterations << " aborts each\n";
  const std::string data = o.dir + "/p2";
  std::system(("mkdir -p '" + data + "'").c_str());
  const std::uint64_t big = o.quick ? (64ull << 20) : (2ull << 30);
  struct stat st {};
  if (::stat((data + "/big.bin").c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != big) {
    write_file(data + "/big.bin", big, 99);
  }
  std::ofstream(data + "/MANIFEST.xxh128") << std::string(32, '0') << "  big.bin\n";
  {
    Engine engine(R"([ { "manifest.verify": { "manifest": "D:\\MANIFEST.xxh128" }, "timeout": "1h" } ])");
    const auto p = percentiles(abort_latencies(engine, data, o.iterations, o.quick ? 2 : 50));
    std::printf("  during a %.1f GB hash     : p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 < 100 ms)\n",
                static_cast<double>(big) / 1e9, p.p50, p.p99, p.max);
  }
  {
    PosixRunner runner;
    // The policy names a Windows path; run /bin/sleep natively.
    class Redirect final : public ProcessRunner {
     public:
      explicit Redirect(ProcessRunner& inner) : inner_(inner) {}
      Result<ProcessOutcome> run(const ProcessRequest& r) override {
        ProcessRequest copy = r;
        copy.executable = "/bin/sleep";
        return inner_.run(copy);
      }
     private:
      ProcessRunner& inner_;
    } redirect(runner);
    Engine hung(R"([ { "run": { "executable": "C:\\bin\\sleep", "arguments": ["600"] }, "timeout": "1h" } ])", &redirect);
    const auto p = percentiles(abort_latencies(hung, data, std::max(10, o.iterations / 5), 50));
    std::printf("  during a hung child      : p50 %.2f ms, p99 %.2f ms, max %.2f ms (POSIX runner polling every 5 ms;\n"
                "                             the Win32 runner polls every <= 20 ms, see the Wine test)\n",
                p.p50, p.p99, p.max);
  }
  return 0;
}

// --- P3 ----------------------------------------------------------------------------------------

int cmd_p3(const Options& o) {
  std::cout << "P3: a manifest of " << o.entries << " entries\n";
  const std::string data = o.dir + "/p3";
  std::system(("mkdir -p '" + data + "'").c_str());
  std::string text;
  text.reserve(o.entries * 80);
  for (std::size_t i = 0; i < o.entries; ++i) {
    text += "0123456789abcdef0123456789abcdef  folder " + std::to_string(i % 100) + "/file number " + std::to_string(i) + ".dat\n";
  }
  std::ofstream(data + "/MANIFEST.xxh128", std::ios::binary) << text;

  const auto parse_start = Steady::now();
  std::size_t parsed = 0;
  consistency::ManifestParser parser(
      policy::ManifestFormat::automatic, [&](consistency::ManifestEntry&&) { ++parsed; }, [](consistency::ManifestLineError&&) {});
  for (std::size_t i = 0; i < text.size(); i += 1u << 20) parser.feed(std::string_view(text).substr(i, 1u << 20));
  parser.finish();
  const double parse_s = seconds_since(parse_start);

  // Parse + schedule through the verifier: every entry resolved, queued, taken by a worker, looked
  // up (missing: the files are not there, so no hashing) and counted.
  auto files = posix::make_posix_file_system();
  consistency::VerifyTarget target;
  target.manifest = data + "/MANIFEST.xxh128";
  target.base_directory = data;
  target.resolve = [&](const std::string& name) { return consistency::join_below(data, name); };
  consistency::VerifyOptions options;
  options.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  const auto verify_start = Steady::now();
  auto report = consistency::verify_manifest(*files, target, options, [] { return false; }, nullptr);
  const double verify_s = seconds_since(verify_start);
  const ChildRun child = run_child({self_path(), "verify", data + "/MANIFEST.xxh128"}, data);
  std::printf("  parse only               : %.3f s (%zu entries, %.1f MB manifest)\n", parse_s, parsed,
              static_cast<double>(text.size()) / 1e6);
  std::printf("  parse + schedule         : %.3f s (%llu listed, %llu missing: no file to hash) (target < 1 s)\n", verify_s,
              static_cast<unsigned long long>(report ? report->files_listed : 0),
              static_cast<unsigned long long>(report ? report->missing : 0));
  std::printf("  whole check in a child   : %.3f s, peak memory %.1f MB\n", child.seconds, child.max_rss_kib / 1024.0);
  return report && report->files_listed == o.entries ? 0 : 1;
}

// Verifier settings side by side on the P1 data (in process): threads x read chunk size.
int cmd_tune(const Options& o) {
  const std::string data = o.dir + "/p1";
  auto files = posix::make_posix_file_system();
  const auto cpu_now = [] {
    struct rusage u {};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  for (int threads : {1, 2}) {
    for (std::size_t chunk : {64u << 10, 256u << 10, 1u << 20}) {
      consistency::VerifyTarget target;
      target.manifest = data + "/MANIFEST.xxh128";
      target.base_directory = data;
      target.resolve = [&](const std::string& name) { return consistency::join_below(data, name); };
      consistency::VerifyOptions options;
      options.threads = threads;
      options.chunk_size = chunk;
      std::vector<double> walls;
      double cpu = 0;
      for (int r = 0; r < o.runs; ++r) {
        const double c0 = cpu_now();
        const auto t0 = Steady::now();
        auto report = consistency::verify_manifest(*files, target, options, [] { return false; }, nullptr);
        walls.push_back(seconds_since(t0));
        cpu = cpu_now() - c0;
        if (!report || !report->passed()) std::cerr << "failed\n";
      }
      std::printf("  threads %d chunk %4zu KiB: median %.3f s, cpu %.3f s\n", threads, chunk >> 10, median(walls), cpu);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: wsbkit-bench-checks (p1|p2|p3|all) [--dir D] [--files N] [--bytes N] [--runs N]\n"
                 "                           [--iterations N] [--entries N] [--quick]\n"
                 "       wsbkit-bench-checks p1 --shape small-files|one-large|skewed|all [--files N] [--bytes N]\n"
                 "                           [--min-size N] [--max-size N] [--runs N] [--dir D]\n"
                 "           small-files: FILES (200000) of MIN..MAX bytes (1024..8192); one-large: one file of\n"
                 "           BYTES (2 GiB); skewed: FILES (2000) of BYTES (2 GB) in all, 4 KiB..4 MiB. Prints wsbkit\n"
                 "           next to one `xxhsum -H2 -c` and two on the manifest's halves, same run, interleaved,\n"
                 "           medians, CPU s/GB and s/1000 files. wsbkit's QueryStatus is polled every 100 ms (WSB\n"
                 "           polls far less often than every millisecond); ratios are given to the end of the\n"
                 "           work (the measured poll lag removed) and as the polls see it.\n"
                 "       wsbkit-bench-checks verify MANIFEST\n";
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  if (command == "verify" && args.size() == 2) return cmd_verify(args[1]);
  if (command == "spawn" && args.size() >= 2) return cmd_spawn({args.begin() + 1, args.end()});
  Options o;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto next = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << args[i] << " needs a value\n";
        std::exit(2);
      }
      return args[++i];
    };
    if (args[i] == "--dir") o.dir = next();
    else if (args[i] == "--files") o.files = std::stoul(next()), o.files_set = true;
    else if (args[i] == "--bytes") o.bytes = std::stoull(next()), o.bytes_set = true;
    else if (args[i] == "--shape") o.shape = next();
    else if (args[i] == "--min-size") o.min_size = std::stoull(next());
    else if (args[i] == "--max-size") o.max_size = std::stoull(next());
    else if (args[i] == "--runs") o.runs = std::stoi(next());
    else if (args[i] == "--iterations") o.iterations = std::stoi(next());
    else if (args[i] == "--entries") o.entries = std::stoul(next());
    else if (args[i] == "--quick") o.quick = true;
    else {
      std::cerr << "unknown option " << args[i] << "\n";
      return 2;
    }
  }
  if (o.quick) {
    o.files = 60;
    o.bytes = 30000000;
    o.runs = 1;
    o.iterations = 10;
    o.entries = 5000;
    o.files_set = o.bytes_set = true;  // the shapes too: 60 files, one file of 30 MB (mapped)
  }
  int rc = 0;
  if (command == "p1" && !o.shape.empty()) {
    if (o.shape == "all") {
      for (const char* shape : {"small-files", "one-large", "skewed"}) rc |= cmd_shape(o, shape);
    } else if (o.shape == "small-files" || o.shape == "one-large" || o.shape == "skewed") {
      rc |= cmd_shape(o, o.shape);
    } else {
      std::cerr << "unknown shape " << o.shape << " (small-files, one-large, skewed or all)\n";
      return 2;
    }
    return rc;
  }
  if (command == "p1" || command == "all") rc |= cmd_p1(o);
  if (command == "p2" || command == "all") rc |= cmd_p2(o);
  if (command == "p3" || command == "all") rc |= cmd_p3(o);
  if (command == "tune") return cmd_tune(o);
  if (command != "p1" && command != "p2" && command != "p3" && command != "all") {
    std::cerr << "unknown command " << command << "\n";
    return 2;
  }
  return rc;
}
