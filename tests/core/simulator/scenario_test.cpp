// Scenarios: the format's bad-input table (every problem with its line and column, nothing run),
// and each kind of expectation proven held and missed against the in-memory machine with the
// application's real policy engine in the add-in.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "core/simulator/scenario.hpp"
#include "core/simulator/scenario_machine.hpp"
#include "mock/host_clock.hpp"

using namespace wsbkit;
using namespace wsbkit::scenario;

namespace {

std::string ledger_policy() {
  const auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc >= 2, "pass src/sample/ledger-policy.json's path as the first argument");
  std::ifstream in(suite.argv[suite.argc - 1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  BOOST_REQUIRE_MESSAGE(!text.str().empty(), "cannot read " << suite.argv[suite.argc - 1]);
  return text.str();
}

// The Ledger machine of src/sample/ledger-scenario.json (smaller), with `expect`, extra fields of
// LedgerHelperSvc (`helper_extra`) and the journal file's JSON value given by each test.
std::string ledger_scenario(const std::string& expect, const std::string& helper_extra = "",
                            const std::string& journal_json = R"("journal segment 1\n")") {
  return R"({
  "machine": {
    "services": {
      "LedgerSvc": { "state": "running", "start_type": "automatic", "listens": [47110] },
      "LedgerHelperSvc": { "state": "running", "start_type": "automatic", "depends_on": ["LedgerSvc"])" + helper_extra + R"( }
    },
    "files": {
      "C:\\Ledger\\data\\accounts.ldb": "accounts",
      "C:\\Ledger\\journal\\0001.jnl": )" + journal_json + R"(
    },
    "manifests": [{ "path": "C:\\Ledger\\MANIFEST.xxh128", "files": ["C:\\Ledger\\data\\accounts.ldb"] }],
    "volumes": [{ "mount_point": "C:\\", "volume": "\\\\?\\Volume{3F2504E0-4F89-11D3-9A0C-0305E82C3301}\\",
                  "snapshot": "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\" }]
  },
  "components": [{ "name": "LedgerDB", "logical_path": "Contoso\\Ledger" }, { "name": "LedgerJournal", "logical_path": "Contoso\\Ledger" }],
  "expect": )" + expect + "\n}";
}

// The scenario with `changes` (a JSON object: live path -> snapshot contents) in its snapshot.
std::string with_snapshot_changes(std::string text, const std::string& changes) {
  const std::string marker = "HarddiskVolumeShadowCopy1\\\\\"";
  const auto at = text.find(marker);
  BOOST_REQUIRE(at != std::string::npos);
  text.insert(at + marker.size(), ", \"snapshot_changes\": " + changes);
  return text;
}

struct Played {
  std::vector<SimulatedCall> calls;
  std::vector<Outcome> outcomes;
  std::unique_ptr<InMemoryMachine> machine;
  const Outcome& at(const std::string& path) const {
    for (const auto& o : outcomes) {
      if (o.path == path) return o;
    }
    BOOST_FAIL("no outcome " + path);
    return outcomes.front();
  }
};

// Parses the scenario, builds its machine, runs WSB's backup and restore against the Ledger
// policy in the add-in, and evaluates.
Played play(const std::string& text) {
  auto parsed = parse_scenario(text);
  BOOST_REQUIRE_MESSAGE(parsed.scenario, (parsed.problems.empty() ? "" : parsed.problems[0].format("scenario")));
  auto built = InMemoryMachine::build(parsed.scenario->machine);
  BOOST_REQUIRE_MESSAGE(built, (built ? "" : built.error().message()));
  Played p;
  p.machine = std::move(*built);
  auto addin = p.machine->start_addin(ledger_policy());
  BOOST_REQUIRE_MESSAGE(addin, (addin ? "" : addin.error().message()));
  SimulationOptions options;
  options.components = parsed.scenario->components;
  options.poll_interval = std::chrono::milliseconds(1);
  p.machine->volume_pairs(options);
  // WSB polls on real time, as in `wsbkit simulate`: on the machine's manual clock the polling
  // would reach the check timeout before a slow worker thread ends.
  const auto wsb_clock = mock::make_host_clock();
  p.calls = Simulator(**addin, *wsb_clock, nullptr).run(options);
  addin->reset();
  p.outcomes = evaluate(*parsed.scenario, p.calls, p.machine->services, p.machine->files);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scenario_format)

// Each bad scenario is refused with a problem naming where (line:column) and what; a refused
// scenario gives no Scenario, so nothing can run.
BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_line_and_column) {
  struct Case {
    const char* text;
    const char* expected;  // in "scenario:LINE:COL: PATH: MESSAGE"
  };
  const Case cases[] = {
      {"{\n  \"machine\": {},\n  \"expect\": {}\n", "scenario:4:1: invalid JSON"},
      {"{\"machine\": {}}", "scenario:1:1: missing required key 'expect'"},
      {"{\"machine\": {}, \"expect\": {}, \"extra\": 1}", ": extra: unknown key"},
      {"{\"machine\": {\"services\": {\"A\": {\"state\": \"paused\"}}}, \"expect\": {}}", "machine.services.A.state: 'paused' is not one of running, stopped"},
      {"{\"machine\": {\"services\": {\"A\": {\"on_stop\": \"sleeps\"}}}, \"expect\": {}}", "machine.services.A.on_stop: 'sleeps' is not one of"},
      {"{\"machine\": {\"services\": {\"A\": {\"depends_on\": [\"B\"]}}}, \"expect\": {}}", "machine.services.A.depends_on: 'B' is not one of machine.services"},
      {"{\"machine\": {\"services\": {\"A\": {\"listens\": [70000]}}}, \"expect\": {}}", "machine.services.A.listens[0]: must be a TCP port"},
      {"{\"machine\": {\"files\": {\"C:\\\\a\": {\"hex\": \"0g\"}}}, \"expect\": {}}", "is not an even number of hex digits"},
      {"{\"machine\": {\"files\": {\"C:\\\\a\": 5}}, \"expect\": {}}", "must be a string or { \"hex\": \"...\" }"},
      {"{\"machine\": {\"manifests\": [{\"path\": \"C:\\\\M\", \"files\": [\"C:\\\\b\"]}]}, \"expect\": {}}", "machine.manifests[0].files[0]: 'C:\\b' is not one of machine.files"},
      {"{\"machine\": {\"volumes\": [{\"mount_point\": \"C:\\\\\"}]}, \"expect\": {}}", "machine.volumes[0]: missing required key 'volume'"},
      {"{\"machine\": {\"tools\": [{\"executable\": \"x.exe\", \"exit_code\": -1}]}, \"expect\": {}}", "machine.tools[0].exit_code: must be between 0 and"},
      {"{\"machine\": {},\n \"expect\": {\"calls\": [{\"method\": \"PreRestor\"}]}}", "scenario:2:24: expect.calls[0].method: 'PreRestor' is not a WSB call"},
      {"{\"machine\": {}, \"expect\": {\"calls\": [{\"method\": \"Abort\", \"hresult\": \"ok\"}]}}", "expect.calls[0].hresult: 'ok' is neither"},
      {"{\"machine\": {}, \"expect\": {\"calls\": [{\"method\": \"PreRestore\", \"result\": \"S_OK\"}]}}", "expect.calls[0].result: only a QueryStatus reports"},
      {"{\"machine\": {}, \"expect\": {\"services\": {\"Nope\": {\"state\": \"running\"}}}}", "expect.services.Nope: 'Nope' is not one of machine.services"},
      {"{\"machine\": {\"services\": {\"A\": {}}}, \"expect\": {\"services\": {\"A\": {}}}}", "expect.services.A: expects nothing"},
      {"{\"machine\": {\"services\": {\"A\": {}, \"a\": {}}}, \"expect\": {}}", "is given twice (names are case-insensitive)"},
      {"{\"machine\": {}, \"machine\": {}, \"expect\": {}}", "given twice in one object"},
  };
  for (const auto& c : cases) {
    const auto result = parse_scenario(c.text);
    BOOST_TEST(!result.scenario.has_value(), c.text);
    std::string all;
    for (const auto& p : result.problems) all += p.format("scenario") + "\n";
    BOOST_TEST(all.find(c.expected) != std::string::npos, "for " << c.text << "\nexpected: " << c.expected << "\ngot: " << all);
  }
}

// A good scenario parses into the machine and the expectations it declares.
BOOST_AUTO_TEST_CASE(a_good_scenario_is_read_whole) {
  const auto result = parse_scenario(ledger_scenario(R"({"calls": [{"method": "PreRestore", "component": "LedgerDB"}],
      "services": {"LedgerSvc": {"state": "running"}}, "files": {"C:\\Ledger\\gone": null}})"));
  BOOST_REQUIRE(result.scenario);
  BOOST_TEST(result.scenario->machine.services.size() == 2u);
  for (const auto& service : result.scenario->machine.services) {
    BOOST_TEST((service.depends_on == std::vector<std::string>{"LedgerSvc"}) == (service.name == "LedgerHelperSvc"), service.name);
  }
  BOOST_TEST(result.scenario->expectation_count() == 3u);
  BOOST_TEST(!result.scenario->files[0].contents.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scenario_expectations)

// Calls in order with their HRESULTs hold for the Ledger restore; a wrong HRESULT, a call never
// made and a call out of order each miss, naming what was expected and what happened.
BOOST_AUTO_TEST_CASE(call_expectations_hold_and_miss) {
  const auto p = play(ledger_scenario(R"({"calls": [
      {"method": "CheckConsistency", "component": "LedgerDB", "hresult": "S_OK"},
      {"method": "QueryStatus", "component": "LedgerDB", "hresult": "S_OK", "result": "0x00000000"},
      {"method": "OrderComponents", "hresult": "S_FALSE"},
      {"method": "PreRestore", "component": "LedgerDB", "hresult": "S_OK"},
      {"method": "PostRestore", "component": "LedgerJournal", "hresult": "0x00000000"},
      {"method": "PreRestore", "component": "LedgerJournal", "hresult": "S_OK"},
      {"method": "Abort"}]})"));
  BOOST_TEST(p.at("expect.calls[0]").held);
  BOOST_TEST(p.at("expect.calls[1]").held, p.at("expect.calls[1]").actual);
  const auto& wrong = p.at("expect.calls[2]");
  BOOST_TEST(!wrong.held);
  BOOST_TEST(wrong.expected == "OrderComponents() -> S_FALSE");
  BOOST_TEST(wrong.actual == "call 5: OrderComponents() -> S_OK");
  BOOST_TEST(p.at("expect.calls[3]").held);
  BOOST_TEST(p.at("expect.calls[4]").held);
  const auto& out_of_order = p.at("expect.calls[5]");
  BOOST_TEST(!out_of_order.held);
  BOOST_TEST(out_of_order.actual.find("out of order") != std::string::npos, out_of_order.actual);
  const auto& never = p.at("expect.calls[6]");
  BOOST_TEST(!never.held);
  BOOST_TEST(never.actual.find("no such call") != std::string::npos, never.actual);
}

// Services: running and automatic again after the restore (held); expecting them stopped misses
// with the actual state and start type.
BOOST_AUTO_TEST_CASE(service_expectations_hold_and_miss) {
  const auto p = play(ledger_scenario(R"({"services": {
      "LedgerSvc": {"state": "running", "start_type": "automatic"},
      "LedgerHelperSvc": {"state": "stopped", "start_type": "disabled"}}})"));
  BOOST_TEST(p.at("expect.services.LedgerSvc.state").held);
  BOOST_TEST(p.at("expect.services.LedgerSvc.start_type").held);
  const auto& state = p.at("expect.services.LedgerHelperSvc.state");
  BOOST_TEST(!state.held);
  BOOST_TEST(state.expected == "STOPPED");
  BOOST_TEST(state.actual == "RUNNING");
  BOOST_TEST(!p.at("expect.services.LedgerHelperSvc.start_type").held);
}

