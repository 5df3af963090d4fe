// Service control contract: natively against mock::FakeServiceControl, under Wine against the Win32
// SCM with a real test service (tests/contract/win32/test_service.cpp). Each case creates services
// with unique names and deletes them afterwards.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "platform/service_control.hpp"
#include "platform/text.hpp"
#include "tests/contract/backends.hpp"
#include "tests/contract/contract_support.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

struct ScratchServices {
  ServiceControlBackend backend = make_service_control_backend(
      boost::unit_test::framework::master_test_suite().argc, boost::unit_test::framework::master_test_suite().argv);
  ServiceControl& scm = *backend.service_control;
  const std::string prefix = "wsbkit-contract-" + unique_suffix() + "-";
  std::vector<std::string> created;

  ScratchServices() { BOOST_TEST_MESSAGE("service backend: " << backend.name << ", " << backend.test_service_command_line); }

  // Stops (dependents first) and deletes everything the case created.
  ~ScratchServices() {
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      if (scm.query_status(*it).ok() && scm.query_status(*it)->state != ServiceState::stopped) {
        (void)scm.stop(*it);
        (void)wait_for(*it, ServiceState::stopped);
      }
    }
    for (const std::string& name : created) (void)scm.delete_service(name);
  }

  std::string create(const std::string& short_name, std::vector<std::string> dependencies = {},
                     ServiceStartType start_type = ServiceStartType::manual) {
    const std::string name = prefix + short_name;
    for (std::string& d : dependencies) d = prefix + d;
    BOOST_REQUIRE(scm.create_service({name, "wsbkit contract " + short_name, backend.test_service_command_line,
                                      start_type, dependencies}).ok());
    created.push_back(name);
    return name;
  }

  // Polls until the state is reached (10 s at most); the state last seen.
  ServiceState wait_for(const std::string& name, ServiceState wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    ServiceState seen = ServiceState::stopped;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto status = scm.query_status(name);
      if (!status) return seen;
      seen = status->state;
      if (seen == wanted) return seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return seen;
  }
};

using Strings = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(service_control_contract, ScratchServices)

// A service that fails in its own start-up: StartService is accepted, then the service is STOPPED
// with ERROR_SERVICE_SPECIFIC_ERROR (1066) and its own code in the status; a later start that
// fails again reports the same.
BOOST_AUTO_TEST_CASE(a_service_that_fails_its_start_up_reports_its_own_error_code) {
  const std::string name = prefix + "failing";
  const auto made = backend.create_failing_service(
      {name, "wsbkit contract failing", backend.test_service_command_line, ServiceStartType::manual, {}}, 42);
  BOOST_REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message()));
  created.push_back(name);
  for (int attempt = 0; attempt < 2; ++attempt) {
    BOOST_TEST_CONTEXT("start " << attempt + 1) {
      BOOST_REQUIRE(scm.start(name).ok());
      BOOST_TEST(to_string(wait_for(name, ServiceState::stopped)) == "STOPPED");
      const auto status = scm.query_status(name).value();
      BOOST_TEST(status.win32_exit_code == win32_error::service_specific_error);
      BOOST_TEST(status.service_specific_exit_code == 42u);
    }
  }
}

// A created service exists, is STOPPED, has the start type it was created with; creating it again
// is ERROR_SERVICE_EXISTS.
BOOST_AUTO_TEST_CASE(created_service_exists_stopped_with_its_start_type) {
  const std::string name = create("plain");
  BOOST_TEST(scm.exists(name).value());
  const auto status = scm.query_status(name).value();
  BOOST_TEST(to_string(status.state) == "STOPPED");
  BOOST_TEST(status.process_id == 0u);
  BOOST_TEST(to_string(scm.query_start_type(name).value()) == "DEMAND_START");
  BOOST_TEST(code_of(scm.create_service({name, name, backend.test_service_command_line, ServiceStartType::manual, {}})) ==
             win32_error::service_exists);
}

// Every operation on a service that is not installed is ERROR_SERVICE_DOES_NOT_EXIST; exists is false.
BOOST_AUTO_TEST_CASE(missing_service_is_service_does_not_exist) {
  const std::string name = prefix + "never-created";
  BOOST_TEST(scm.exists(name).value() == false);
  BOOST_TEST(code_of(scm.query_status(name)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.query_start_type(name)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.set_start_type(name, ServiceStartType::manual)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.dependencies(name)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.start(name)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.stop(name)) == win32_error::service_does_not_exist);
  BOOST_TEST(code_of(scm.delete_service(name)) == win32_error::service_does_not_exist);
}

