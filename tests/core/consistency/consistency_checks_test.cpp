#include <boost/test/unit_test.hpp>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/addin/addin_core.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_environment.hpp"
#include "mock/fake_privileges.hpp"
#include "mock/forwarding_file_system.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_volumes.hpp"
#include "platform/text.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

namespace {

const std::string vol_d = "\\\\?\\Volume{dddddddd-0000-0000-0000-000000000000}\\";
const std::string shadow = "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy5\\";
const std::string xxh_abc = "06b05ab6733a618578af5f94892f3950";
const std::string xxh_hello = "eefac9d87100cd1336b2e733a5484425";

// The fake file system, slowed down per read chunk so that checks last long enough to be aborted.
class SlowFileSystem final : public mock::ForwardingFileSystem {
 public:
  explicit SlowFileSystem(FileSystem& inner) : ForwardingFileSystem(inner) {}
  std::atomic<int> chunk_delay_ms{0};
  std::atomic<std::uint64_t> bytes_read{0};  // handed to the hasher so far

  Result<void> read_chunks(const std::string& p, std::size_t size, const ChunkSink& sink) override {
    return inner_.read_chunks(p, size, [&](std::string_view chunk) {
      if (const int ms = chunk_delay_ms.load()) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      bytes_read += chunk.size();
      return sink(chunk);
    });
  }

};

// A checker that hangs until cancelled, honouring the runner contract (poll `cancelled` at least
// every 20 ms, then kill the tree); it records whether it was killed.
class HungProcessRunner final : public ProcessRunner {
 public:
  std::atomic<bool> killed{false};
  Result<ProcessOutcome> run(const ProcessRequest& request) override {
    const auto start = std::chrono::steady_clock::now();
    while (!(request.cancelled && request.cancelled())) {
      if (std::chrono::steady_clock::now() - start > request.timeout) {
        ProcessOutcome timed_out;
        timed_out.timed_out = true;
        return timed_out;
      }
      std::this_thread::sleep_for(20ms);
    }
    killed = true;
    ProcessOutcome cancelled;
    cancelled.cancelled = true;
    cancelled.exit_code = process_exit_code::cancelled;
    return cancelled;
  }
};

struct Fixture {
  mock::FakeFileSystem fs;
  SlowFileSystem slow{fs};
  mock::FakeVolumes volumes;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  mock::FakeProcessRunner processes;
  mock::FakeEnvironment environment;
  mock::FakePrivileges privileges;
  BackupPrivilege backup_privilege{privileges, [](const Error& e) { BOOST_ERROR(e.message()); }};
  bool with_backup_privilege = false;  // ConsistencyEnvironment::backup_privilege set

  Fixture() {
    volumes.add("D:\\", vol_d);
    // The live volume and its snapshot differ: what a check reports shows which one it read.
    write("D:\\Ledger\\data\\a.ldb", "LIVE");
    write("D:\\Ledger\\live-only.ldb", "x");
    write(shadow + "Ledger\\data\\a.ldb", "abc");
    write(shadow + "Ledger\\data\\b.ldb", "hello world\n");
    write(shadow + "Ledger\\MANIFEST.xxh128", xxh_abc + "  data/a.ldb\r\n" + xxh_hello + "  data\\b.ldb\r\n");
  }
  void write(const std::string& path, const std::string& contents) {
    const auto cut = path.find_last_of('\\');
    BOOST_REQUIRE(fs.create_directories(path.substr(0, cut)).ok());
    BOOST_REQUIRE(fs.write_file(path, contents).ok());
  }

  std::unique_ptr<PolicyConsistencyChecks> engine(const std::string& checks, const std::string& components = "{}",
                                                  FileSecurity* security = nullptr) {
    auto loaded = policy::parse_policy(R"({ "components": )" + components + R"(, "backup": { "check": )" + checks + "} }");
    std::string problems;
    for (const auto& p : loaded.problems) problems += p.format("policy") + "\n";
    BOOST_REQUIRE_MESSAGE(loaded.policy, problems);
    ConsistencyEnvironment env{slow, volumes, clock, events, &processes, "C:\\ProgramData\\wsbkit\\logs", "\\", 2, 0ms};
    env.security = security;
    env.environment = &environment;
    if (with_backup_privilege) env.backup_privilege = &backup_privilege;
    return std::make_unique<PolicyConsistencyChecks>(std::make_shared<policy::Policy>(std::move(*loaded.policy)), env);
  }

  static ConsistencyRequest request(const std::string& component = "LedgerDB") {
    ConsistencyRequest r;
    r.component_name = component;
    r.component_logical_path = std::string("Contoso\\Ledger");
    r.volume_count = 1;
    r.source_volumes = StringArray{vol_d};
    r.snapshot_volumes = StringArray{shadow};
    return r;
  }

  // Polls QueryStatus like WSB until the check is over; the final status.
  static Hresult wait(WsbAsync& async, std::chrono::milliseconds limit = 20s) {
    const auto start = std::chrono::steady_clock::now();
    Hresult status = hr::wsbapp_async_in_progress;
    while (std::chrono::steady_clock::now() - start < limit) {
      BOOST_REQUIRE(async.query_status(status) == hr::ok);
      if (status != hr::wsbapp_async_in_progress) return status;
      std::this_thread::sleep_for(1ms);
    }
    return status;
  }

  std::string event_text() const {
    std::string out;
    for (const auto& e : events.entries()) out += std::to_string(e.event_id) + ": " + e.message + "\n";
    return out;
  }

  std::string run_log() {
    std::string all;
    auto entries = fs.list_directory("C:\\ProgramData\\wsbkit\\logs");
    if (!entries) return all;
    for (const auto& e : *entries) all += fs.read_file("C:\\ProgramData\\wsbkit\\logs\\" + e.name).value();
    return all;
  }

