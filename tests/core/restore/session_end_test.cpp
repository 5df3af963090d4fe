// When a restore session ends, for every variation of WSB's restore sequence its documentation
// leaves open (README, "WSB's restore sequence: documented and assumed"): the order of the calls,
// S_FALSE from OrderComponents, NULL or "" logical paths, a repeated OrderComponents, a skipped
// PostRestore, a cancel; and a session WSB never comes back to, completed by its own process at
// restore.max_duration on the Clock, after which the process lets go of itself.
#include <boost/test/unit_test.hpp>

#include "core/addin/addin_host.hpp"
#include "platform/com/com_server_lifetime.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;
using namespace std::chrono_literals;

namespace {

bool stopped(Machine& m) { return m.state("LedgerSvc") == ServiceState::stopped; }
bool journal_exists(Machine& m) { return m.files.exists("C:\\ProgramData\\wsbkit\\sessions\\ledger.journal").value(); }

OrderRequest request_with_paths(const std::vector<std::pair<std::string, OptionalString>>& components) {
  OrderRequest r;
  r.component_count = static_cast<std::uint32_t>(components.size());
  for (const auto& [name, path] : components) {
    r.names.emplace_back(name);
    r.logical_paths.push_back(path);
  }
  return r;
}

RestoreRequest restore_with_path(const std::string& name, OptionalString path) {
  return RestoreRequest{std::nullopt, name, std::move(path), false};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(restore_session_end)

// The policy puts DB first; WSB restores in the order it gave (Logs, DB): PreRestore of both, then
// PostRestore of Logs, the last of the returned order. DB's files are still being restored: the
// services stay stopped until DB's PostRestore.
BOOST_AUTO_TEST_CASE(the_session_ends_at_the_last_post_restore_when_wsb_restores_in_its_input_order) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  const auto ordered = engine.order_components(request_of({"Logs", "DB"}));
  BOOST_REQUIRE((names_of(ordered) == std::vector<std::string>{"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("Logs")) == hr::ok);
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(engine.post_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(stopped(m));  // DB is still being restored
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(m.all_back());
  BOOST_TEST(!journal_exists(m));
}

// OrderComponents answers S_FALSE (no order): WSB may restore in any order. PostRestore of the last
// input component (B) comes before A's: the session ends at A's, not at B's.
BOOST_AUTO_TEST_CASE(after_s_false_the_session_ends_once_every_pre_restore_had_its_post_restore) {
  Machine m;
  PolicyRestoreEngine engine(load(unordered_ledger_policy), m.env(), "ledger");
  BOOST_REQUIRE(engine.order_components(request_of({"A", "B"})).hr == hr::s_false);
  BOOST_REQUIRE(engine.pre_restore(restore_of("A")) == hr::ok);
  BOOST_REQUIRE(engine.pre_restore(restore_of("B")) == hr::ok);
  BOOST_TEST(engine.post_restore(restore_of("B")) == hr::ok);
  BOOST_TEST(stopped(m));
  BOOST_TEST(engine.post_restore(restore_of("A")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  BOOST_TEST(!journal_exists(m));
}

// One component at a time (PreRestore, PostRestore, next component): the services stay stopped
// between components and come back after the last one WSB named, whichever it restores last.
BOOST_AUTO_TEST_CASE(one_component_at_a_time_in_any_order_keeps_the_services_stopped_between_components) {
  Machine m;
  PolicyRestoreEngine engine(load(unordered_ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"A", "B", "C"}));
  for (const char* name : {"C", "A"}) {
    BOOST_REQUIRE(engine.pre_restore(restore_of(name)) == hr::ok);
    BOOST_REQUIRE(engine.post_restore(restore_of(name)) == hr::ok);
    BOOST_TEST(stopped(m), name);
  }
  BOOST_REQUIRE(engine.pre_restore(restore_of("B")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("B")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST(!journal_exists(m));
}

// WSB restoring without OrderComponents, every PreRestore first (A, B), then the PostRestores: B's
// PreRestore joins the session A's opened (nothing given back while A is restored), A's PostRestore
// ends nothing, and the session ends at B's, the PostRestore that completes every PreRestore.
BOOST_AUTO_TEST_CASE(without_order_components_the_session_ends_when_every_pre_restore_had_its_post_restore) {
  Machine m;
  PolicyRestoreEngine engine(load(unordered_ledger_policy), m.env(), "ledger");
  BOOST_REQUIRE(engine.pre_restore(restore_of("A")) == hr::ok);
  BOOST_REQUIRE(stopped(m));
  BOOST_REQUIRE(engine.pre_restore(restore_of("B")) == hr::ok);
  BOOST_TEST(stopped(m));  // B's PreRestore gave nothing of A's back
  BOOST_TEST(engine.post_restore(restore_of("A")) == hr::ok);
  BOOST_TEST(stopped(m));  // B is still being restored
  BOOST_TEST(journal_exists(m));
  BOOST_TEST(engine.post_restore(restore_of("B")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  BOOST_TEST(!journal_exists(m));
}

// Without OrderComponents, one component at a time: each PostRestore completes every PreRestore so
// far and ends the session; the next PreRestore opens a new one.
BOOST_AUTO_TEST_CASE(without_order_components_one_at_a_time_each_component_is_a_session) {
  Machine m;
  PolicyRestoreEngine engine(load(unordered_ledger_policy), m.env(), "ledger");
  for (const char* name : {"A", "B"}) {
    BOOST_REQUIRE(engine.pre_restore(restore_of(name)) == hr::ok);
    BOOST_TEST(stopped(m), name);
    BOOST_REQUIRE(engine.post_restore(restore_of(name)) == hr::ok);
    BOOST_TEST((m.state("LedgerSvc") == ServiceState::running), name);
    BOOST_TEST(!journal_exists(m), name);
  }
}

// OrderComponents with NULL logical paths, Pre/PostRestore with "" (and the other way round): the
// same components; the session ends at the last PostRestore.
BOOST_AUTO_TEST_CASE(null_and_empty_logical_paths_are_the_same_component) {
  for (const bool null_in_order : {true, false}) {
    Machine m;
    PolicyRestoreEngine engine(load(unordered_ledger_policy), m.env(), "ledger");
    const OptionalString in_order = null_in_order ? OptionalString() : OptionalString("");
    const OptionalString in_restore = null_in_order ? OptionalString("") : OptionalString();
    engine.order_components(request_with_paths({{"A", in_order}, {"B", in_order}}));
    for (const char* name : {"A", "B"}) BOOST_REQUIRE(engine.pre_restore(restore_with_path(name, in_restore)) == hr::ok);
    BOOST_TEST(engine.post_restore(restore_with_path("A", in_restore)) == hr::ok);
    BOOST_TEST(stopped(m), "NULL in " << (null_in_order ? "OrderComponents" : "Pre/PostRestore"));
    BOOST_TEST(engine.post_restore(restore_with_path("B", in_restore)) == hr::ok);
    BOOST_TEST((m.state("LedgerSvc") == ServiceState::running), "NULL in " << (null_in_order ? "OrderComponents" : "Pre/PostRestore"));
    BOOST_TEST(!journal_exists(m));
  }
}

// A policy component defined by logical path "" matches a component whose logical path is NULL.
BOOST_AUTO_TEST_CASE(a_null_logical_path_matches_a_policy_component_of_the_empty_path) {
  Machine m;
  auto p = load(R"({"components": {"root": {"logical_path": ""}},
    "restore": {"pre": [{ "service.stop": { "service": "Indexer" }, "when": {"component": "root"}, "once": false }]}})");
  PolicyRestoreEngine engine(p, m.env(), "ledger");
  BOOST_REQUIRE(engine.pre_restore(restore_with_path("DB", std::nullopt)) == hr::ok);
  BOOST_TEST((m.state("Indexer") == ServiceState::stopped));
}

// OrderComponents again while DB's files are being restored: nothing is given back; the session
// goes on with the new list and ends after the last PostRestore.
BOOST_AUTO_TEST_CASE(a_repeated_order_components_mid_restore_gives_nothing_back) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  const auto again = engine.order_components(request_of({"DB", "Logs"}));
  BOOST_TEST(again.hr == hr::ok);
  BOOST_TEST(stopped(m));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::disabled));
  BOOST_REQUIRE(engine.pre_restore(restore_of("Logs")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(stopped(m));
  BOOST_REQUIRE(engine.post_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(m.all_back());
  BOOST_TEST(!journal_exists(m));
}

// A repeated OrderComponents that names only what is left: DB, which had its PreRestore, still
// needs its PostRestore before the session ends.
BOOST_AUTO_TEST_CASE(a_repeated_order_components_keeps_the_components_already_under_way) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  engine.order_components(request_of({"Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("Logs")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(stopped(m));
  BOOST_REQUIRE(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(m.all_back());
}

// WSB skips DB's PostRestore (its restore failed): the session does not end at Logs' PostRestore;
// it is completed at restore.max_duration by the process that holds it.
BOOST_AUTO_TEST_CASE(a_skipped_post_restore_leaves_the_session_to_its_expiry) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_REQUIRE(engine.pre_restore(restore_of("Logs")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(stopped(m));
  BOOST_TEST((engine.held_session_expires_in() == std::optional<std::chrono::milliseconds>(2h)));
  m.clock.advance(2h);
  auto completed = engine.complete_expired_session();
  BOOST_REQUIRE(completed.ok());
  BOOST_TEST(completed->has_value());
  BOOST_TEST(m.all_back());
  BOOST_TEST(!engine.held_session_expires_in().has_value());
}

// The restore is cancelled after DB's PreRestore (Logs never comes): the session is held until
// restore.max_duration, then given back.
BOOST_AUTO_TEST_CASE(a_cancel_after_some_pre_restores_is_given_back_at_expiry) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(stopped(m));
  m.clock.advance(1h);
  BOOST_TEST((engine.held_session_expires_in() == std::optional<std::chrono::milliseconds>(1h)));
  m.clock.advance(1h);
  BOOST_REQUIRE(engine.complete_expired_session().ok());
  BOOST_TEST(m.all_back());
}

// WSB opens a session (OrderComponents, PreRestore) and never comes back: the add-in process holds
// the session past WSB's last release; its expiry timer, on the Clock, gives everything back when
// the session reaches restore.max_duration (not a minute later), and the COM server's lifetime
// then ends: the process exits.
BOOST_AUTO_TEST_CASE(the_process_wsb_never_comes_back_to_gives_back_at_max_duration_and_exits) {
  Machine m;
  BOOST_REQUIRE(m.files.write_file("C:\\policy.json", ledger_policy).ok());
  ServerLifetime lifetime(m.clock, 60s);
  RestoreEnvironment env = m.env();
  std::optional<std::chrono::system_clock::time_point> let_go_at;  // the timer thread writes it before the exit
  env.keep_alive = [&](bool hold) {
    if (hold) return lifetime.hold();
    if (!let_go_at) let_go_at = m.clock.now();
    lifetime.let_go();
  };
  CallLog log([](const std::string&) {});
  AddinSettings settings{std::string("C:\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"};
  settings.expiry_check_interval = 1h;  // the periodic check alone would come 1 h late
  settings.timer_slice = 1s;            // manual time: fewer slices to run through
  AddinHost host(env, log, settings);
  BOOST_REQUIRE(host.policy_loaded());
  BOOST_REQUIRE(lifetime.activate());  // WSB's object
  {
    auto app = host.make_application();
    app->order_components(request_of({"DB", "Logs"}));
    BOOST_REQUIRE(app->pre_restore(restore_of("DB")) == hr::ok);
  }
  const auto opened = m.clock.now();
  lifetime.release();  // WSB lets go and never comes back
  BOOST_TEST(stopped(m));
  host.on_activation();
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  BOOST_REQUIRE(let_go_at.has_value());
  const auto took = *let_go_at - opened;
  BOOST_TEST(m.all_back());
  BOOST_TEST((took >= 2h && took <= 2h + 1s), "given back after " << std::chrono::duration_cast<std::chrono::seconds>(took).count() << " s");
  bool reported = false;
  for (const auto& e : m.events.entries()) reported = reported || e.event_id == event_id::interrupted_session_completed;
  BOOST_TEST(reported);
}

BOOST_AUTO_TEST_SUITE_END()