// Files after the run: the content that is there holds; other content, and a file expected gone,
// miss with both contents shown.
BOOST_AUTO_TEST_CASE(file_expectations_hold_and_miss) {
  const auto p = play(ledger_scenario(R"({"files": {
      "C:\\Ledger\\data\\accounts.ldb": "accounts",
      "C:\\Ledger\\journal\\0001.jnl": "a journal no backup ever held",
      "C:\\Ledger\\data\\accounts.ldb.tmp": null,
      "C:\\Ledger\\MANIFEST.xxh128": null}})"));
  BOOST_TEST(p.at("expect.files.C:\\Ledger\\data\\accounts.ldb").held);
  BOOST_TEST(p.at("expect.files.C:\\Ledger\\data\\accounts.ldb.tmp").held);
  const auto& content = p.at("expect.files.C:\\Ledger\\journal\\0001.jnl");
  BOOST_TEST(!content.held);
  BOOST_TEST(content.expected == "\"a journal no backup ever held\"");
  BOOST_TEST(content.actual == "\"journal segment 1\\n\"");
  const auto& present = p.at("expect.files.C:\\Ledger\\MANIFEST.xxh128");
  BOOST_TEST(!present.held);
  BOOST_TEST(present.expected == "no such file");
}

// "Files restored" reads the machine after the run: a live journal torn, the backup's copy intact.
// Until the simulator restores files (between PreRestore and PostRestore) the expectation misses
// showing the torn file; once it does, it holds. Either way it reports what the machine holds.
BOOST_AUTO_TEST_CASE(files_restored_are_read_from_the_machine_after_the_run) {
  const auto p = play(with_snapshot_changes(
      ledger_scenario(R"({"files": {"C:\\Ledger\\journal\\0001.jnl": "journal segment 1\n"}})", "", R"("torn")"),
      R"({"C:\\Ledger\\journal\\0001.jnl": "journal segment 1\n"})"));
  const auto after = p.machine->files.read_file("C:\\Ledger\\journal\\0001.jnl");
  BOOST_REQUIRE(after);
  const auto& restored = p.at("expect.files.C:\\Ledger\\journal\\0001.jnl");
  BOOST_TEST(restored.held == (*after == "journal segment 1\n"));
  BOOST_TEST(restored.actual == "\"" + (*after == "torn" ? std::string("torn") : std::string("journal segment 1\\n")) + "\"");
  BOOST_TEST(restored.expected == "\"journal segment 1\\n\"");
}