  // A check that reads a 64 MiB file slowly (256 KiB chunks, 5 ms each: ~1.3 s) until aborted.
  static constexpr std::uint64_t long_check_bytes = 64u << 20;
  std::unique_ptr<PolicyConsistencyChecks> long_check() {
    write(shadow + "Big\\big.bin", std::string(long_check_bytes, 'z'));
    write(shadow + "Big\\MANIFEST.xxh128", std::string(32, '0') + "  big.bin\n");
    slow.chunk_delay_ms = 5;
    return engine(R"([ { "manifest.verify": { "manifest": "D:\\Big\\MANIFEST.xxh128" }, "timeout": "1m" } ])");
  }
};

// As the run log writes a string: backslashes doubled.
std::string json_escaped(std::string s) {
  std::string out;
  for (char c : s) out += c == '\\' ? std::string("\\\\") : std::string(1, c);
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(consistency_checks, Fixture)

// A component no check applies to gets S_FALSE and no async object.
BOOST_AUTO_TEST_CASE(no_applicable_check_is_s_false) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" }, "when": { "component": "logs" } } ])",
                       R"({ "logs": { "name": "LedgerLogs" } })");
  const auto result = checks->start(request("LedgerDB"));
  BOOST_TEST(result.hr == hr::s_false);
  BOOST_TEST(!result.async);
}

// A check step whose `when` names another component is in the run log, in the policy's order,
// skipped with the reason (the restore engine's skip fields, steps::mark_skipped); the others run.
BOOST_AUTO_TEST_CASE(a_check_step_whose_when_does_not_apply_is_logged_as_skipped) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" }, "when": { "component": "logs" } },
                             { "files.present": { "paths": ["D:\\Ledger\\data\\*.ldb"] } } ])",
                       R"({ "logs": { "name": "LedgerLogs" } })");
  auto result = checks->start(request("LedgerDB"));
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  const std::string log = run_log();
  const auto skipped = log.find(R"("event":"step","step":"backup.check[0]","type":"files.present","result":"skipped","message":"when: does not apply to this component")");
  BOOST_TEST(skipped != std::string::npos, log);
  BOOST_TEST(skipped < log.find(R"("step":"backup.check[1]")"), log);
  BOOST_TEST(log.find(R"("steps":1)") != std::string::npos, log);  // the start line counts the steps that run
}

// files.present on the snapshot: present there -> S_OK, even though the live file differs.
BOOST_AUTO_TEST_CASE(files_present_passes_on_the_snapshot) {
  auto checks = engine(R"([ { "files.present": { "paths": ["D:\\Ledger\\data\\*.ldb"], "min_size": 3 } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
}

// A file only on the live volume is missing on the snapshot: the check fails, naming the path.
BOOST_AUTO_TEST_CASE(file_only_on_the_live_volume_fails) {
  auto checks = engine(R"([ { "files.present": { "paths": ["D:\\Ledger\\live-only.ldb"] } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("31: ") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("D:\\Ledger\\live-only.ldb") != std::string::npos, event_text());
}

// A clean manifest passes; every file operation of the check is on the snapshot, never on D:.
BOOST_AUTO_TEST_CASE(manifest_passes_and_only_the_snapshot_is_read) {
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128", "extra_files": "fail" } },
                             { "files.present": { "paths": "D:\\Ledger\\data\\**\\*.ldb" } } ])");
  const auto before = fs.calls().size();
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  const auto calls = fs.calls();
  BOOST_TEST(calls.size() > before + 4);
  for (std::size_t i = before; i < calls.size(); ++i) {
    const auto& path = calls[i].path;
    const bool snapshot = (path + "\\").rfind(shadow, 0) == 0;  // the snapshot root is listed as well
    const bool own_log = path.rfind("C:\\ProgramData\\wsbkit\\logs", 0) == 0;
    BOOST_TEST((snapshot || own_log), "read outside the snapshot: " << path);
  }
}

// One corrupted byte fails the check; the event log and the run log name the file.
BOOST_AUTO_TEST_CASE(corrupted_byte_fails_naming_the_file) {
  write(shadow + "Ledger\\data\\b.ldb", "hello world!");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("1 mismatched (data\\b.ldb)") != std::string::npos, event_text());
  const std::string log = run_log();
  BOOST_TEST(log.find("\"event\":\"end\"") != std::string::npos, log);
  BOOST_TEST(log.find("data\\\\b.ldb") != std::string::npos, log);
  BOOST_TEST(log.find("WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED") != std::string::npos, log);
}

