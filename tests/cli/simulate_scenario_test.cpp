// `simulate --in-process --policy --scenario` through run_cli, on both hosts: the policy and the
// scenario are read through the CLI's file system (a fake here), the run's verdict is the exit code.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cli/cli.hpp"
#include "mock/host_clock.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_registry.hpp"

using namespace wsbkit;

namespace {

// The developer's machine: only the policy and the scenario, read through the CLI's file system.
struct Developer {
  mock::FakeRegistry registry;
  mock::FakeFileSystem files;
  std::unique_ptr<Clock> clock = mock::make_host_clock();  // paces WSB's polling
  CliContext context{registry,
                     []() -> Result<std::unique_ptr<ComRuntime>> {
                       return Error::hresult(hr::e_notimpl, "activate", "COM", "not in this test");
                     },
                     []() -> std::shared_ptr<WsbApplication> { return nullptr; },
                     [](const std::string&) { return false; }};
  std::string out, err;

  Developer() {
    context.files = &files;
    context.clock = clock.get();
    BOOST_REQUIRE(files.create_directories("C:\\ci").ok());
    BOOST_REQUIRE(files.write_file("C:\\ci\\policy.json", R"({"components": {"db": {"name": "DB"}},
      "restore": {"pre": [{"service.stop": {"service": "Svc"}}], "post": [{"service.start": {"service": "Svc"}}]}})").ok());
  }
  int simulate(const std::string& scenario, std::vector<std::string> extra = {}) {
    BOOST_REQUIRE(files.write_file("C:\\ci\\scenario.json", scenario).ok());
    std::vector<std::string> args{"simulate", "--in-process", "--policy", "C:\\ci\\policy.json", "--scenario", "C:\\ci\\scenario.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream o, e;
    const int rc = run_cli(args, context, o, e);
    out = o.str();
    err = e.str();
    return rc;
  }
};

const char* machine = R"("machine": {"services": {"Svc": {"state": "running", "start_type": "automatic"}}})";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_scenario_unit, Developer)

// The policy's component DB restored: Svc stopped for it and running after; every expectation
// holds, exit 0.
BOOST_AUTO_TEST_CASE(every_expectation_holding_exits_0) {
  const int rc = simulate(std::string("{") + machine + R"(, "expect": {
      "calls": [{"method": "PreRestore", "component": "DB", "hresult": "S_OK"}],
      "services": {"Svc": {"state": "running", "start_type": "automatic"}}}})");
  BOOST_TEST(rc == 0, out << err);
  BOOST_TEST(out.find("3 held, 0 missed") != std::string::npos, out);
}

// An expectation that misses: exit 9, the miss named with expected and actual.
BOOST_AUTO_TEST_CASE(a_missed_expectation_exits_8_naming_it) {
  const int rc = simulate(std::string("{") + machine + R"(, "expect": {"services": {"Svc": {"state": "stopped"}}}})");
  BOOST_TEST(rc == exit_code::expectations_missed, out << err);
  BOOST_TEST(out.find("MISSED  expect.services.Svc.state: expected STOPPED; actual RUNNING") != std::string::npos, out);
}

// A malformed scenario: exit 3, FILE:LINE:COLUMN, and no call made.
BOOST_AUTO_TEST_CASE(a_malformed_scenario_runs_nothing) {
  const int rc = simulate("{\"machine\": {},\n \"expect\": {\"calls\": [{\"method\": \"Prerestore\"}]}}");
  BOOST_TEST(rc == exit_code::invalid_input);
  BOOST_TEST(err.find("C:\\ci\\scenario.json:2:24: expect.calls[0].method: 'Prerestore' is not a WSB call") != std::string::npos, err);
  BOOST_TEST(out.find("Simulating") == std::string::npos, out);
}

// --scenario without --policy, or against a registered application (out of process: the real
// machine), is a usage error. (--policy alone with an application is the source of its metadata.)
BOOST_AUTO_TEST_CASE(scenario_needs_in_process_and_policy) {
  std::ostringstream o, e;
  BOOST_TEST(run_cli({"simulate", "--in-process", "--scenario", "C:\\ci\\scenario.json"}, context, o, e) == exit_code::usage);
  BOOST_TEST(run_cli({"simulate", "Ledger", "--policy", "C:\\ci\\policy.json", "--scenario", "C:\\ci\\scenario.json"},
                     context, o, e) == exit_code::usage);
  BOOST_TEST(e.str().find("--scenario needs --in-process and --policy") != std::string::npos, e.str());
}

BOOST_AUTO_TEST_SUITE_END()
