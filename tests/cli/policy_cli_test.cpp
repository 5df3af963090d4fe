#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.hpp"
#include "core/addin/addin_core.hpp"
#include "core/restore/journal.hpp"
#include "core/restore/journal_key.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"
#include "mock/host_digests.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

namespace {

struct PolicyCli {
  mock::FakeRegistry registry;
  mock::FakeFileSystem files;
  mock::FakeServiceControl services;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  std::unique_ptr<Digests> digests = mock::make_host_digests();
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& l) { lines.push_back(l); }};
  CliContext context{registry,
                     []() -> Result<std::unique_ptr<ComRuntime>> { return Error::hresult(hr::e_notimpl, "activate", "COM"); },
                     [this] { return std::make_shared<AddinCore>(log); },
                     [](const std::string&) { return true; },
                     &files,
                     &services,
                     &clock,
                     &events,
                     "C:\\ProgramData\\wsbkit",
                     true,
                     nullptr,   // locks
                     nullptr,   // security
                     digests.get()};
  std::string out, err;

  int run(std::vector<std::string> args) {
    std::ostringstream o, e;
    const int rc = run_cli(args, context, o, e);
    out = o.str();
    err = e.str();
    return rc;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(policy_cli, PolicyCli)

// A valid policy: exit 0 and a one-line summary.
BOOST_AUTO_TEST_CASE(validate_accepts_a_valid_policy) {
  services.install({"Svc", "Svc", "C:\\svc.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  BOOST_REQUIRE(files.write_file("C:\\p.json", R"({"restore": {"pre": [{"service.stop": {"service": "Svc"}}],
                                                     "post": [{"service.start": {"service": "Svc"}}]}})").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::ok);
  BOOST_TEST(out.find("C:\\p.json: valid (0 component(s), 1 pre-restore and 1 post-restore step(s)") != std::string::npos, out);
}

// Every problem listed with file, line and column; exit 3.
BOOST_AUTO_TEST_CASE(validate_lists_every_problem_with_location) {
  BOOST_REQUIRE(files.write_file("C:\\p.json", "{\n  \"defaults\": { \"timeout\": 300 },\n  \"restor\": {}\n}").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("C:\\p.json:2:17: defaults.timeout: a duration needs a unit") != std::string::npos, err);
  BOOST_TEST(err.find("C:\\p.json:3:3: restor: unknown key") != std::string::npos, err);
  BOOST_TEST(err.find("2 problem(s)") != std::string::npos);
}

// A policy over 4 MiB is refused with its size before it is parsed; exit 3.
BOOST_AUTO_TEST_CASE(validate_refuses_a_policy_over_4_mib) {
  BOOST_REQUIRE(files.write_file("C:\\p.json", "{}" + std::string(4 * 1024 * 1024 - 1, ' ')).ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err == "C:\\p.json: policy is 4194305 bytes, more than the 4 MiB limit\n1 problem(s) in C:\\p.json\n", err);
}

// On the target machine a referenced executable must exist.
BOOST_AUTO_TEST_CASE(validate_checks_executables_exist_on_the_target) {
  context.check_referenced_files = true;
  BOOST_REQUIRE(files.write_file("C:\\p.json", R"({"restore": {"pre": [{"run": {"executable": "C:\\tools\\x.exe"}}]}})").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("does not exist: C:\\tools\\x.exe") != std::string::npos);
  BOOST_TEST(run({"validate", "C:\\missing.json"}) == exit_code::not_found);
}

// repair with nothing open: says so, exit 0; with an open journal: gives the service back.
BOOST_AUTO_TEST_CASE(repair_gives_back_what_an_interrupted_session_stopped) {
  BOOST_TEST(run({"repair"}) == exit_code::ok);
  BOOST_TEST(out.find("nothing to do") != std::string::npos);
  services.install({"LedgerSvc", "Ledger", "C:\\l.exe", ServiceStartType::disabled, {}}, ServiceState::stopped);
  BOOST_REQUIRE(files.create_directories("C:\\ProgramData\\wsbkit\\sessions").ok());
  const std::string key = "76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7";
  Journal journal(files, "C:\\ProgramData\\wsbkit\\sessions\\" + key + ".journal",
                  {digests.get(), load_or_create_journal_key(registry).value(), key});
  BOOST_REQUIRE(journal.append({{"t", "session"}, {"id", "s1"}, {"started_ms", 0}, {"components", nullptr}}).ok());
  BOOST_REQUIRE(journal.append({{"t", "owe"}, {"service", "LedgerSvc"}, {"state", "running"}, {"start_type", "automatic"},
                                {"disabled", true}, {"with", "LedgerSvc"}}).ok());
  BOOST_TEST(run({"repair", "--application", "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}"}) == exit_code::ok);
  BOOST_TEST(out.find("gave back LedgerSvc: start type restored, started again") != std::string::npos, out);
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::running));
  BOOST_TEST((services.service("LedgerSvc")->definition.start_type == ServiceStartType::automatic));
  BOOST_TEST(!files.exists(journal.path()).value());
}

// repair of a journal this machine's key did not sign (planted: CRC-only lines owing a stopped,
// disabled service): refused and reported, exit 1, the service and the journal left as they are.
BOOST_AUTO_TEST_CASE(repair_refuses_a_planted_journal_and_touches_nothing) {
  services.install({"Beep", "Beep", "C:\\Windows\\beep.sys", ServiceStartType::disabled, {}}, ServiceState::stopped);
  BOOST_REQUIRE(files.create_directories("C:\\ProgramData\\wsbkit\\sessions").ok());
  const std::string path = "C:\\ProgramData\\wsbkit\\sessions\\76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7.journal";
  const std::string planted =
      "1484a392\t{\"t\":\"session\",\"id\":\"x\",\"started_ms\":0,\"components\":null}\n"
      "0d06c966\t{\"disabled\":true,\"service\":\"Beep\",\"start_type\":\"automatic\",\"state\":\"running\",\"t\":\"owe\",\"with\":\"Beep\"}\n";
  BOOST_REQUIRE(files.write_file(path, planted).ok());
  BOOST_TEST(run({"repair"}) == exit_code::failure);
  BOOST_TEST(out.find("NOT completed") != std::string::npos, out);
  BOOST_TEST(out.find("not authenticated") != std::string::npos, out);
  BOOST_TEST((services.service("Beep")->state == ServiceState::stopped));
  BOOST_TEST((services.service("Beep")->definition.start_type == ServiceStartType::disabled));
  BOOST_TEST(files.read_file(path).value() == planted);
}

// Help for both commands.
BOOST_AUTO_TEST_CASE(help_for_validate_and_repair) {
  BOOST_TEST(run({"validate", "--help"}) == exit_code::ok);
  BOOST_TEST(out.find("Usage: wsbkit validate POLICY") != std::string::npos);
  BOOST_TEST(run({"repair", "--help"}) == exit_code::ok);
  BOOST_TEST(run({"validate"}) == exit_code::usage);
}

// validate without its argument says what its help says (validate POLICY), not an option name.
BOOST_AUTO_TEST_CASE(validate_without_a_policy_names_the_policy_argument_like_its_help) {
  BOOST_TEST(run({"validate"}) == exit_code::usage);
  BOOST_TEST(err.find("missing POLICY") != std::string::npos, err);
  BOOST_TEST(err.find("Usage: wsbkit validate POLICY") != std::string::npos, err);
  BOOST_TEST(err.find("--policy") == std::string::npos, err);
}

// A key given twice is refused (JSON parsers disagree on which wins), with both locations.
BOOST_AUTO_TEST_CASE(validate_refuses_a_duplicate_key_with_both_locations) {
  BOOST_REQUIRE(files.write_file("C:\\p.json", "{\n  \"roll_forward_supported\": true,\n  \"roll_forward_supported\": false\n}").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("C:\\p.json:3:3: roll_forward_supported: given twice in one object (first at line 2, column 3, again at "
                      "line 3, column 3)") != std::string::npos, err);
  BOOST_REQUIRE(files.write_file("C:\\p.json", R"({"restore": {"pre": [{"service.stop": {"service": "A", "service": "B"}}]}})").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("restore.pre[0].service.stop.service: given twice") != std::string::npos, err);
}

// A single backslash in a Windows path: the message says how to write one.
BOOST_AUTO_TEST_CASE(validate_says_how_to_write_a_backslash) {
  // "C:\Tools\x.exe" with one backslash each in the JSON text:
  BOOST_REQUIRE(files.write_file("C:\\p.json", "{\"restore\": {\"pre\": [{\"run\": {\"executable\": \"C:\\Tools\\x.exe\"}}]}}").ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("forbidden character after backslash") != std::string::npos, err);
  BOOST_TEST(err.find("write a Windows path's backslash twice, \"C:\\\\Tools\\\\app.exe\"") != std::string::npos, err);
}

const char* stop_myapp_policy = R"({"application": {"writer_id": "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}", "identifier": "MyApp"},
  "restore": {"pre": [{"service.stop": {"service": "MyAppSv"}}], "post": [{"service.start": {"service": "MyAppSvc"}}]}})";

