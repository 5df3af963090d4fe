// Windows only (run under Wine): the consistency checks on the real Win32 backends: volume
// resolution (drive letter -> \\?\Volume{GUID}\), files on the Win32 file system, the COM adapter
// in process (CheckConsistency -> IWsbApplicationAsync QueryStatus/Abort/Release), and a hung
// checker (the process helper with a grandchild) killed with its tree on Abort and on timeout.
// The helper's path comes after "--".
#include <boost/test/unit_test.hpp>

#include <wrl/client.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "core/addin/addin_core.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "mock/fake_event_log.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/com/com_objects.hpp"
#include "platform/win32/environment_backend.hpp"
#include "platform/win32/privileges_backend.hpp"
#include "platform/win32/volumes_backend.hpp"
#include "platform/win32/windows.hpp"
#include "wsbapp.h"

using namespace wsbkit;
using namespace std::chrono_literals;
using Microsoft::WRL::ComPtr;

namespace {

std::string helper_path() {
  const auto& suite = boost::unit_test::framework::master_test_suite();
  std::string path = suite.argc > 1 ? suite.argv[1] : "wsbkit-process-helper.exe";
  if (!path.empty() && path.front() == '/') path = "Z:" + path;
  std::replace(path.begin(), path.end(), '/', '\\');
  return path;
}

std::string json_string(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\\' ? std::string("\\\\") : std::string(1, c);
  return "\"" + out + "\"";
}

struct Fixture {
  std::unique_ptr<FileSystem> files = win32::make_win32_file_system();
  std::unique_ptr<Volumes> volumes = win32::make_win32_volumes();
  std::unique_ptr<Clock> clock = win32::make_win32_clock();
  std::unique_ptr<ProcessRunner> processes = win32::make_win32_process_runner();
  std::unique_ptr<Environment> environment = win32::make_win32_environment();
  std::unique_ptr<Privileges> privileges = win32::make_win32_privileges();
  BackupPrivilege backup_privilege{*privileges, [](const Error& e) { BOOST_ERROR(e.message()); }};
  mock::FakeEventLog events;
  std::string root;       // %TEMP%\wsbkit-chk-N
  std::string live;       // root\live\Ledger: the live data (on C:)
  std::string snapshot;   // root\snap\: plays C:'s shadow copy
  std::string c_volume;   // \\?\Volume{...}\ of C:

  Fixture() {
    std::string temp = std::filesystem::temp_directory_path().string();
    while (temp.size() > 3 && (temp.back() == '\\' || temp.back() == '/')) temp.pop_back();
    root = temp + "\\wsbkit-chk-" + std::to_string(std::random_device()());
    live = root + "\\live\\Ledger";
    snapshot = root + "\\snap\\";
    auto guid = volumes->volume_guid_path("C:\\");
    BOOST_REQUIRE_MESSAGE(guid.ok(), (guid.ok() ? "" : guid.error().message()));
    c_volume = *guid;
    write(live + "\\data\\a.ldb", "LIVE");  // differs from the snapshot on purpose
    write(on_snapshot(live + "\\data\\a.ldb"), "abc");
    write(on_snapshot(live + "\\data\\b c.ldb"), "hello world\n");
    // A UTF-8 name in the manifest reaches the Win32 file system as the same UTF-16 name.
    write(on_snapshot(live + "\\data\\donn\xC3\xA9" "es \xE6\x97\xA5\xE6\x9C\xAC.ldb"), "abc");
    write(on_snapshot(live + "\\MANIFEST.xxh128"),
          "06b05ab6733a618578af5f94892f3950  data\\a.ldb\r\neefac9d87100cd1336b2e733a5484425  data\\b c.ldb\r\n"
          "06b05ab6733a618578af5f94892f3950  data/donn\xC3\xA9" "es \xE6\x97\xA5\xE6\x9C\xAC.ldb\r\n");
  }
  ~Fixture() { (void)files->remove_tree(root); }