// A path on a volume WSB did not pass fails the check with a message naming it.
BOOST_AUTO_TEST_CASE(path_on_no_given_volume_fails_naming_it) {
  volumes.add("E:\\", "\\\\?\\Volume{eeeeeeee-0000-0000-0000-000000000000}\\");
  auto checks = engine(R"([ { "files.present": { "paths": "E:\\Other\\x" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("E:\\Other\\x") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("no volume being backed up") != std::string::npos, event_text());
}

// The run log records progress (files and bytes done) while a manifest is verified.
BOOST_AUTO_TEST_CASE(progress_is_in_the_run_log) {
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(wait(*result.async) == hr::ok);
  const std::string log = run_log();
  BOOST_TEST(log.find("\"event\":\"progress\"") != std::string::npos, log);
  BOOST_TEST(log.find("\"files_done\":2") != std::string::npos, log);
  BOOST_TEST(log.find("\"bytes_done\":15") != std::string::npos, log);
  BOOST_TEST(log.find("\"event\":\"start\"") != std::string::npos, log);
}

// Ordering: QueryStatus (in progress) -> Abort -> QueryStatus gives E_ABORT quickly, and stays so.
BOOST_AUTO_TEST_CASE(query_abort_query_gives_e_abort) {
  auto checks = long_check();
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  std::this_thread::sleep_for(50ms);
  Hresult status = hr::ok;
  BOOST_TEST(result.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::wsbapp_async_in_progress);
  BOOST_TEST(result.async->abort() == hr::ok);
  BOOST_TEST(wait(*result.async, 5s) == hr::e_abort);
  // The hash stopped where Abort found it (how fast is the benchmark's P2, never a wall-clock bound
  // here: this machine may be loaded).
  BOOST_TEST(slow.bytes_read.load() < long_check_bytes);
  BOOST_TEST(result.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::e_abort);
  BOOST_TEST(event_text().find("32: ") != std::string::npos, event_text());
  const std::string log = run_log();
  BOOST_TEST(log.find("\"event\":\"abort\"") != std::string::npos, log);  // when Abort arrived
  BOOST_TEST(log.find("\"result\":\"E_ABORT\"") != std::string::npos, log);
}

// Ordering: Abort before any QueryStatus, then Abort again: E_ABORT, Abort stays S_OK.
BOOST_AUTO_TEST_CASE(abort_first_and_twice) {
  auto checks = long_check();
  auto result = checks->start(request());
  BOOST_TEST(result.async->abort() == hr::ok);
  BOOST_TEST(result.async->abort() == hr::ok);
  BOOST_TEST(wait(*result.async, 5s) == hr::e_abort);
}

// Ordering: Release while running aborts and waits for the worker: nothing keeps running.
BOOST_AUTO_TEST_CASE(release_while_running_aborts_and_frees) {
  auto checks = long_check();
  auto result = checks->start(request());
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(checks->running() == 1);
  result.async.reset();
  BOOST_TEST(checks->running() == 0);
  BOOST_TEST(slow.bytes_read.load() < long_check_bytes);  // stopped, not run to its end
}

// Ordering: Abort after the end changes nothing: the result stands (S_OK or FAILED).
BOOST_AUTO_TEST_CASE(abort_after_the_end_keeps_the_result) {
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto passed = checks->start(request());
  BOOST_REQUIRE(wait(*passed.async) == hr::ok);
  BOOST_TEST(passed.async->abort() == hr::ok);
  Hresult status = hr::e_fail;
  BOOST_TEST(passed.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::ok);

  auto failing = engine(R"([ { "files.present": { "paths": "D:\\nothing" } } ])");
  auto failed = failing->start(request());
  BOOST_REQUIRE(wait(*failed.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(failed.async->abort() == hr::ok);
  BOOST_TEST(failed.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::wsbapp_e_component_consistency_check_failed);
}

// Ordering: Release without any QueryStatus after the check ended, and Release of a never-polled check.
BOOST_AUTO_TEST_CASE(release_without_polling) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } } ])");
  auto result = checks->start(request());
  std::this_thread::sleep_for(100ms);
  result.async.reset();
  BOOST_TEST(checks->running() == 0);
  auto again = checks->start(request());
  again.async.reset();  // released at once, maybe before the worker even started
  BOOST_TEST(checks->running() == 0);
}

// Several components at once: each check runs on its own and reports its own result.
BOOST_AUTO_TEST_CASE(parallel_checks_are_independent) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" }, "when": { "component": "db" } },
                             { "files.present": { "paths": "D:\\Ledger\\nothing" }, "when": { "component": "logs" } } ])",
                       R"({ "db": { "name": "LedgerDB" }, "logs": { "name": "LedgerLogs" } })");
  auto long_one = long_check();
  auto slow_check = long_one->start(request("LedgerDB"));
  auto db = checks->start(request("LedgerDB"));
  auto logs = checks->start(request("LedgerLogs"));
  BOOST_TEST(wait(*db.async) == hr::ok);
  BOOST_TEST(wait(*logs.async) == hr::wsbapp_e_component_consistency_check_failed);
  Hresult status = hr::ok;
  BOOST_TEST(slow_check.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::wsbapp_async_in_progress);  // still hashing while the others finished
  BOOST_TEST(slow_check.async->abort() == hr::ok);
  BOOST_TEST(wait(*slow_check.async, 5s) == hr::e_abort);
}

// A step's timeout stops a long verification: FAILED with "timed out".
BOOST_AUTO_TEST_CASE(step_timeout_fails_the_check) {
  write(shadow + "Big\\big.bin", std::string(64u << 20, 'z'));
  write(shadow + "Big\\MANIFEST.xxh128", std::string(32, '0') + "  big.bin\n");
  slow.chunk_delay_ms = 5;
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Big\\MANIFEST.xxh128" }, "timeout": "100ms" } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async, 5s) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("timed out after 100ms") != std::string::npos, event_text());
}

// run: argv, the context and each volume pair as environment; exit code in success_exit_codes passes.
BOOST_AUTO_TEST_CASE(run_checker_gets_context_and_passes) {
  ProcessOutcome ok;
  ok.exit_code = 3;
  processes.expect("check.exe", ok);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe", "arguments": ["--db", "a b"],
                                      "success_exit_codes": [0, 3] }, "timeout": "2m" } ])");
  auto r = request();
  r.writer_metadata = R"(<WRITER_METADATA><BACKUP_LOCATIONS><DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger">
      <DATABASE_FILES path="D:\Ledger\data" filespec="*.ldb"/></DATABASE></BACKUP_LOCATIONS></WRITER_METADATA>)";
  auto result = checks->start(r);
  BOOST_REQUIRE(wait(*result.async) == hr::ok);
  const auto requests = processes.requests();
  BOOST_REQUIRE_EQUAL(requests.size(), 1u);
  BOOST_TEST(requests[0].arguments == (std::vector<std::string>{"--db", "a b"}));
  BOOST_TEST(requests[0].timeout.count() == 120000);
  std::map<std::string, std::string> env(requests[0].environment_additions.begin(), requests[0].environment_additions.end());
  BOOST_TEST(env["WSBKIT_COMPONENT"] == "LedgerDB");
  BOOST_TEST(env["WSBKIT_LOGICAL_PATH"] == "Contoso\\Ledger");
  BOOST_TEST(env["WSBKIT_VOLUME_COUNT"] == "1");
  BOOST_TEST(env["WSBKIT_SOURCE_VOLUME_1"] == vol_d);
  BOOST_TEST(env["WSBKIT_SNAPSHOT_VOLUME_1"] == shadow);
  BOOST_TEST(env["WSBKIT_FILE_GROUP_COUNT"] == "1");
  BOOST_TEST(env["WSBKIT_FILE_GROUP_1_PATH"] == "D:\\Ledger\\data");
  BOOST_TEST(env["WSBKIT_FILE_GROUP_1_FILESPEC"] == "*.ldb");
  BOOST_TEST(env["WSBKIT_FILE_GROUP_1_SNAPSHOT_PATH"] == shadow + "Ledger\\data");
}