// On the target, a service the policy names that is not installed is a problem, with the closest
// installed names; before the fix it passed validate and failed only inside a real restore.
BOOST_AUTO_TEST_CASE(validate_on_the_target_names_a_missing_service_and_the_closest_ones) {
  context.check_referenced_files = true;
  services.install({"MyAppSvc", "My App", "C:\\a.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  services.install({"MyAppSvc2", "My App 2", "C:\\a.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  services.install({"Spooler", "Spooler", "C:\\s.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  BOOST_REQUIRE(files.write_file("C:\\p.json", stop_myapp_policy).ok());
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("C:\\p.json:2:41: restore.pre[0].service.stop.service: service 'MyAppSv' is not installed on this machine; "
                      "did you mean 'MyAppSvc' or 'MyAppSvc2'?") != std::string::npos, err);
  BOOST_TEST(err.find("Spooler") == std::string::npos, err);
  BOOST_TEST(err.find("1 problem(s)") != std::string::npos, err);
  // Off the target (no service manager to ask) the policy's own rules pass.
  context.check_referenced_files = false;
  BOOST_TEST(run({"validate", "C:\\p.json"}) == exit_code::ok, err);
}

// On the target, a policy given to a registration whose writer id it does not name is an error
// with the fix (the README's example copied unchanged).
BOOST_AUTO_TEST_CASE(validate_on_the_target_compares_the_application_block_with_the_registration) {
  context.check_referenced_files = true;
  services.install({"MyAppSvc", "My App", "C:\\a.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  BOOST_REQUIRE(files.write_file("C:\\ok.json", R"({"restore": {}})").ok());
  BOOST_REQUIRE(run({"register", "--writer", "{11111111-2222-3333-4444-555555555555}", "--identifier", "MyApp", "--addin",
                     "C:\\wsbkit\\wsbkit-addin.exe", "--policy", "C:\\ok.json", "--proxy-stub", "never"}) == exit_code::ok);
  BOOST_REQUIRE(files.write_file("C:\\ok.json", R"({"application": {"writer_id": "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"},
    "restore": {"pre": [{"service.stop": {"service": "MyAppSvc"}}]}})").ok());
  BOOST_TEST(run({"validate", "C:\\ok.json"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("application.writer_id: the policy names writer {76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7} but it is given "
                      "to the application registered for writer {11111111-2222-3333-4444-555555555555}; write \"writer_id\": "
                      "\"{11111111-2222-3333-4444-555555555555}\"") != std::string::npos, err);
}

// repair takes --writer like every other command (--application kept); an application that is
// neither registered nor has a session is refused with exit 5; a registered one with nothing open
// is "nothing to do".
BOOST_AUTO_TEST_CASE(repair_takes_writer_and_refuses_an_unknown_application) {
  BOOST_TEST(run({"repair", "--writer", "Bogus"}) == exit_code::not_found);
  BOOST_TEST(err.find("no application is registered for Bogus") != std::string::npos, err);
  BOOST_TEST(run({"repair", "--application", "{22222222-2222-3333-4444-555555555555}"}) == exit_code::not_found);
  BOOST_TEST(run({"repair", "--writer", "{22222222-2222-3333-4444-555555555555}", "--application", "x"}) == exit_code::usage);
  BOOST_REQUIRE(run({"register", "--writer", "{22222222-2222-3333-4444-555555555555}", "--identifier", "Two"}) == exit_code::ok);
  BOOST_TEST(run({"repair", "--writer", "22222222-2222-3333-4444-555555555555"}) == exit_code::ok, err);
  BOOST_TEST(out.find("nothing to do") != std::string::npos, out);
  BOOST_TEST(run({"repair", "--help"}) == exit_code::ok);
  BOOST_TEST(out.find("repair [--writer GUID]") != std::string::npos, out);
}

// Writes an authentic journal owing LedgerSvc (running, automatic; now stopped and disabled).
void open_session(PolicyCli& t, const std::string& key) {
  t.services.install({"LedgerSvc", "Ledger", "C:\\l.exe", ServiceStartType::disabled, {}}, ServiceState::stopped);
  BOOST_REQUIRE(t.files.create_directories("C:\\ProgramData\\wsbkit\\sessions").ok());
  Journal journal(t.files, "C:\\ProgramData\\wsbkit\\sessions\\" + key + ".journal",
                  {t.digests.get(), load_or_create_journal_key(t.registry).value(), key});
  BOOST_REQUIRE(journal.append({{"t", "session"}, {"id", "s1"}, {"started_ms", 0}, {"components", nullptr}}).ok());
  BOOST_REQUIRE(journal.append({{"t", "owe"}, {"service", "LedgerSvc"}, {"state", "running"}, {"start_type", "automatic"},
                                {"disabled", true}, {"with", "LedgerSvc"}}).ok());
}

// A session an older add-in opened under the writer id its policy named (the README's example
// copied unchanged) is found by `repair --writer` of the writer really registered.
BOOST_AUTO_TEST_CASE(repair_writer_finds_a_session_opened_under_the_policys_writer_id) {
  BOOST_REQUIRE(files.write_file("C:\\p.json", R"({"application": {"writer_id": "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"}})").ok());
  // Registered before the check existed: written straight into the registry as the old wsbkit did.
  const std::string app = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\WindowsServerBackup\\Application Support\\"
                          "{33333333-2222-3333-4444-555555555555}";
  const std::string clsid = "{0A0B0C0D-0000-0000-0000-000000000001}";
  BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, app).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, app, "Application Identifier", reg_sz("Real")).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, app, "CLSID", reg_sz(clsid)).ok());
  const std::string server = "SOFTWARE\\Classes\\CLSID\\" + clsid + "\\LocalServer32";
  BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, server).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, server, "",
                                   reg_sz("\"C:\\wsbkit\\wsbkit-addin.exe\" --clsid " + clsid + " --policy \"C:\\p.json\"")).ok());
  open_session(*this, "76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7");
  BOOST_TEST(run({"repair", "--writer", "{33333333-2222-3333-4444-555555555555}"}) == exit_code::ok, err);
  BOOST_TEST(out.find("gave back LedgerSvc: start type restored, started again") != std::string::npos, out);
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::running));
}