  // Where a live C: path lies in the stand-in snapshot.
  std::string on_snapshot(const std::string& live_path) const { return snapshot + live_path.substr(3); }
  void write(const std::string& path, const std::string& contents) {
    BOOST_REQUIRE(files->create_directories(path.substr(0, path.find_last_of('\\'))).ok());
    BOOST_REQUIRE(files->write_file(path, contents).ok());
  }
  std::unique_ptr<PolicyConsistencyChecks> engine(const std::string& checks) {
    auto loaded = policy::parse_policy(R"({ "backup": { "check": )" + checks + "} }");
    std::string problems;
    for (const auto& p : loaded.problems) problems += p.format("policy") + "\n";
    BOOST_REQUIRE_MESSAGE(loaded.policy, problems);
    ConsistencyEnvironment env{*files, *volumes, *clock, events, processes.get(), root + "\\logs", "\\", 2, 0ms};
    env.environment = environment.get();
    env.backup_privilege = &backup_privilege;
    return std::make_unique<PolicyConsistencyChecks>(std::make_shared<policy::Policy>(std::move(*loaded.policy)), env);
  }
  ConsistencyRequest request() const {
    ConsistencyRequest r;
    r.component_name = "LedgerDB";
    r.volume_count = 1;
    r.source_volumes = StringArray{c_volume};  // WSB passes GUID paths: C: is resolved to it
    r.snapshot_volumes = StringArray{snapshot};
    return r;
  }
  static Hresult wait(WsbAsync& async, std::chrono::milliseconds limit = 30s) {
    const auto start = std::chrono::steady_clock::now();
    Hresult status = hr::wsbapp_async_in_progress;
    while (std::chrono::steady_clock::now() - start < limit) {
      async.query_status(status);
      if (status != hr::wsbapp_async_in_progress) break;
      std::this_thread::sleep_for(1ms);
    }
    return status;
  }
  std::string event_text() const {
    std::string out;
    for (const auto& e : events.entries()) out += e.message + "\n";
    return out;
  }
  // Whether process `pid` still runs, asked through the helper (exit 0: alive).
  bool alive(const std::string& pid) {
    ProcessRequest r;
    r.executable = helper_path();
    r.arguments = {"alive", pid};
    auto outcome = processes->run(r);
    BOOST_REQUIRE(outcome.ok());
    return outcome->exit_code == 0;
  }
  std::string wait_for_pid_file(const std::string& path) {
    for (int i = 0; i < 500; ++i) {
      auto text = files->read_file(path);
      if (text && !text->empty()) return text->substr(0, text->find_first_of("\r\n"));
      std::this_thread::sleep_for(10ms);
    }
    return "";
  }
};

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(consistency_checks_win32, Fixture)

// GetVolumePathNameW / GetVolumeNameForVolumeMountPointW: C:\ files are on C:\, a \\?\Volume{GUID}\.
BOOST_AUTO_TEST_CASE(drive_paths_resolve_to_a_volume_guid_path) {
  auto mount = volumes->mount_point_of(live + "\\data\\a.ldb");
  BOOST_REQUIRE(mount.ok());
  BOOST_TEST(*mount == "C:\\");
  BOOST_TEST(c_volume.rfind("\\\\?\\Volume{", 0) == 0u, c_volume);
  BOOST_TEST(c_volume.back() == '\\');
  BOOST_TEST(!volumes->volume_guid_path(live).ok());  // a plain folder is no mount point
}

// A clean manifest on the snapshot passes; the differing live file is never read.
BOOST_AUTO_TEST_CASE(manifest_on_the_snapshot_passes) {
  auto checks = engine("[ { \"manifest.verify\": { \"manifest\": " + json_string(live + "\\MANIFEST.xxh128") +
                       ", \"extra_files\": \"fail\" } }, { \"files.present\": { \"paths\": " +
                       json_string(live + "\\data\\*.ldb") + ", \"min_size\": 3 } } ]");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
}

// Writer metadata paths as VSS documents them: an environment variable of the add-in's process
// (ExpandEnvironmentStringsW), a \\?\ prefix and a trailing '\' are accepted; "*.*" matches a
// name without a dot; SeBackupPrivilege is enabled during the check and back as it was after.
BOOST_AUTO_TEST_CASE(writer_paths_with_environment_variables_and_prefixes_pass) {
  BOOST_REQUIRE(::SetEnvironmentVariableW(L"WSBKIT_CHK_LIVE", win32::widen(live).c_str()));
  write(on_snapshot(live + "\\bin\\LEDGERD"), "binary");
  const bool privilege_before = privileges->backup_privilege_enabled().value();
  auto checks = engine("[ { \"files.present\": { \"non_empty\": true } } ]");
  auto r = request();
  r.writer_metadata = "<WRITER_METADATA><BACKUP_LOCATIONS><DATABASE componentName=\"LedgerDB\" logicalPath=\"\">"
                      "<DATABASE_FILES path=\"%wsbkit_chk_live%\\data\\\" filespec=\"*.ldb\"/>"
                      "<FILE_LIST path=\"\\\\?\\" + live + "\\bin\" filespec=\"*.*\"/>"
                      "</DATABASE></BACKUP_LOCATIONS></WRITER_METADATA>";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  result.async.reset();
  BOOST_TEST(privileges->backup_privilege_enabled().value() == privilege_before);
  ::SetEnvironmentVariableW(L"WSBKIT_CHK_LIVE", nullptr);
}

// One corrupted byte on the snapshot fails the check, naming the file.
BOOST_AUTO_TEST_CASE(corrupted_byte_fails_naming_the_file) {
  write(on_snapshot(live + "\\data\\b c.ldb"), "hello world!");
  auto checks = engine("[ { \"manifest.verify\": { \"manifest\": " + json_string(live + "\\MANIFEST.xxh128") + " } } ]");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("1 mismatched (data\\b c.ldb)") != std::string::npos, event_text());
}

