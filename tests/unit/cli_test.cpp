#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cli/cli.hpp"
#include "core/addin_core.hpp"
#include "mock/fake_registry.hpp"

using namespace wsbkit;

namespace {

struct Cli {
  mock::FakeRegistry registry;
  std::vector<std::string> log_lines;
  CallLog log{[this](const std::string& l) { log_lines.push_back(l); }};
  CliContext context{registry,
                     []() -> Result<std::unique_ptr<ComRuntime>> {
                       return Error::hresult(hr::e_notimpl, "activate", "COM", "not in this test");
                     },
                     [this] { return std::make_shared<AddinCore>(log); },
                     [](const std::string& path) { return path.rfind("C:\\Tools\\", 0) == 0; }};
  std::string out, err;

  int run(std::vector<std::string> args) {
    std::ostringstream o, e;
    const int rc = run_cli(args, context, o, e);
    out = o.str();
    err = e.str();
    return rc;
  }
};

const std::vector<std::string> register_ledger = {"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7",
                                                  "--identifier", "Ledger", "--addin", "C:\\Tools\\wsbkit-addin.exe"};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli, Cli)

// Every command answers --help with its usage and exits 0; no command is a usage error (2).
BOOST_AUTO_TEST_CASE(every_command_has_help) {
  for (const char* command : {"register", "unregister", "status", "simulate"}) {
    BOOST_TEST(run({command, "--help"}) == exit_code::ok);
    BOOST_TEST(out.find(std::string("Usage: wsbkit ") + command) != std::string::npos, command);
  }
  BOOST_TEST(run({"--help"}) == exit_code::ok);
  BOOST_TEST(out.find("simulate") != std::string::npos);
  BOOST_TEST(run({}) == exit_code::usage);
  BOOST_TEST(run({"frobnicate"}) == exit_code::usage);
  BOOST_TEST(err.find("unknown command 'frobnicate'") != std::string::npos);
}

// Bad input: a clear message naming the field, a distinct exit code, and nothing written.
BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_a_named_field_and_nothing_written) {
  const auto before = registry.snapshot();
  BOOST_TEST(run({"register", "--identifier", "Ledger"}) == exit_code::usage);
  BOOST_TEST(err.find("--writer") != std::string::npos);
  BOOST_TEST(run({"register", "--writer", "not-a-guid", "--identifier", "Ledger"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("invalid writer") != std::string::npos);
  BOOST_TEST(run({"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", ""}) ==
             exit_code::invalid_input);
  BOOST_TEST(err.find("invalid identifier") != std::string::npos);
  BOOST_TEST(run({"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "L", "--addin",
                  "C:\\Elsewhere\\wsbkit-addin.exe"}) == exit_code::invalid_input);
  BOOST_TEST(err.find("file not found") != std::string::npos);
  BOOST_TEST(run({"register", "--writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "--identifier", "L", "--addin",
                  "C:\\Tools\\wsbkit-addin.exe", "--proxy-stub", "sometimes"}) == exit_code::invalid_input);
  BOOST_TEST((registry.snapshot() == before));
}

// register -> status -> unregister through the command line, with the exit codes and messages.
BOOST_AUTO_TEST_CASE(register_status_unregister_round_trip) {
  BOOST_TEST(run(register_ledger) == exit_code::ok);
  BOOST_TEST(out.find("Registered 'Ledger'") != std::string::npos);
  BOOST_TEST(run(register_ledger) == exit_code::ok);
  BOOST_TEST(out.find("nothing changed") != std::string::npos);
  BOOST_TEST(run({"status"}) == exit_code::ok);
  BOOST_TEST(out.find("Ledger") != std::string::npos);
  BOOST_TEST(out.find("{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos);
  BOOST_TEST(out.find("Proxy/stub for the WSB interfaces: registered") != std::string::npos);
  BOOST_TEST(run({"unregister", "--writer", "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"}) == exit_code::ok);
  BOOST_TEST(run({"unregister", "--writer", "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}"}) == exit_code::not_found);
  BOOST_TEST(run({"status"}) == exit_code::ok);
  BOOST_TEST(out.find("No application is registered") != std::string::npos);
}

// Not elevated: exit code 4 and a hint to run as Administrator.
BOOST_AUTO_TEST_CASE(not_elevated_gives_access_denied_hint) {
  registry.set_elevated(false);
  BOOST_TEST(run(register_ledger) == exit_code::access_denied);
  BOOST_TEST(err.find("Run as administrator") != std::string::npos);
}

// simulate --in-process drives the core through every WSB call and prints each with its HRESULT.
BOOST_AUTO_TEST_CASE(simulate_in_process_prints_every_call) {
  BOOST_TEST(run({"simulate", "--in-process", "-c", "Ledger=App\\Ledger", "--volume", "V1=S1"}) == exit_code::ok);
  BOOST_TEST(out.find("CheckConsistency(component=\"Ledger\", volumes=1) -> S_FALSE") != std::string::npos, out);
  BOOST_TEST(out.find("OrderComponents(1 components) -> S_FALSE") != std::string::npos);
  BOOST_TEST(out.find("IsRollForwardSupported() -> S_OK, FALSE") != std::string::npos);
  BOOST_TEST(out.find("PreRestore(component=\"Ledger\"") != std::string::npos);
  BOOST_TEST(out.find("PostRestore(component=\"Ledger\"") != std::string::npos);
  BOOST_TEST(out.find("5 call(s), 0 rejected") != std::string::npos);
  BOOST_TEST(log_lines.size() == 5u);
}

// simulate of an unknown application names what is registered; APPLICATION and --in-process exclude each other.
BOOST_AUTO_TEST_CASE(simulate_reports_unknown_application) {
  BOOST_TEST(run({"simulate", "Nope"}) == exit_code::not_found);
  BOOST_TEST(err.find("no such application") != std::string::npos);
  BOOST_TEST(run({"simulate", "Nope", "--in-process"}) == exit_code::usage);
  BOOST_TEST(run({"simulate", "--in-process", "--volume", "novalue"}) == exit_code::invalid_input);
}

BOOST_AUTO_TEST_SUITE_END()
