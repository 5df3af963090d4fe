#include <boost/test/unit_test.hpp>

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
  BOOST_TEST(out.find("LedgerSvc restarted") != std::string::npos, out);
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

BOOST_AUTO_TEST_SUITE_END()