// doctor reports a restore session left open and the services it holds stopped or disabled, with
// the repair command; it changes nothing (the journal stays, the service stays stopped).
BOOST_AUTO_TEST_CASE(doctor_reports_an_open_session_and_what_it_holds) {
  open_session(*this, "76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7");
  BOOST_TEST(run({"doctor"}) == exit_code::problems_found, out << err);
  BOOST_TEST(out.find("PROBLEM  no restore session left open") != std::string::npos, out);
  BOOST_TEST(out.find("holds LedgerSvc: now STOPPED, DISABLED; before the restore RUNNING, AUTO_START (wsbkit disabled it)") !=
                 std::string::npos, out);
  BOOST_TEST(out.find("fix: if no restore is running now, give the services back: wsbkit repair --writer "
                      "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos, out);
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::stopped));
  BOOST_TEST(run({"doctor", "--json"}) == exit_code::problems_found);
  const auto doc = nlohmann::json::parse(out);
  BOOST_TEST(doc["problems"] == 1);
  BOOST_TEST(doc["checks"][0]["id"] == "no-restore-session-left-open");
  BOOST_TEST(doc["checks"][0]["status"] == "problem");
  BOOST_TEST(run({"repair"}) == exit_code::ok);
  BOOST_TEST(run({"doctor"}) == exit_code::ok, out);
}

BOOST_AUTO_TEST_SUITE_END()