// Start runs the service (RUNNING, a process, accepting STOP); a second start is
// ERROR_SERVICE_ALREADY_RUNNING; stop brings it to STOPPED; a second stop is ERROR_SERVICE_NOT_ACTIVE.
BOOST_AUTO_TEST_CASE(start_and_stop_run_through_the_states) {
  const std::string name = create("runner");
  BOOST_REQUIRE(scm.start(name).ok());
  BOOST_REQUIRE(wait_for(name, ServiceState::running) == ServiceState::running);
  const auto running = scm.query_status(name).value();
  BOOST_TEST(running.process_id != 0u);
  BOOST_TEST(running.accepts_stop);
  BOOST_TEST(code_of(scm.start(name)) == win32_error::service_already_running);
  BOOST_REQUIRE(scm.stop(name).ok());
  BOOST_TEST(to_string(wait_for(name, ServiceState::stopped)) == "STOPPED");
  BOOST_TEST(code_of(scm.stop(name)) == win32_error::service_not_active);
}

// The start type can be changed and read back; a disabled service refuses to start with
// ERROR_SERVICE_DISABLED and starts again once the start type is restored.
BOOST_AUTO_TEST_CASE(disabled_service_refuses_to_start_until_restored) {
  const std::string name = create("toggled");
  BOOST_REQUIRE(scm.set_start_type(name, ServiceStartType::disabled).ok());
  BOOST_TEST(to_string(scm.query_start_type(name).value()) == "DISABLED");
  BOOST_TEST(code_of(scm.start(name)) == win32_error::service_disabled);
  BOOST_REQUIRE(scm.set_start_type(name, ServiceStartType::manual).ok());
  BOOST_TEST(to_string(scm.query_start_type(name).value()) == "DEMAND_START");
  BOOST_TEST(scm.start(name).ok());
  BOOST_TEST(to_string(wait_for(name, ServiceState::running)) == "RUNNING");
}

// dependencies lists what a service depends on directly, as configured (not what those depend on).
BOOST_AUTO_TEST_CASE(dependencies_are_the_configured_direct_ones) {
  const std::string base = create("base");
  const std::string other = create("other");
  const std::string middle = create("middle", {"base", "other"});
  const std::string top = create("top", {"middle"});
  BOOST_TEST(scm.dependencies(top).value() == (Strings{middle}));
  BOOST_TEST(scm.dependencies(middle).value() == (Strings{base, other}));
  BOOST_TEST(scm.dependencies(base).value().empty());
}

// list_services names every installed service, whatever its state, and no deleted one.
BOOST_AUTO_TEST_CASE(list_services_names_every_installed_service) {
  const std::string stopped = create("listed-stopped");
  const std::string running = create("listed-running");
  BOOST_REQUIRE(scm.start(running).ok());
  BOOST_REQUIRE(wait_for(running, ServiceState::running) == ServiceState::running);
  const std::string gone = create("listed-gone");
  BOOST_REQUIRE(scm.delete_service(gone).ok());
  created.pop_back();
  const auto listed = [&](const std::string& name) {
    const auto all = scm.list_services().value();
    return std::count_if(all.begin(), all.end(), [&](const std::string& n) { return iequals(n, name); });
  };
  BOOST_TEST(listed(stopped) == 1);
  BOOST_TEST(listed(running) == 1);
  BOOST_TEST(listed(gone) == 0);
}

// Started dependencies first, a service starts; stopped dependents first, its dependency stops.
// (Whether the SCM would start the dependency itself, or refuse to stop it while the dependent
// runs, differs between Windows and Wine 8: not part of the contract.)
BOOST_AUTO_TEST_CASE(dependencies_first_start_and_dependents_first_stop_succeed) {
  const std::string base = create("base");
  const std::string top = create("top", {"base"});
  BOOST_REQUIRE(scm.start(base).ok());
  BOOST_REQUIRE(wait_for(base, ServiceState::running) == ServiceState::running);
  BOOST_REQUIRE(scm.start(top).ok());
  BOOST_TEST(to_string(wait_for(top, ServiceState::running)) == "RUNNING");
  BOOST_REQUIRE(scm.stop(top).ok());
  BOOST_REQUIRE(wait_for(top, ServiceState::stopped) == ServiceState::stopped);
  BOOST_TEST(scm.stop(base).ok());
  BOOST_TEST(to_string(wait_for(base, ServiceState::stopped)) == "STOPPED");
}

// Deleting a stopped service removes it.
BOOST_AUTO_TEST_CASE(deleting_a_stopped_service_removes_it) {
  const std::string name = create("doomed");
  BOOST_REQUIRE(scm.delete_service(name).ok());
  created.clear();
  BOOST_TEST(scm.exists(name).value() == false);
  BOOST_TEST(code_of(scm.query_status(name)) == win32_error::service_does_not_exist);
}

// Service names compare case-insensitively.
BOOST_AUTO_TEST_CASE(service_names_are_case_insensitive) {
  const std::string name = create("MixedCase");
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  BOOST_TEST(scm.exists(upper).value());
  BOOST_TEST(to_string(scm.query_status(upper).value().state) == "STOPPED");
}

// Errors name the API and the service and carry a system message.
BOOST_AUTO_TEST_CASE(errors_name_the_service) {
  const auto status = scm.query_status(prefix + "absent");
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().object() == prefix + "absent");
  BOOST_TEST(status.error().api() == "OpenServiceW");
  BOOST_TEST(!status.error().system_message().empty());
}

BOOST_AUTO_TEST_SUITE_END()