// XXH128 of `bytes` in one call (xxHash's one-shot path, not the verifier's chunked stream), as
// `xxhsum -H2` prints it.
std::string one_shot_xxh128(const std::string& bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : canonical.digest) out += std::string{hex[b >> 4], hex[b & 15]};
  return out;
}

// The benchmark's three shapes of data, small, through the Win32 backend (correctness only: Wine's
// file I/O is no performance reference): 1,200 files of 1-8 KiB in 12 folders, one 24 MiB file,
// and 40 files of 4 KiB-4 MiB all pass; a byte changed in a small file and in the middle of the
// large one, and a small file removed, are each named.
BOOST_AUTO_TEST_CASE(every_shape_of_data_verifies_and_damage_in_each_is_named) {
  std::mt19937_64 random(13);
  std::string manifest;
  const auto add = [&](const std::string& name, std::size_t size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    write(on_snapshot(live + "\\shapes\\" + name), bytes);
    manifest += one_shot_xxh128(bytes) + "  " + name + "\r\n";
  };
  for (int i = 0; i < 1200; ++i) add("small\\d" + std::to_string(i % 12) + "\\f" + std::to_string(i) + ".bin", 1024 + random() % 7169);
  add("large.bin", (24u << 20) + 11);
  for (int i = 0; i < 40; ++i) add("skewed\\s" + std::to_string(i) + ".bin", std::size_t(4096) << (random() % 11));
  write(on_snapshot(live + "\\shapes\\MANIFEST.xxh128"), manifest);
  const std::string check = "[ { \"manifest.verify\": { \"manifest\": " + json_string(live + "\\shapes\\MANIFEST.xxh128") + " } } ]";
  auto clean = engine(check)->start(request());
  BOOST_TEST(wait(*clean.async, 120s) == hr::ok, event_text());

  const auto flip = [&](const std::string& name, std::size_t at) {
    std::string bytes = files->read_file(on_snapshot(live + "\\shapes\\" + name)).value();
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    write(on_snapshot(live + "\\shapes\\" + name), bytes);
  };
  flip("small\\d7\\f7.bin", 1000);
  flip("large.bin", 12u << 20);
  BOOST_REQUIRE(files->remove(on_snapshot(live + "\\shapes\\small\\d3\\f3.bin")).ok());
  auto damaged = engine(check)->start(request());
  BOOST_TEST(wait(*damaged.async, 120s) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("2 mismatched (") != std::string::npos, event_text());  // in the order found
  BOOST_TEST(event_text().find("small\\d7\\f7.bin") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("large.bin") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("1 missing (small\\d3\\f3.bin)") != std::string::npos, event_text());
}