// Bytes that are not text: a file given and expected in hex.
BOOST_AUTO_TEST_CASE(file_bytes_in_hex_are_compared_exactly) {
  const auto p = play(ledger_scenario(R"({"files": {"C:\\Ledger\\journal\\0001.jnl": {"hex": "00ff0d0a"}}})", "", R"({"hex": "00ff0d0a"})"));
  BOOST_TEST(p.at("expect.files.C:\\Ledger\\journal\\0001.jnl").held);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scenario_machine)

// A helper service whose stop hangs: the policy's stop step times out (manual time: no real
// wait), PreRestore fails, and the add-in gives LedgerHelperSvc back, running.
BOOST_AUTO_TEST_CASE(a_stop_that_hangs_fails_pre_restore) {
  const auto p = play(ledger_scenario(R"({"calls": [{"method": "PreRestore", "component": "LedgerDB",
      "hresult": "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED"}], "services": {"LedgerSvc": {"state": "running", "start_type": "automatic"}}})",
                                      R"(, "on_stop": "hangs")"));
  BOOST_TEST(p.at("expect.calls[0]").held, p.at("expect.calls[0]").actual);
  BOOST_TEST(p.at("expect.services.LedgerSvc.state").held);
}

// LedgerSvc failing to start again: PostRestore of the session's last component fails and the
// service is left stopped (what the expectation shows, from the SCM fake).
BOOST_AUTO_TEST_CASE(a_start_that_fails_fails_post_restore) {
  const std::string text = R"({
  "machine": {
    "services": { "LedgerSvc": { "state": "running", "start_type": "automatic", "listens": [47110], "on_start": "fails" },
                  "LedgerHelperSvc": { "state": "running", "start_type": "automatic", "depends_on": ["LedgerSvc"] } }
  },
  "run": { "backup": false },
  "components": [{ "name": "LedgerDB", "logical_path": "Contoso\\Ledger" }],
  "expect": { "calls": [{ "method": "PostRestore", "component": "LedgerDB", "hresult": "WSBAPP_E_COMPONENT_POST_RESTORE_FAILED" }],
              "services": { "LedgerSvc": { "state": "stopped" } } }
})";
  const auto p = play(text);
  BOOST_TEST(p.at("expect.calls[0]").held, p.at("expect.calls[0]").actual);
  BOOST_TEST(p.at("expect.services.LedgerSvc.state").held, p.at("expect.services.LedgerSvc.state").actual);
}