// run: a failing exit code fails the check with the code and the checker's stderr.
BOOST_AUTO_TEST_CASE(run_checker_failure_is_reported) {
  ProcessOutcome bad;
  bad.exit_code = 2;
  bad.standard_error = "page 17 checksum wrong";
  processes.expect("check.exe", bad);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("exited with 2: page 17 checksum wrong") != std::string::npos, event_text());
}

// run: a timed-out checker fails the check saying it was killed with its children.
BOOST_AUTO_TEST_CASE(run_checker_timeout_is_reported) {
  ProcessOutcome hung;
  hung.timed_out = true;
  hung.exit_code = 1;
  processes.expect("check.exe", hung);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe" }, "timeout": "1s" } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("killed with its child processes") != std::string::npos, event_text());
}

// Abort during a hung checker: the runner is told to kill it, and QueryStatus gives E_ABORT quickly.
BOOST_AUTO_TEST_CASE(abort_kills_a_hung_checker) {
  auto loaded = policy::parse_policy(R"({ "backup": { "check": [ { "run": { "executable": "C:\\Tools\\hang.exe" }, "timeout": "1h" } ] } })");
  BOOST_REQUIRE(loaded.policy);
  HungProcessRunner hung;
  ConsistencyEnvironment env{slow, volumes, clock, events, &hung, "", "\\", 2, 0ms};
  PolicyConsistencyChecks checks(std::make_shared<policy::Policy>(std::move(*loaded.policy)), env);
  auto result = checks.start(request());
  std::this_thread::sleep_for(100ms);
  Hresult status = hr::ok;
  BOOST_TEST(result.async->query_status(status) == hr::ok);
  BOOST_TEST(status == hr::wsbapp_async_in_progress);
  BOOST_TEST(result.async->abort() == hr::ok);
  BOOST_TEST(wait(*result.async, 5s) == hr::e_abort);  // the checker hangs for good: Abort ended it
  BOOST_TEST(hung.killed.load());
}

// retries: a checker that fails once and then passes gives S_OK after two runs.
BOOST_AUTO_TEST_CASE(retries_run_the_step_again) {
  ProcessOutcome bad, good;
  bad.exit_code = 1;
  processes.expect("check.exe", bad);
  processes.expect("check.exe", good);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe" }, "retries": 1, "retry_delay": "10ms" } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(processes.requests().size() == 2u);
}

// on_error continue: a failing step is reported as a warning and the check still passes.
BOOST_AUTO_TEST_CASE(on_error_continue_keeps_going) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\nothing" }, "on_error": "continue" },
                             { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(event_text().find("33: ") != std::string::npos, event_text());
}

// files.present without paths uses the writer's file groups, from either form of the document
// (bare, or VSS's wrapped <root> with the XDR Schema and the IDENTIFICATION and RESTORE_METHOD
// siblings): missing logs fail the check.
BOOST_AUTO_TEST_CASE(writer_file_groups_are_the_default_file_set) {
  auto checks = engine(R"([ { "files.present": { "non_empty": true } } ])");
  const std::string element = R"(<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1">
      <IDENTIFICATION writerId="{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}"/><BACKUP_LOCATIONS>
      <DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger">
      <DATABASE_FILES path="D:\Ledger\data" filespec="*.ldb"/><DATABASE_LOGFILES path="D:\Ledger\logs" filespec="*.log"/>
      </DATABASE></BACKUP_LOCATIONS><RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="never"/></WRITER_METADATA>)";
  const std::string schema = R"(<Schema name="VssWriterMetadataInfo" xmlns="urn:schemas-microsoft-com:xml-data">
      <ElementType name="WRITER_METADATA" content="eltOnly"/></Schema>)";
  for (const std::string& document : {element, "<?xml version=\"1.0\"?><root>" + schema + element + "</root>"}) {
    auto r = request();
    r.writer_metadata = document;
    auto result = checks->start(r);
    BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
    const std::string last = events.entries().back().message;  // this document's check, not the previous one's
    BOOST_TEST(last.find("D:\\Ledger\\logs\\*.log: nothing matches") != std::string::npos, last);
    write(shadow + "Ledger\\logs\\0001.log", "log");
    auto again = checks->start(r);
    BOOST_TEST(wait(*again.async) == hr::ok, event_text());
    BOOST_REQUIRE(fs.remove(shadow + "Ledger\\logs\\0001.log").ok());
  }
}

// Hostile writer metadata fails a step that needs the writer's file groups, with the parser's
// reason, instead of crashing.
BOOST_AUTO_TEST_CASE(hostile_writer_metadata_fails_the_step_that_needs_it_with_the_reason) {
  auto checks = engine(R"([ { "files.present": {} } ])");
  auto r = request();
  r.writer_metadata = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><WRITER_METADATA/>";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("no paths are given and the writer metadata cannot be read: a DOCTYPE") != std::string::npos,
             event_text());
}

