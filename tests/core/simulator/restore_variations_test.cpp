// The simulator's variations of WSB's restore sequence (what WSB's documentation leaves open),
// driven against the add-in core with the real restore engine over the fakes: after every call the
// simulator makes, the Ledger service must be stopped while any component is between its
// PreRestore and its PostRestore, and given back once the session ends (or expires).
#include <boost/test/unit_test.hpp>

#include "core/addin/addin_core.hpp"
#include "core/simulator/simulator.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;
using namespace std::chrono_literals;

namespace {

// One simulated restore against the add-in core; `seen` holds, after each call from the first
// PreRestore on, the call and whether LedgerSvc was running then.
struct Run {
  Machine m;
  CallLog log{[](const std::string&) {}};
  PolicyRestoreEngine engine;
  AddinCore core;
  std::vector<std::pair<std::string, bool>> seen;

  explicit Run(const char* policy) : engine(load(policy), m.env(), "ledger"), core(log, nullptr, &engine) {}

  void simulate(SimulationOptions options) {
    options.backup = false;
    Simulator simulator(core, m.clock, [this](const SimulatedCall& call) {
      if (seen.empty() && call.method != "PreRestore") return;  // from the first PreRestore on
      seen.emplace_back(call.method + "(" + call.arguments + ")", m.state("LedgerSvc") == ServiceState::running);
    });
    simulator.run(options);
  }
  // The calls after which LedgerSvc was running.
  std::vector<std::string> running_after() const {
    std::vector<std::string> out;
    for (const auto& [call, running] : seen) {
      if (running) out.push_back(call);
    }
    return out;
  }
  std::string last_call() const { return seen.empty() ? std::string() : seen.back().first; }
  bool journal_exists() { return m.files.exists(engine.journal_path()).value(); }
};

SimulationOptions logs_then_db() {
  SimulationOptions o;
  o.components = {{"Logs", std::nullopt}, {"DB", std::nullopt}};
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_restore_variations)

// WSB restores in its input order (Logs, DB) although the add-in returned DB first, every
// PreRestore first: LedgerSvc runs again only after the very last call, DB's PostRestore.
BOOST_AUTO_TEST_CASE(input_order_with_every_pre_restore_first_gives_back_only_after_the_last_post_restore) {
  Run run(ledger_policy);
  auto options = logs_then_db();
  options.restore_order = RestoreOrder::input;
  options.pre_all_first = true;
  run.simulate(options);
  BOOST_TEST(run.last_call().find("PostRestore(component=\"DB\"") == 0u, run.last_call());
  BOOST_TEST((run.running_after() == std::vector<std::string>{run.last_call()}), boost::test_tools::per_element());
  BOOST_TEST(run.m.all_back());
  BOOST_TEST(!run.journal_exists());
}

// The same order one component at a time: no restart between Logs and DB.
BOOST_AUTO_TEST_CASE(input_order_one_component_at_a_time_keeps_the_services_stopped_between_components) {
  Run run(ledger_policy);
  auto options = logs_then_db();
  options.restore_order = RestoreOrder::input;
  run.simulate(options);
  BOOST_TEST((run.running_after() == std::vector<std::string>{run.last_call()}), boost::test_tools::per_element());
  BOOST_TEST(run.m.all_back());
}

// The returned order (the default) still works, both ways of pairing the calls.
BOOST_AUTO_TEST_CASE(returned_order_gives_back_after_the_last_post_restore) {
  for (const bool pre_all_first : {false, true}) {
    Run run(ledger_policy);
    auto options = logs_then_db();
    options.pre_all_first = pre_all_first;
    run.simulate(options);
    BOOST_TEST(run.last_call().find("PostRestore(component=\"Logs\"") == 0u, run.last_call());
    BOOST_TEST((run.running_after() == std::vector<std::string>{run.last_call()}), "pre_all_first " << pre_all_first);
    BOOST_TEST(run.m.all_back());
  }
}

// "" instead of NULL in OrderComponents, or in Pre/PostRestore: the same components; the session
// ends after the last PostRestore and its journal is gone.
BOOST_AUTO_TEST_CASE(empty_or_null_logical_paths_end_the_session_all_the_same) {
  for (const auto where : {EmptyLogicalPathIn::order, EmptyLogicalPathIn::restore}) {
    Run run(unordered_ledger_policy);
    auto options = logs_then_db();
    options.empty_logical_path_in = where;
    options.pre_all_first = true;
    run.simulate(options);
    const bool in_order = where == EmptyLogicalPathIn::order;
    BOOST_TEST((run.last_call().find(in_order ? "logical_path=NULL" : "logical_path=\"\"") != std::string::npos), run.last_call());
    BOOST_TEST((run.running_after() == std::vector<std::string>{run.last_call()}), "\"\" in " << (in_order ? "order" : "restore"));
    BOOST_TEST(!run.journal_exists());
  }
}

// DB's file restore fails and WSB skips its PostRestore: LedgerSvc stays stopped after Logs'
// PostRestore (DB may be half restored); the session is given back at restore.max_duration.
BOOST_AUTO_TEST_CASE(a_post_restore_skipped_after_a_failure_is_given_back_at_expiry) {
  Run run(ledger_policy);
  auto options = logs_then_db();
  options.pre_all_first = true;
  options.failed_restores = {"DB"};
  options.skip_post_after_failure = true;
  run.simulate(options);
  BOOST_TEST(run.last_call().find("PostRestore(component=\"Logs\"") == 0u, run.last_call());
  BOOST_TEST(run.running_after().empty(), boost::test_tools::per_element());
  run.m.clock.advance(2h);
  BOOST_REQUIRE(run.engine.complete_expired_session().ok());
  BOOST_TEST(run.m.all_back());
  BOOST_TEST(!run.journal_exists());
}

// Cancelled after one PreRestore (DB, the first in the returned order), its PostRestore made: the
// session waits for Logs, then is given back at restore.max_duration.
BOOST_AUTO_TEST_CASE(a_cancel_after_some_pre_restores_is_given_back_at_expiry) {
  Run run(ledger_policy);
  auto options = logs_then_db();
  options.cancel_after_pre = 1;
  run.simulate(options);
  BOOST_TEST(run.last_call().find("(cancel)") == 0u, run.last_call());
  BOOST_TEST(run.running_after().empty(), boost::test_tools::per_element());
  BOOST_TEST((run.engine.held_session_expires_in() == std::optional<std::chrono::milliseconds>(2h)));
  run.m.clock.advance(2h);
  BOOST_REQUIRE(run.engine.complete_expired_session().ok());
  BOOST_TEST(run.m.all_back());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(simulator_restore_options)

// The calls each variation makes, against a recording add-in that returns the reverse order.
BOOST_AUTO_TEST_CASE(each_variation_makes_the_calls_it_says) {
  struct Recorder : WsbApplication {
    std::vector<std::string> received;
    static std::string path(const OptionalString& p) { return p ? "\"" + *p + "\"" : "NULL"; }
    ConsistencyResult check_consistency(const ConsistencyRequest&) override { return {hr::s_false, nullptr}; }
    Hresult pre_restore(const RestoreRequest& r) override {
      received.push_back("Pre " + r.component_name.value_or("NULL") + " " + path(r.component_logical_path));
      return r.component_name == std::optional<std::string>("B") ? hr::wsbapp_e_component_pre_restore_failed : hr::ok;
    }
    Hresult post_restore(const RestoreRequest& r) override {
      received.push_back("Post " + r.component_name.value_or("NULL") + " " + path(r.component_logical_path));
      return hr::ok;
    }
    OrderResult order_components(const OrderRequest& r) override {
      std::string paths;
      for (const auto& p : r.logical_paths) paths += " " + path(p);
      received.push_back("Order" + paths);
      return {hr::ok, StringArray(r.names.rbegin(), r.names.rend()), StringArray(r.logical_paths.rbegin(), r.logical_paths.rend())};
    }
    Hresult is_roll_forward_supported(bool& s) override {
      s = false;
      return hr::ok;
    }
  };
  auto run = [](SimulationOptions o) {
    Recorder r;
    mock::FakeClock clock;
    o.backup = false;
    o.restore_calls = {"order", "pre", "post"};
    if (o.components.empty()) o.components = {{"A", std::nullopt}, {"B", std::string("P")}, {"C", std::nullopt}};
    Simulator(r, clock, nullptr).run(o);
    return r.received;
  };
  using V = std::vector<std::string>;
  SimulationOptions o;
  BOOST_TEST((run(o) == V{"Order NULL \"P\" NULL", "Pre C NULL", "Post C NULL", "Pre B \"P\"", "Post B \"P\"", "Pre A NULL", "Post A NULL"}),
             boost::test_tools::per_element());
  o.restore_order = RestoreOrder::input;
  o.pre_all_first = true;
  BOOST_TEST((run(o) == V{"Order NULL \"P\" NULL", "Pre A NULL", "Pre B \"P\"", "Pre C NULL", "Post A NULL", "Post B \"P\"", "Post C NULL"}),
             boost::test_tools::per_element());
  o.skip_post_after_failure = true;  // B's PreRestore fails; C's file restore fails
  o.failed_restores = {"C"};
  BOOST_TEST((run(o) == V{"Order NULL \"P\" NULL", "Pre A NULL", "Pre B \"P\"", "Pre C NULL", "Post A NULL"}),
             boost::test_tools::per_element());
  SimulationOptions cancel;
  cancel.cancel_after_pre = 2;
  cancel.pre_all_first = true;
  BOOST_TEST((run(cancel) == V{"Order NULL \"P\" NULL", "Pre C NULL", "Pre B \"P\"", "Post C NULL", "Post B \"P\""}),
             boost::test_tools::per_element());
  SimulationOptions empty;
  empty.empty_logical_path_in = EmptyLogicalPathIn::order;
  empty.cancel_after_pre = 1;
  BOOST_TEST((run(empty) == V{"Order \"\" \"P\" \"\"", "Pre C NULL", "Post C NULL"}), boost::test_tools::per_element());
  empty.empty_logical_path_in = EmptyLogicalPathIn::restore;
  BOOST_TEST((run(empty) == V{"Order NULL \"P\" NULL", "Pre C \"\"", "Post C \"\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