// A damaged snapshot: the manifest check fails on the snapshot copy, not the live file.
BOOST_AUTO_TEST_CASE(a_damaged_snapshot_fails_the_consistency_check) {
  const auto p = play(with_snapshot_changes(ledger_scenario(R"({"calls": [{"method": "QueryStatus", "component": "LedgerDB",
      "hresult": "S_OK", "result": "S_OK"}]})"), R"({"C:\\Ledger\\data\\accounts.ldb": "damaged"})"));
  BOOST_REQUIRE(!p.calls.empty());
  const auto& status = p.calls[1];
  BOOST_TEST(status.method == "QueryStatus");
  BOOST_TEST(status.outcome.find("WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED") != std::string::npos, status.outcome);
  BOOST_TEST(p.machine->files.read_file("C:\\Ledger\\data\\accounts.ldb").value() == "accounts");  // live untouched
  // The call succeeded, the check did not: the result expectation misses, naming both.
  const auto& result = p.at("expect.calls[0]");
  BOOST_TEST(!result.held);
  BOOST_TEST(result.expected == "QueryStatus(LedgerDB) -> S_OK, result S_OK");
  BOOST_TEST(result.actual == "call 2: QueryStatus(LedgerDB) -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED");
}

// A tool the policy runs answers as declared (exit code and output bytes); one not declared fails
// to start like a missing executable.
BOOST_AUTO_TEST_CASE(tools_answer_as_declared) {
  auto parsed = parse_scenario(R"({"machine": {"tools": [{"executable": "C:\\Tools\\ledgerctl.exe", "exit_code": 3,
      "output": {"hex": "ff00"}}, {"executable": "gone.exe", "fails_to_start": true}]}, "expect": {}})");
  BOOST_REQUIRE(parsed.scenario);
  auto machine = InMemoryMachine::build(parsed.scenario->machine);
  BOOST_REQUIRE(machine);
  ProcessRequest request;
  request.executable = "C:\\Other\\LEDGERCTL.EXE";
  const auto ran = (*machine)->processes.run(request);
  BOOST_REQUIRE(ran);
  BOOST_TEST(ran->exit_code == 3u);
  BOOST_TEST(ran->standard_output == std::string("\xff\x00", 2));
  request.executable = "gone.exe";
  BOOST_TEST(!(*machine)->processes.run(request));
}

// The machine refuses what cannot be built, with the reason: a snapshot change off its volume.
BOOST_AUTO_TEST_CASE(a_snapshot_change_off_its_volume_is_refused) {
  auto parsed = parse_scenario(R"({"machine": {"volumes": [{"mount_point": "D:\\", "volume": "\\\\?\\Volume{1}\\",
      "snapshot": "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy2\\", "snapshot_changes": {"C:\\x": "y"}}]}, "expect": {}})");
  BOOST_REQUIRE(parsed.scenario);
  auto machine = InMemoryMachine::build(parsed.scenario->machine);
  BOOST_REQUIRE(!machine);
  BOOST_TEST(machine.error().message().find("not on the volume D:\\") != std::string::npos, machine.error().message());
}

BOOST_AUTO_TEST_SUITE_END()
