#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cli/cli.hpp"
#include "core/addin_core.hpp"
#include "core/restore/journal.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"

using namespace wsbkit;

namespace {

struct PolicyCli {
  mock::FakeRegistry registry;
  mock::FakeFileSystem files;
  mock::FakeServiceControl services;
  mock::FakeClock clock;
  mock::FakeEventLog events;
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
                     true};
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
  Journal journal(files, "C:\\ProgramData\\wsbkit\\sessions\\76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7.journal");
  BOOST_REQUIRE(journal.append({{"t", "session"}, {"id", "s1"}, {"started_ms", 0}, {"components", nullptr}}).ok());
  BOOST_REQUIRE(journal.append({{"t", "owe"}, {"service", "LedgerSvc"}, {"state", "running"}, {"start_type", "automatic"},
                                {"disabled", true}, {"with", "LedgerSvc"}}).ok());
  BOOST_TEST(run({"repair", "--application", "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}"}) == exit_code::ok);
  BOOST_TEST(out.find("LedgerSvc restarted") != std::string::npos, out);
  BOOST_TEST((services.service("LedgerSvc")->state == ServiceState::running));
  BOOST_TEST((services.service("LedgerSvc")->definition.start_type == ServiceStartType::automatic));
  BOOST_TEST(!files.exists(journal.path()).value());
}

// Help for both commands.
BOOST_AUTO_TEST_CASE(help_for_validate_and_repair) {
  BOOST_TEST(run({"validate", "--help"}) == exit_code::ok);
  BOOST_TEST(out.find("Usage: wsbkit validate POLICY") != std::string::npos);
  BOOST_TEST(run({"repair", "--help"}) == exit_code::ok);
  BOOST_TEST(run({"validate"}) == exit_code::usage);
}

BOOST_AUTO_TEST_SUITE_END()