// Metadata that cannot be read (here a wrong root) fails nothing that does not need it: a
// files.present with its own paths and a manifest.verify pass; a checker is told why in
// WSBKIT_WRITER_METADATA_ERROR.
BOOST_AUTO_TEST_CASE(unreadable_writer_metadata_leaves_the_steps_that_do_not_need_it_passing) {
  processes.expect("check.exe", ProcessOutcome{});
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } },
                            { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } },
                            { "run": { "executable": "C:\\Tools\\check.exe" } } ])");
  auto r = request();
  r.writer_metadata = "<html/>";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  const auto requests = processes.requests();
  BOOST_REQUIRE_EQUAL(requests.size(), 1u);
  std::map<std::string, std::string> env(requests[0].environment_additions.begin(), requests[0].environment_additions.end());
  BOOST_TEST(env["WSBKIT_WRITER_METADATA_ERROR"].find("<html>") != std::string::npos, env["WSBKIT_WRITER_METADATA_ERROR"]);
  BOOST_TEST(env["WSBKIT_FILE_GROUP_COUNT"] == "0");
}

// A missing file with unreadable metadata: the failure says the writer's exclusions are unknown, and why.
BOOST_AUTO_TEST_CASE(missing_file_with_unreadable_metadata_says_the_exclusions_are_unknown) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\gone.ldb" } } ])");
  auto r = request();
  r.writer_metadata = "<root><Schema/></root>";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("whether the writer excludes it is unknown: the writer metadata cannot be read: <root> holds no") !=
                 std::string::npos,
             event_text());
}

// Through AddinCore: validated arguments reach the engine, and its S_OK + async come back.
BOOST_AUTO_TEST_CASE(addin_core_delegates_to_the_engine) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } } ])");
  std::vector<std::string> lines;
  CallLog log([&](const std::string& line) { lines.push_back(line); });
  AddinCore core(log, checks.get());
  auto result = core.check_consistency(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok);
  auto bad = request();
  bad.volume_count = 2;  // arrays of 1: refused before the engine
  BOOST_TEST(core.check_consistency(bad).hr == hr::e_invalidarg);
}

// A checker Users may replace is refused exactly like a restore `run` step: never started,
// event 18 names the step and the writer, the check fails; an admin-only checker runs.
BOOST_AUTO_TEST_CASE(an_untrusted_checker_is_refused_with_event_18) {
  mock::FakeFileSecurity security;
  security.set("C:\\Tools\\check.exe", std::string(well_known_sid::administrators), mock::users_may_write_dacl());
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe" } } ])", "{}", &security);
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(processes.requests().empty());
  BOOST_TEST(event_text().find("18: wsbkit refused step backup.check[0]") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("S-1-5-32-545") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("31: ") != std::string::npos, event_text());

  security.set("C:\\Tools\\check.exe", std::string(well_known_sid::administrators), mock::admin_only_dacl());
  processes.expect("check.exe", ProcessOutcome{});
  auto again = checks->start(request());
  BOOST_TEST(wait(*again.async) == hr::ok, event_text());
  BOOST_TEST(processes.requests().size() == 1u);
}

// success_exit_codes [-1] accepts the exit code 0xFFFFFFFF (as the restore steps do).
BOOST_AUTO_TEST_CASE(minus_one_accepts_exit_code_0xffffffff) {
  ProcessOutcome all_ones;
  all_ones.exit_code = 0xFFFFFFFFu;
  processes.expect("check.exe", all_ones);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe", "success_exit_codes": [-1] } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
}

// A checker printing bytes that are not UTF-8 and UTF-16: the event message is valid UTF-8 and
// every run log line parses as JSON.
BOOST_AUTO_TEST_CASE(checker_output_in_any_encoding_keeps_the_run_log_json) {
  ProcessOutcome bad;
  bad.exit_code = 2;
  bad.standard_output = std::string("page \xFF\xFE\x80 17\n") + std::string(300000, '\xE9');
  for (const char c : std::string("Seite 17 kaputt\r\n")) bad.standard_error += std::string{c, '\0'};
  processes.expect("check.exe", bad);
  auto checks = engine(R"([ { "run": { "executable": "C:\\Tools\\check.exe" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("exited with 2: Seite 17 kaputt") != std::string::npos, event_text());
  for (const auto& e : events.entries()) BOOST_TEST(is_valid_utf8(e.message));
  std::istringstream lines(run_log());
  int parsed = 0;
  for (std::string line; std::getline(lines, line); ++parsed) {
    BOOST_TEST(nlohmann::json::accept(line), line.substr(0, 200));
  }
  BOOST_TEST(parsed >= 4);  // start, output, step, end
}

// The run log is best effort: lines that cannot be written do not fail the check, and the final
// event says how many are missing; an event the event log refuses is kept in the run log.
BOOST_AUTO_TEST_CASE(run_log_and_event_log_failures_are_told_to_the_other) {
  fs.fail_when(mock::file_writes_under("C:\\ProgramData\\wsbkit\\logs"), 112);  // ERROR_DISK_FULL
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(event_text().find("30: ") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("line(s) of the run log") != std::string::npos, event_text());
  fs.clear_faults();

  events.fail_when([](const mock::EventLogEntry& e) { return e.event_id == 30; });
  auto again = checks->start(request());
  BOOST_TEST(wait(*again.async) == hr::ok);
  const std::string log = run_log();
  BOOST_TEST(log.find("\"event\":\"event_log_failed\",\"event_id\":30") != std::string::npos, log);
}

// A junction in the snapshot to the live volume is not followed by a glob: nothing matches behind
// it, the check fails, and the result and the run log name the skipped reparse point.
BOOST_AUTO_TEST_CASE(files_present_does_not_follow_a_junction_to_the_live_volume) {
  fs.create_link(shadow + "Ledger\\live", "D:\\Ledger", true);
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\live\\*.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed, event_text());
  BOOST_TEST(event_text().find("skipped reparse point " + shadow + "Ledger\\live") != std::string::npos, event_text());
  BOOST_TEST(run_log().find("\"event\":\"reparse_point\"") != std::string::npos, run_log());
}