// Abort while several threads hash a long manifest (a 64 MiB file listed 100 times): E_ABORT quickly,
// every thread stopped, nothing crashes; again through Release.
BOOST_AUTO_TEST_CASE(abort_during_a_long_hash) {
  files->write_file(on_snapshot(live + "\\big.bin"), std::string(64u << 20, 'z')).value();
  std::string manifest;
  for (int i = 0; i < 100; ++i) manifest += std::string(32, '0') + "  big.bin\n";
  write(on_snapshot(live + "\\BIG.xxh128"), manifest);
  auto checks = engine("[ { \"manifest.verify\": { \"manifest\": " + json_string(live + "\\BIG.xxh128") + " } } ]");
  for (int round = 0; round < 5; ++round) {
    auto result = checks->start(request());
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 20 * round));
    Hresult status = hr::ok;
    result.async->query_status(status);
    BOOST_REQUIRE(status == hr::wsbapp_async_in_progress);
    BOOST_TEST(result.async->abort() == hr::ok);
    BOOST_TEST(wait(*result.async, 10s) == hr::e_abort);  // the manifest's zero digests could only fail
    auto released = checks->start(request());
    std::this_thread::sleep_for(20ms);
    released.async.reset();
    BOOST_TEST(checks->running() == 0);
  }
}

// Through the COM adapter in process: CheckConsistency gives an IWsbApplicationAsync whose
// QueryStatus ends in S_OK; the object holds the server lifetime until released.
BOOST_AUTO_TEST_CASE(com_adapter_runs_the_check) {
  auto checks = engine("[ { \"files.present\": { \"paths\": " + json_string(live + "\\data\\a.ldb") + " } } ]");
  std::vector<std::string> lines;
  CallLog log([&](const std::string& l) { lines.push_back(l); });
  const auto clock = win32::make_win32_clock();
  ServerLifetime lifetime(*clock, 60s);
  ComPtr<IUnknown> unknown;
  *unknown.GetAddressOf() = win32::create_addin_object(lifetime, std::make_shared<AddinCore>(log, checks.get()));
  ComPtr<IWsbApplicationBackupSupport> backup;
  BOOST_REQUIRE(SUCCEEDED(unknown.As(&backup)));
  std::wstring source = win32::widen(c_volume), shadow = win32::widen(snapshot), name = L"LedgerDB";
  LPWSTR sources[] = {source.data()};
  LPWSTR shadows[] = {shadow.data()};
  ComPtr<IWsbApplicationAsync> async;
  BOOST_REQUIRE(backup->CheckConsistency(nullptr, name.data(), nullptr, 1, sources, shadows, async.GetAddressOf()) == S_OK);
  BOOST_REQUIRE(async);
  BOOST_TEST(lifetime.count() == 2);  // the add-in object and the async object
  HRESULT status = WSBAPP_ASYNC_IN_PROGRESS;
  for (int i = 0; i < 30000 && status == static_cast<HRESULT>(hr::wsbapp_async_in_progress); ++i) {
    BOOST_REQUIRE(async->QueryStatus(&status) == S_OK);
    std::this_thread::sleep_for(1ms);
  }
  BOOST_TEST(status == S_OK, event_text());
  async.Reset();
  BOOST_TEST(lifetime.count() == 1);
}

