// ServiceOrchestrator on the fakes: the dependency graph walked from single SCM requests, stops
// dependents first and starts dependencies first whether or not the SCM follows dependencies itself
// (the fake as Windows' SCM, and as Wine 8's), waiting in fake time.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "core/restore/service_orchestrator.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_service_control.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;
using mock::ServiceOperation;

namespace {

using Strings = std::vector<std::string>;

// Base <- Mid <- Top (all running), Base <- Idle (stopped), Lone (running, no edges).
struct Machine {
  mock::FakeServiceControl scm;
  mock::FakeClock clock;
  ServiceOrchestrator orchestrator{scm, clock, 100ms};

  explicit Machine(bool scm_follows_dependencies = true, ServiceState state = ServiceState::running) {
    scm.set_enforces_dependencies(scm_follows_dependencies);
    scm.install({"Base", "Base", "base.exe", ServiceStartType::automatic, {}}, state);
    scm.install({"Mid", "Mid", "mid.exe", ServiceStartType::manual, {"Base"}}, state);
    scm.install({"Top", "Top", "top.exe", ServiceStartType::manual, {"mid"}}, state);
    scm.install({"Idle", "Idle", "idle.exe", ServiceStartType::manual, {"Base"}}, ServiceState::stopped);
    scm.install({"Lone", "Lone", "lone.exe", ServiceStartType::disabled, {}}, state);
    for (const char* name : {"Base", "Mid", "Top", "Idle", "Lone"}) scm.set_transition_queries(name, 2);
  }

  // The services asked for `operation`, in the order asked.
  Strings asked(ServiceOperation operation) const {
    Strings names;
    for (const auto& call : scm.calls()) {
      if (call.operation == operation) names.push_back(call.name);
    }
    return names;
  }

  std::size_t count(ServiceOperation operation, const std::string& name = {}) const {
    const auto calls = scm.calls();
    return std::count_if(calls.begin(), calls.end(), [&](const mock::ServiceCall& c) {
      return c.operation == operation && (name.empty() || c.name == name);
    });
  }