// A reparse point a wildcard walk meets is neither entered nor matched, and it is reported; the
// files really on the snapshot still pass.
BOOST_AUTO_TEST_CASE(a_reparse_point_met_by_a_wildcard_walk_is_skipped_and_reported) {
  fs.create_link(shadow + "Ledger\\data\\live", "D:\\Ledger", true);
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\**\\*.ldb", "min_size": 3 } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  const std::string log = run_log();
  BOOST_TEST(log.find("2 present; skipped reparse point") != std::string::npos, log);
  BOOST_TEST(log.find("\"action\":\"skipped\"") != std::string::npos, log);
}

// A manifest entry behind a junction is never hashed (its live target matches the manifest): the
// check fails with that reason.
BOOST_AUTO_TEST_CASE(a_manifest_entry_behind_a_junction_fails_the_check) {
  write("D:\\Ledger\\copy.ldb", "abc");
  fs.create_link(shadow + "Ledger\\live", "D:\\Ledger", true);
  write(shadow + "Ledger\\MANIFEST.xxh128", xxh_abc + "  data/a.ldb\n" + xxh_abc + "  live/copy.ldb\n");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed, event_text());
  BOOST_TEST(event_text().find("1 reparse points, not followed (live/copy.ldb (reparse point " + shadow + "Ledger\\live))") !=
                 std::string::npos,
             event_text());
}

// A manifest entry that is itself a symbolic link fails the check, even when its target matches.
BOOST_AUTO_TEST_CASE(a_manifest_entry_that_is_a_symbolic_link_fails_the_check) {
  write("D:\\Ledger\\copy.ldb", "abc");
  fs.create_link(shadow + "Ledger\\data\\c.ldb", "D:\\Ledger\\copy.ldb", false);
  write(shadow + "Ledger\\MANIFEST.xxh128", xxh_abc + "  data/c.ldb\n");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed, event_text());
  BOOST_TEST(event_text().find("reparse point " + shadow + "Ledger\\data\\c.ldb") != std::string::npos, event_text());
}

// Entries after the first in a folder already proved clean are still checked by their own name: a
// symbolic link and a missing file listed after a good file of the same folder are reported, and a
// name ending in a separator does not stand for its folder's contents.
BOOST_AUTO_TEST_CASE(later_entries_of_a_folder_proved_clean_are_each_still_checked) {
  write("D:\\Ledger\\copy.ldb", "abc");
  write(shadow + "Ledger\\data\\b.ldb", "abc");
  fs.create_link(shadow + "Ledger\\data\\c.ldb", "D:\\Ledger\\copy.ldb", false);
  fs.create_link(shadow + "Ledger\\data\\live", "D:\\Ledger", true);
  write(shadow + "Ledger\\MANIFEST.xxh128", xxh_abc + "  data/a.ldb\n" + xxh_abc + "  data/b.ldb\n" + xxh_abc +
                                              "  data/c.ldb\n" + xxh_abc + "  data/gone.ldb\n" + xxh_abc +
                                              "  data/live/\n" + xxh_abc + "  data/live/copy.ldb\n");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed, event_text());
  BOOST_TEST(event_text().find("reparse point " + shadow + "Ledger\\data\\c.ldb") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("data/gone.ldb") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("live/copy.ldb (reparse point " + shadow + "Ledger\\data\\live)") != std::string::npos,
             event_text());
  BOOST_TEST(event_text().find("2 ok") != std::string::npos, event_text());
}

// The extra-files walk does not enter a junction (what is behind it is not the snapshot's): it is
// reported as skipped, not counted as extra files.
BOOST_AUTO_TEST_CASE(the_extra_files_walk_skips_a_junction_and_reports_it) {
  fs.create_link(shadow + "Ledger\\live", "D:\\Ledger", true);
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128", "extra_files": "fail" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(run_log().find("skipped reparse point " + json_escaped(shadow + "Ledger\\live")) != std::string::npos, run_log());
}

// A manifest reached through a junction is not read: the check fails naming the reparse point.
BOOST_AUTO_TEST_CASE(a_manifest_behind_a_junction_is_not_read) {
  write("D:\\Live\\MANIFEST.xxh128", xxh_abc + "  a.ldb\n");
  write("D:\\Live\\a.ldb", "abc");
  fs.create_link(shadow + "Elsewhere", "D:\\Live", true);
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Elsewhere\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_REQUIRE(result.hr == hr::ok);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed, event_text());
  BOOST_TEST(event_text().find("reparse point " + shadow + "Elsewhere on its path is not followed") != std::string::npos,
             event_text());
}

// VSS writer paths may hold environment variables, a \\?\ prefix and no trailing '\': each is
// expanded from the add-in's environment before mapping, so the zero-configuration files.present
// passes and a checker's WSBKIT_FILE_GROUP_n_SNAPSHOT_PATH names the snapshot folder.
BOOST_AUTO_TEST_CASE(writer_paths_with_environment_variables_are_expanded_before_mapping) {
  environment.set("LedgerHome", "D:\\Ledger");
  write(shadow + "Ledger\\logs\\0001.log", "log");
  processes.expect("check.exe", ProcessOutcome{});
  auto checks = engine(R"([ { "files.present": { "non_empty": true } }, { "run": { "executable": "C:\\Tools\\check.exe" } } ])");
  auto r = request();
  r.writer_metadata = R"(<WRITER_METADATA><BACKUP_LOCATIONS><DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger">
      <DATABASE_FILES path="%LEDGERHOME%\data\" filespec="*.ldb"/><DATABASE_LOGFILES path="\\?\D:\Ledger\logs" filespec="*.log"/>
      </DATABASE></BACKUP_LOCATIONS></WRITER_METADATA>)";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  const auto requests = processes.requests();
  BOOST_REQUIRE_EQUAL(requests.size(), 1u);
  std::map<std::string, std::string> env(requests[0].environment_additions.begin(), requests[0].environment_additions.end());
  BOOST_TEST(env["WSBKIT_FILE_GROUP_1_PATH"] == "D:\\Ledger\\data");
  BOOST_TEST(env["WSBKIT_FILE_GROUP_1_SNAPSHOT_PATH"] == shadow + "Ledger\\data");
  BOOST_TEST(env["WSBKIT_FILE_GROUP_2_SNAPSHOT_PATH"] == shadow + "Ledger\\logs");
}