// Abort during a hung checker (a helper that started a grandchild): E_ABORT within the bound and
// both processes gone. Repeated to print the latency distribution (P2 under Wine, Win32 runner).
BOOST_AUTO_TEST_CASE(abort_kills_a_hung_checker_tree) {
  std::vector<double> latencies;
  for (int i = 0; i < 12; ++i) {
    const std::string pid_file = root + "\\pid" + std::to_string(i);
    auto checks = engine("[ { \"run\": { \"executable\": " + json_string(helper_path()) +
                         ", \"arguments\": [\"spawn-sleeper\", \"60000\", " + json_string(pid_file) + "] }, \"timeout\": \"1h\" } ]");
    auto result = checks->start(request());
    const std::string grandchild = wait_for_pid_file(pid_file);
    BOOST_REQUIRE(!grandchild.empty());
    Hresult status = hr::ok;
    result.async->query_status(status);
    BOOST_REQUIRE(status == hr::wsbapp_async_in_progress);
    const auto aborted_at = std::chrono::steady_clock::now();
    BOOST_TEST(result.async->abort() == hr::ok);
    BOOST_TEST(wait(*result.async, 10s) == hr::e_abort);
    latencies.push_back(ms_since(aborted_at));
    BOOST_TEST(!alive(grandchild), "grandchild " << grandchild << " survived the abort");
  }
  std::sort(latencies.begin(), latencies.end());
  BOOST_TEST_MESSAGE("Abort -> E_ABORT during a hung checker (Win32 runner): p50 " << latencies[latencies.size() / 2]
                     << " ms, max " << latencies.back() << " ms over " << latencies.size());
  // No wall-clock bound here (the machine may be loaded): the sleeper would run 60 s, so E_ABORT
  // within wait()'s 10 s and a dead grandchild show that Abort ended it; the figures are printed.
}

// A checker past its timeout is killed with its grandchild; the check fails saying so.
BOOST_AUTO_TEST_CASE(timeout_kills_the_checker_tree) {
  const std::string pid_file = root + "\\pid-timeout";
  auto checks = engine("[ { \"run\": { \"executable\": " + json_string(helper_path()) +
                       ", \"arguments\": [\"spawn-sleeper\", \"60000\", " + json_string(pid_file) + "] }, \"timeout\": \"1500ms\" } ]");
  auto result = checks->start(request());
  const std::string grandchild = wait_for_pid_file(pid_file);
  BOOST_REQUIRE(!grandchild.empty());
  BOOST_TEST(wait(*result.async, 20s) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("killed with its child processes") != std::string::npos, event_text());
  BOOST_TEST(!alive(grandchild));
}

// Releasing a running check aborts it and returns once the worker has stopped.
BOOST_AUTO_TEST_CASE(release_while_running_stops_the_checker) {
  const std::string pid_file = root + "\\pid-release";
  auto checks = engine("[ { \"run\": { \"executable\": " + json_string(helper_path()) +
                       ", \"arguments\": [\"spawn-sleeper\", \"60000\", " + json_string(pid_file) + "] }, \"timeout\": \"1h\" } ]");
  auto result = checks->start(request());
  const std::string grandchild = wait_for_pid_file(pid_file);
  BOOST_REQUIRE(!grandchild.empty());
  const auto released_at = std::chrono::steady_clock::now();
  result.async.reset();
  BOOST_TEST(ms_since(released_at) < 30000.0);  // the sleeper's own end is 60 s away
  BOOST_TEST(checks->running() == 0);
  BOOST_TEST(!alive(grandchild));
}

BOOST_AUTO_TEST_SUITE_END()