  std::string state(const std::string& name) const { return to_string(scm.service(name)->state); }
};

Strings names_of(const std::vector<ServiceSnapshot>& snapshots) {
  Strings names;
  for (const auto& s : snapshots) names.push_back(s.name);
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(service_orchestrator)

// dependents_of follows dependents through any state, deepest first; dependencies_of follows
// dependencies, deepest first; a name configured in another case is the same service.
BOOST_AUTO_TEST_CASE(graph_is_walked_both_ways_deepest_first) {
  Machine m;
  BOOST_TEST(m.orchestrator.dependents_of("Base").value() == (Strings{"Idle", "Top", "Mid"}));
  BOOST_TEST(m.orchestrator.dependents_of("mid").value() == (Strings{"Top"}));
  BOOST_TEST(m.orchestrator.dependents_of("Lone").value().empty());
  BOOST_TEST(m.orchestrator.dependencies_of("Top").value() == (Strings{"Base", "mid"}));
  BOOST_TEST(m.orchestrator.dependencies_of("Base").value().empty());
}

// The closure of a stop: the active dependents (deepest first), then the target, each once, with
// the state and start type they have now and the target they are stopped for.
BOOST_AUTO_TEST_CASE(closure_to_stop_is_active_dependents_then_target_each_once) {
  Machine m;
  const auto closure = m.orchestrator.closure_to_stop({"Mid", "Base"}).value();
  BOOST_TEST(names_of(closure) == (Strings{"Top", "Mid", "Base"}));  // Idle is stopped: left out
  BOOST_TEST(closure[0].pulled_by == "Mid");
  BOOST_TEST(closure[2].pulled_by == "Base");
  BOOST_TEST(to_string(closure[2].start_type) == "AUTO_START");
  BOOST_TEST(to_string(closure[0].state) == "RUNNING");
}

// The graph costs one enumeration and one dependencies request per service, however much it is walked.
BOOST_AUTO_TEST_CASE(graph_edges_are_asked_for_once_per_orchestrator) {
  Machine m;
  BOOST_REQUIRE(m.orchestrator.closure_to_stop({"Base"}).ok());
  BOOST_REQUIRE(m.orchestrator.closure_to_stop({"Mid"}).ok());
  BOOST_REQUIRE(m.orchestrator.stop_all({"Top", "Mid", "Base"}, 10s).ok());
  BOOST_REQUIRE(m.orchestrator.start_all({"Top", "Mid", "Base"}, 10s).ok());
  BOOST_TEST(m.count(ServiceOperation::list_services) == 1u);
  for (const char* name : {"Base", "Mid", "Top", "Idle", "Lone"}) BOOST_TEST(m.count(ServiceOperation::dependencies, name) == 1u, name);
}

// Dependents are stopped first, each once the services depending on it are STOPPED, whether the
// SCM refuses to stop a service with running dependents (Windows) or not (Wine 8).
BOOST_AUTO_TEST_CASE(stop_all_stops_dependents_first_on_either_scm) {
  for (const bool windows : {true, false}) {
    Machine m(windows);
    BOOST_REQUIRE(m.orchestrator.stop_all({"Base", "Mid", "Top"}, 10s).ok());
    BOOST_TEST(m.asked(ServiceOperation::stop) == (Strings{"Top", "Mid", "Base"}), "windows=" << windows);
    for (const char* name : {"Base", "Mid", "Top"}) BOOST_TEST(m.state(name) == "STOPPED", name);
    BOOST_TEST(m.state("Lone") == "RUNNING");
  }
}

// Stopped dependencies are started first, also those not asked for, whether the SCM would start
// them itself (Windows) or not (Wine 8); each service is asked once its dependencies RUN.
BOOST_AUTO_TEST_CASE(start_all_starts_stopped_dependencies_first_on_either_scm) {
  for (const bool windows : {true, false}) {
    Machine m(windows, ServiceState::stopped);
    BOOST_REQUIRE(m.orchestrator.start_all({"Top"}, 10s).ok());
    BOOST_TEST(m.asked(ServiceOperation::start) == (Strings{"Base", "mid", "Top"}), "windows=" << windows);
    for (const char* name : {"Base", "Mid", "Top"}) BOOST_TEST(m.state(name) == "RUNNING", name);
    BOOST_TEST(m.state("Idle") == "STOPPED");
  }
}

// A dependency that already runs is not asked again.
BOOST_AUTO_TEST_CASE(start_all_leaves_running_dependencies_alone) {
  Machine m(false);
  BOOST_REQUIRE(m.orchestrator.stop_all({"Top"}, 10s).ok());
  BOOST_REQUIRE(m.orchestrator.start_all({"Top"}, 10s).ok());
  BOOST_TEST(m.asked(ServiceOperation::start) == (Strings{"Top"}));
}

// A service that stops in its own start-up (StartService accepted, then STOPPED with an exit code)
// fails the start at once, not at the timeout: the error carries the service's exit code, and its
// own error code when it gave one (1066), naming the service; what starts after it is not asked.
BOOST_AUTO_TEST_CASE(a_service_that_stops_while_starting_fails_the_start_with_its_exit_codes) {
  Machine m(true, ServiceState::stopped);
  m.scm.set_exits_while_starting("Mid", win32_error::service_specific_error, 42);
  const auto before = m.clock.steady_now();
  const auto started = m.orchestrator.start_all({"Top"}, 10s);
  BOOST_REQUIRE(!started.ok());
  BOOST_TEST(started.error().win32_code() == win32_error::service_specific_error);
  BOOST_TEST(started.error().message().find("StartService(mid)") != std::string::npos, started.error().message());
  BOOST_TEST(started.error().message().find("the service stopped while starting with its own error code 42") !=
                 std::string::npos,
             started.error().message());
  BOOST_TEST(m.asked(ServiceOperation::start) == (Strings{"Base", "mid"}));
  BOOST_TEST((m.clock.steady_now() - before < 10s), "failed before the timeout");

  // Any other exit code is given as it is, without a service-specific part.
  Machine other(true, ServiceState::stopped);
  other.scm.install({"Lone", "Lone", "lone.exe", ServiceStartType::manual, {}}, ServiceState::stopped);
  other.scm.set_exits_while_starting("Lone", win32_error::access_denied);
  const auto lone = other.orchestrator.start_all({"Lone"}, 10s);
  BOOST_REQUIRE(!lone.ok());
  BOOST_TEST(lone.error().win32_code() == win32_error::access_denied);
  BOOST_TEST(lone.error().message().find("own error code") == std::string::npos, lone.error().message());
}

// A stop that never completes fails at the timeout, naming the service, after waiting in the
// Clock's time only (polls of the configured interval; no real time passes).
BOOST_AUTO_TEST_CASE(stop_all_times_out_in_clock_time_naming_what_did_not_stop) {
  Machine m;
  m.scm.set_hangs_on_stop("Lone", true);
  const auto started = m.clock.steady_now();
  const auto r = m.orchestrator.stop_all({"Lone"}, 5s);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().win32_code() == win32_error::service_request_timeout);
  BOOST_TEST(r.error().object() == "Lone");
  BOOST_TEST((m.clock.steady_now() - started >= 5s));
  const auto sleeps = m.clock.sleeps();
  BOOST_TEST(std::all_of(sleeps.begin(), sleeps.end(), [](auto d) { return d == 100ms; }));
}

// A service that disappears between the enumeration and its dependencies request, or whose
// configuration may not be read, is left out of the graph; any other failure to read it is the
// orchestrator's failure, naming the service.
BOOST_AUTO_TEST_CASE(graph_skips_services_gone_or_unreadable_and_reports_other_failures) {
  for (const std::uint32_t code : {win32_error::service_does_not_exist, win32_error::access_denied}) {
    Machine m;
    m.scm.fail_when([](const mock::ServiceCall& c) { return c.operation == ServiceOperation::dependencies && c.name == "Idle"; },
                    code);
    BOOST_TEST(m.orchestrator.dependents_of("Base").value() == (Strings{"Top", "Mid"}), code);
  }
  Machine broken;
  broken.scm.fail_when([](const mock::ServiceCall& c) { return c.operation == ServiceOperation::dependencies && c.name == "Idle"; },
                       win32_error::service_request_timeout);
  const auto r = broken.orchestrator.dependents_of("Base");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().win32_code() == win32_error::service_request_timeout);
  BOOST_TEST(r.error().object() == "Idle");
}

// A dependency cycle (which Windows refuses to configure) ends the walk instead of looping.
BOOST_AUTO_TEST_CASE(dependency_cycles_end_the_walk) {
  mock::FakeServiceControl scm;
  mock::FakeClock clock;
  scm.install({"A", "A", "a.exe", ServiceStartType::manual, {"B"}});
  scm.install({"B", "B", "b.exe", ServiceStartType::manual, {"A"}});
  ServiceOrchestrator orchestrator(scm, clock);
  BOOST_TEST(orchestrator.dependencies_of("A").value() == (Strings{"B"}));
  BOOST_TEST(orchestrator.dependents_of("A").value() == (Strings{"B"}));
}

BOOST_AUTO_TEST_SUITE_END()