// An undefined variable stays in the path (as Windows leaves it): the check fails naming the path
// as written, instead of reading a folder cut out of the wrong volume ("ystemRoot%\...").
BOOST_AUTO_TEST_CASE(an_undefined_variable_in_a_writer_path_fails_naming_it) {
  volumes.add("C:\\", "\\\\?\\Volume{cccccccc-0000-0000-0000-000000000000}\\");
  auto checks = engine(R"([ { "files.present": {} } ])");
  auto r = request();
  r.source_volumes = StringArray{vol_d, std::string("\\\\?\\Volume{cccccccc-0000-0000-0000-000000000000}\\")};
  r.snapshot_volumes = StringArray{shadow, std::string("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy9\\")};
  r.writer_metadata = R"(<WRITER_METADATA><BACKUP_LOCATIONS><FILE_GROUP componentName="LedgerDB" logicalPath="Contoso\Ledger">
      <FILE_LIST path="%NoSuchRoot%\Ledger" filespec="*"/></FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>)";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("%NoSuchRoot%\\Ledger\\* (writer file group)") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("does not begin the path") != std::string::npos, event_text());
}

// "*.*" matches every name as FindFirstFileW does, names without a dot included.
BOOST_AUTO_TEST_CASE(star_dot_star_matches_names_without_a_dot) {
  write(shadow + "Ledger\\bin\\LEDGERD", "binary");
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\bin\\*.*" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
}

// Files the writer excludes from the shadow copy (EXCLUDE_FILES) are absent by design: a file group
// they cover is not reported missing, and the run log says why.
BOOST_AUTO_TEST_CASE(files_the_writer_excludes_are_not_reported_missing) {
  auto checks = engine(R"([ { "files.present": {} } ])");
  auto r = request();
  r.writer_metadata = R"(<WRITER_METADATA><EXCLUDE_FILES path="D:\Ledger\temp" filespec="*.tmp" recursive="yes"/>
      <BACKUP_LOCATIONS><DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger">
      <DATABASE_FILES path="D:\Ledger\data" filespec="*.ldb"/><FILE_LIST path="D:\Ledger\temp\spill" filespec="*.tmp"/>
      </DATABASE></BACKUP_LOCATIONS></WRITER_METADATA>)";
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(run_log().find("\"event\":\"excluded\"") != std::string::npos, run_log());
}

// A folder the pattern needs that is not on the snapshot is named in the failure, not "nothing here".
BOOST_AUTO_TEST_CASE(a_missing_folder_during_a_walk_is_named) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\gone\\deeper\\*.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("folder not found: " + shadow + "Ledger\\gone\\deeper") != std::string::npos, event_text());
}

// A snapshot volume that cannot be read fails the check as such ("path not found"), never as an
// empty folder.
BOOST_AUTO_TEST_CASE(an_unreadable_snapshot_volume_is_an_error_not_an_empty_folder) {
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\**\\*.ldb" } } ])");
  auto r = request();
  r.snapshot_volumes = StringArray{std::string("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy77\\")};
  auto result = checks->start(r);
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("the snapshot volume cannot be read") != std::string::npos, event_text());
}

// Snapshot data whose ACL excludes SYSTEM (granted to a service account only: here readable only
// while SeBackupPrivilege is enabled, as with FILE_FLAG_BACKUP_SEMANTICS on Windows) is read: the
// check enables the privilege for its duration and puts it back after.
BOOST_AUTO_TEST_CASE(data_only_a_service_account_may_read_is_read_with_the_backup_privilege) {
  fs.fail_when([this](const mock::FileSystemCall& call) {
    const bool read = call.operation == mock::FileSystemOperation::read_chunks || call.operation == mock::FileSystemOperation::read_file;
    return read && call.path.find("a.ldb") != std::string::npos && !privileges.enabled();
  });
  with_backup_privilege = true;
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  result.async.reset();
  BOOST_TEST(!privileges.enabled());
  BOOST_TEST(privileges.history() == (std::vector<bool>{true, false}));
}

// An account without the privilege still runs the check (files it may read need none); the run
// log says the privilege was not enabled.
BOOST_AUTO_TEST_CASE(without_the_backup_privilege_the_check_runs_and_says_so) {
  privileges.set_present(false);
  with_backup_privilege = true;
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\a.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(run_log().find("\"event\":\"backup_privilege\",\"state\":\"not enabled\"") != std::string::npos, run_log());
}

// A volume mounted in a folder appears in the parent volume's snapshot as a reparse point; its data
// is in its own snapshot: a walk switches to it when WSB passed that volume.
const std::string vol_m = "\\\\?\\Volume{mmmmmmmm-0000-0000-0000-000000000000}\\";
const std::string shadow_m = "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy6\\";

// The request with volume M passed too (its snapshot shadow_m), as WSB passes every volume backed up.
ConsistencyRequest with_volume_m(ConsistencyRequest r) {
  r.source_volumes = StringArray{vol_d, vol_m};
  r.snapshot_volumes = StringArray{shadow, shadow_m};
  return r;
}

BOOST_AUTO_TEST_CASE(a_walk_switches_to_the_snapshot_of_a_volume_mounted_in_a_folder) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  write(shadow + "Mounts\\placeholder", "");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  write(shadow_m + "db\\x.ldb", "abc");
  write("D:\\Mounts\\Data\\db\\live-only.ldb", "abc");  // the live side: never read
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Mounts\\**\\*.ldb", "min_size": 3 } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(run_log().find("1 present") != std::string::npos, run_log());
}

// A manifest entry behind a folder where another passed volume is mounted ("Data/db/x.ldb" below
// D:\Mounts, volume M mounted at D:\Mounts\Data) is read in M's snapshot, not refused as behind
// the mount point's reparse point in D's snapshot, and never on the live side.
BOOST_AUTO_TEST_CASE(a_manifest_entry_behind_a_mounted_folder_is_read_in_that_volumes_snapshot) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  write(shadow + "Mounts\\MANIFEST.xxh128", xxh_abc + "  Data/db/x.ldb\r\n");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  write(shadow_m + "db\\x.ldb", "abc");
  write("D:\\Mounts\\Data\\db\\x.ldb", "LIVE");  // the live side: never read
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Mounts\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
}

// The extra-files walk enters a folder where a passed volume is mounted and walks that volume's
// snapshot: a file there that the manifest lists is not extra, one it does not list is.
BOOST_AUTO_TEST_CASE(extra_files_behind_a_mounted_folder_are_found_in_that_volumes_snapshot) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  write(shadow + "Mounts\\MANIFEST.xxh128", xxh_abc + "  Data/db/x.ldb\r\n");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  write(shadow_m + "db\\x.ldb", "abc");
  write(shadow_m + "db\\stray.ldb", "abc");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Mounts\\MANIFEST.xxh128", "extra_files": "fail" } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("1 files listed, 1 ok, 1 not in the manifest (") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("stray.ldb") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("skipped reparse point") == std::string::npos, event_text());
}

// A mount that leads back to the base's own volume (D mounted inside M, M inside D) or a volume
// mounted inside itself is not entered: the walk stays on the volumes below the base, each once.
BOOST_AUTO_TEST_CASE(the_extra_files_walk_never_reenters_the_bases_own_volume) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  volumes.add("D:\\Mounts\\Data\\back\\", vol_d);
  volumes.add("D:\\Mounts\\self\\", vol_d);
  write(shadow + "Mounts\\MANIFEST.xxh128", xxh_abc + "  Data/db/x.ldb\r\n");
  write(shadow + "Mounts\\stray.ldb", "abc");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  fs.create_link(shadow + "Mounts\\self", vol_d, true);
  write(shadow_m + "db\\x.ldb", "abc");
  fs.create_link(shadow_m + "back", vol_d, true);
  write(shadow + "Elsewhere\\outside-the-base.ldb", "abc");
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Mounts\\MANIFEST.xxh128", "extra_files": "fail" } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("1 files listed, 1 ok, 1 not in the manifest (stray.ldb)") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("outside-the-base") == std::string::npos, event_text());
}

// When a volume's mount points cannot be read (GetVolumePathNamesForVolumeNameW fails), the check
// still runs: an entry elsewhere is verified, an entry behind that volume's folder meets the mount
// point's reparse point in the host's snapshot and is reported (never read on the live side), and
// the run log names the volume and the reason.
BOOST_AUTO_TEST_CASE(mount_points_that_cannot_be_read_fail_only_the_entries_behind_them) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  volumes.fail_mount_points_of_volume(win32_error::access_denied);
  write(shadow + "Mounts\\MANIFEST.xxh128", xxh_abc + "  Data/db/x.ldb\r\n" + xxh_abc + "  here.ldb\r\n");
  write(shadow + "Mounts\\here.ldb", "abc");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  write(shadow_m + "db\\x.ldb", "abc");
  write("D:\\Mounts\\Data\\db\\x.ldb", "abc");  // the live side: never read
  auto checks = engine(R"([ { "manifest.verify": { "manifest": "D:\\Mounts\\MANIFEST.xxh128" } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("2 files listed, 1 ok") != std::string::npos, event_text());
  BOOST_TEST(event_text().find("1 reparse points, not followed (Data/db/x.ldb") != std::string::npos, event_text());
  BOOST_TEST(run_log().find("\"event\":\"mounted_folders\",\"step\":\"backup.check[0]\"") != std::string::npos, run_log());
  BOOST_TEST(run_log().find("Volume{mmmmmmmm-0000-0000-0000-000000000000}") != std::string::npos, run_log());
  BOOST_TEST(event_text().find("where " + vol_m + " is mounted is unknown, its folders not followed") != std::string::npos,
             event_text());
}

// A folder where a volume WSB did not pass is mounted fails the check naming that volume: its
// data is in no snapshot, and the live volume is never read instead.
BOOST_AUTO_TEST_CASE(a_mounted_volume_that_is_not_backed_up_fails_naming_it) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  fs.create_link(shadow + "Ledger\\data\\more", vol_m, true);
  volumes.add("D:\\Ledger\\data\\more\\", vol_m);
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Ledger\\data\\**\\*.ldb" } } ])");
  auto result = checks->start(request());
  BOOST_TEST(wait(*result.async) == hr::wsbapp_e_component_consistency_check_failed);
  BOOST_TEST(event_text().find("volume " + vol_m + " is mounted here") != std::string::npos, event_text());
}

// Volumes mounted in each other make a loop: each volume is walked once, the way back is skipped
// and reported, and the check ends.
BOOST_AUTO_TEST_CASE(volumes_mounted_in_each_other_are_walked_once) {
  volumes.add("D:\\Mounts\\Data\\", vol_m);
  volumes.add("D:\\Mounts\\Data\\back\\", vol_d);
  write(shadow + "Mounts\\placeholder", "");
  fs.create_link(shadow + "Mounts\\Data", vol_m, true);
  write(shadow_m + "db\\x.ldb", "abc");
  fs.create_link(shadow_m + "back", vol_d, true);
  auto checks = engine(R"([ { "files.present": { "paths": "D:\\Mounts\\**\\*.ldb" } } ])");
  auto result = checks->start(with_volume_m(request()));
  BOOST_TEST(wait(*result.async) == hr::ok, event_text());
  BOOST_TEST(run_log().find("skipped reparse point " + json_escaped(shadow_m + "back")) != std::string::npos, run_log());
}

BOOST_AUTO_TEST_SUITE_END()
