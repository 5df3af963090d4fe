// The restore session's promises: undo is never lost, calls are serialised (in the process and
// across processes), exceptions are contained, repair finishes and respects live sessions.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "platform/text.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;
using namespace std::chrono_literals;

namespace {

bool journal_exists(Machine& m, const std::string& key = "ledger") {
  return m.files.exists("C:\\ProgramData\\wsbkit\\sessions\\" + key + ".journal").value();
}

mock::FaultInjector<mock::ServiceCall>::Predicate starts_of(const std::string& service) {
  return [service](const mock::ServiceCall& c) { return c.operation == mock::ServiceOperation::start && iequals(c.name, service); };
}

const char* stop_ledger_policy = R"({"restore": {
  "pre": [{ "service.stop": { "service": "LedgerSvc", "disable_during_restore": true } }],
  "post": [{ "service.start": { "service": "LedgerSvc" } }]}})";

}  // namespace

BOOST_AUTO_TEST_SUITE(restore_session)

// An earlier session owes LedgerSvc; giving it back fails; the next PreRestore fails before it
// stops anything. The debt survives in the journal and the next repair gives LedgerSvc back.
BOOST_AUTO_TEST_CASE(a_failed_give_back_is_never_forgotten_by_the_next_session) {
  Machine m;
  {
    PolicyRestoreEngine first(load(stop_ledger_policy), m.env(), "ledger");
    BOOST_REQUIRE(first.pre_restore(restore_of("DB")) == hr::ok);
  }  // the add-in process dies between PreRestore and PostRestore
  BOOST_REQUIRE((m.state("LedgerSvc") == ServiceState::stopped));
  m.scm.fail_when(starts_of("LedgerSvc"), 1058);
  auto failing = load(R"({"restore": {"pre": [{ "run": { "executable": "C:\\t\\nope.exe" } }]}})");
  m.processes.expect("nope.exe", ProcessOutcome{1, "", "", false, 1ms});
  PolicyRestoreEngine second(failing, m.env(), "ledger");
  BOOST_TEST(second.pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST(journal_exists(m));
  BOOST_TEST(m.files.read_file("C:\\ProgramData\\wsbkit\\sessions\\ledger.journal").value().find("LedgerSvc") != std::string::npos);
  m.scm.clear_faults();
  auto repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 1u);
  BOOST_TEST(!repaired->at(0).problem.has_value());
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  BOOST_TEST(!journal_exists(m));
}

// The same, but WSB's next call (a new PreRestore that succeeds) gives the old debt back first.
BOOST_AUTO_TEST_CASE(the_next_session_gives_back_what_an_earlier_one_owes) {
  Machine m;
  {
    PolicyRestoreEngine first(load(stop_ledger_policy), m.env(), "ledger");
    BOOST_REQUIRE(first.pre_restore(restore_of("DB")) == hr::ok);
  }
  PolicyRestoreEngine next(load(R"({"restore": {}})"), m.env(), "ledger");
  BOOST_TEST(next.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
}

// Another live add-in process holds the session: repair, expiry and that process's rival all
// leave it alone; once the holder dies, repair gives everything back.
BOOST_AUTO_TEST_CASE(a_live_session_is_left_alone_until_its_process_dies) {
  Machine m;
  auto p = load(ledger_policy);
  auto holder = std::make_unique<PolicyRestoreEngine>(p, m.env(), "ledger");
  holder->order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(holder->pre_restore(restore_of("DB")) == hr::ok);
  const std::string journal = m.files.read_file(holder->journal_path()).value();

  auto repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 1u);
  BOOST_TEST(repaired->at(0).live);
  m.clock.advance(3h);  // older than max_duration (2h) ...
  PolicyRestoreEngine rival(p, [&] { auto e = m.env(); e.lock_wait = 1s; return e; }(), "ledger");
  auto expired = rival.complete_expired_session();
  BOOST_REQUIRE(expired.ok());
  BOOST_TEST(!expired->has_value());  // ... but alive: not completed by another process
  BOOST_TEST(rival.pre_restore(restore_of("Logs")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::stopped));
  BOOST_TEST(m.files.read_file(holder->journal_path()).value() == journal);

  holder.reset();  // the holding process dies
  repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_TEST(!repaired->at(0).live);
  BOOST_TEST(m.all_back());
}

// The process holding a session completes it itself once it is older than max_duration.
BOOST_AUTO_TEST_CASE(the_holder_completes_its_own_expired_session) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_REQUIRE(m.locks.held("C:\\ProgramData\\wsbkit\\sessions\\ledger.lock"));
  m.clock.advance(2h + 1s);
  auto completed = engine.complete_expired_session();
  BOOST_REQUIRE(completed.ok());
  BOOST_TEST(completed->has_value());
  BOOST_TEST(m.all_back());
  BOOST_TEST(!m.locks.held("C:\\ProgramData\\wsbkit\\sessions\\ledger.lock"));
}

// The process is held alive exactly while its session is open.
BOOST_AUTO_TEST_CASE(the_process_is_kept_alive_while_its_session_is_open) {
  Machine m;
  std::vector<bool> holds;
  RestoreEnvironment env = m.env();
  env.keep_alive = [&](bool hold) { holds.push_back(hold); };
  PolicyRestoreEngine engine(load(ledger_policy), env, "ledger");
  engine.order_components(request_of({"DB"}));
  BOOST_TEST(holds == std::vector<bool>{true});
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_REQUIRE(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST((holds == std::vector<bool>{true, false}));
}

// repair goes on past a journal it cannot complete, and reports each.
BOOST_AUTO_TEST_CASE(repair_goes_on_past_a_session_it_cannot_complete) {
  Machine m;
  {
    PolicyRestoreEngine a(load(stop_ledger_policy), m.env(), "app-a");
    BOOST_REQUIRE(a.pre_restore(restore_of("DB")) == hr::ok);
    PolicyRestoreEngine b(load(R"({"restore": {"pre": [{ "service.stop": { "service": "Indexer" } }]}})"), m.env(), "app-b");
    BOOST_REQUIRE(b.pre_restore(restore_of("DB")) == hr::ok);
  }
  m.scm.fail_when(starts_of("LedgerSvc"), 1058);
  auto repaired = repair_sessions(m.env(), std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 2u);
  BOOST_TEST(repaired->at(0).problem.has_value());   // app-a: LedgerSvc will not start
  BOOST_TEST(!repaired->at(1).problem.has_value());  // app-b: completed all the same
  BOOST_TEST((m.state("Indexer") == ServiceState::running));
  BOOST_TEST(journal_exists(m, "app-a"));
  BOOST_TEST(!journal_exists(m, "app-b"));
}

// A give-back is bounded: a service that never comes up costs give_back_timeout, not hours.
BOOST_AUTO_TEST_CASE(a_give_back_waits_at_most_its_bound) {
  Machine m;
  {
    PolicyRestoreEngine first(load(stop_ledger_policy), m.env(), "ledger");
    BOOST_REQUIRE(first.pre_restore(restore_of("DB")) == hr::ok);
  }
  m.scm.set_transition_queries("LedgerSvc", 1000000000);
  RestoreEnvironment env = m.env();
  env.give_back_timeout = 30s;
  const auto before = m.clock.total_slept();
  auto repaired = repair_sessions(env, std::nullopt);
  BOOST_REQUIRE(repaired.ok());
  BOOST_TEST(repaired->at(0).problem.has_value());
  BOOST_TEST((m.clock.total_slept() - before <= 31s));
  BOOST_TEST(journal_exists(m));
}

// An exception thrown at any platform call of a restore: the call answers its WSBAPP_E code
// (OrderComponents: E_FAIL), nothing escapes, and every service is back after the next repair.
BOOST_AUTO_TEST_CASE(an_exception_at_every_platform_call_is_contained) {
  auto p = load(ledger_policy);

  long total = 0;
  {
    Machine m;
    CrashPoint counter;
    CrashingServices scm(m.scm, counter);
    CrashingFiles files(m.files, counter);
    PolicyRestoreEngine e(p, m.env(scm, files), "ledger");
    e.order_components(request_of({"DB", "Logs"}));
    BOOST_REQUIRE(e.pre_restore(restore_of("DB")) == hr::ok);
    BOOST_REQUIRE(e.post_restore(restore_of("DB")) == hr::ok);
    BOOST_REQUIRE(e.pre_restore(restore_of("Logs")) == hr::ok);
    BOOST_REQUIRE(e.post_restore(restore_of("Logs")) == hr::ok);
    total = counter.calls;
  }
  for (long k = 1; k <= total; ++k) {
    Machine m;
    CrashPoint crash{k};
    crash.throws_once = true;
    CrashingServices scm(m.scm, crash);
    CrashingFiles files(m.files, crash);
    PolicyRestoreEngine e(p, m.env(scm, files), "ledger");
    std::vector<Hresult> answers;
    answers.push_back(e.order_components(request_of({"DB", "Logs"})).hr);
    answers.push_back(e.pre_restore(restore_of("DB")));
    answers.push_back(e.post_restore(restore_of("DB")));
    answers.push_back(e.pre_restore(restore_of("Logs")));
    answers.push_back(e.post_restore(restore_of("Logs")));
    const auto failed = std::count_if(answers.begin(), answers.end(), [](Hresult h) { return hr::failed(h); });
    BOOST_TEST(failed >= 1, "k=" << k << ": the exception was not answered with a failure");
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const Hresult expected = i == 0 ? hr::e_fail
                               : i % 2 == 1 ? hr::wsbapp_e_component_pre_restore_failed
                                            : hr::wsbapp_e_component_post_restore_failed;
      BOOST_TEST((answers[i] == hr::ok || answers[i] == expected), "k=" << k << " call " << i << " answered " << hr::to_hex(answers[i]));
    }
    auto repaired = repair_sessions(m.env(), std::nullopt);
    BOOST_TEST(repaired.ok());
    BOOST_TEST(m.all_back(), "k=" << k);
  }
  BOOST_TEST(total > 30);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Which call is running on this thread (-1: none), so the recorder can tell calls apart.
thread_local int current_call = -1;

// A FileSystem that notes the order in which calls first read the journal: every call loads the
// journal inside the engine's lock, so this is the order the engine served them in.
class ServiceOrderRecorder final : public mock::ForwardingFileSystem {
 public:
  ServiceOrderRecorder(FileSystem& inner, std::string journal) : ForwardingFileSystem(inner), journal_(std::move(journal)) {}
  std::vector<int> order() const {
    std::lock_guard lock(mutex_);
    return order_;
  }
  Result<bool> exists(const std::string& p) override {
    if (iequals(p, journal_) && current_call >= 0) note(current_call);
    return inner_.exists(p);
  }

 private:
  void note(int call) {
    std::lock_guard lock(mutex_);
    if (seen_.insert(call).second) order_.push_back(call);
  }
  std::string journal_;
  mutable std::mutex mutex_;
  std::set<int> seen_;
  std::vector<int> order_;
};

enum class Call { order, pre_db, post_db, pre_logs, post_logs };

Hresult make_call(PolicyRestoreEngine& engine, Call call) {
  switch (call) {
    case Call::order: return engine.order_components(request_of({"DB", "Logs"})).hr;
    case Call::pre_db: return engine.pre_restore(restore_of("DB"));
    case Call::post_db: return engine.post_restore(restore_of("DB"));
    case Call::pre_logs: return engine.pre_restore(restore_of("Logs"));
    default: return engine.post_restore(restore_of("Logs"));
  }
}

struct MachineState {
  std::map<std::string, std::pair<ServiceState, ServiceStartType>> services;
  std::vector<std::string> owed;
  bool open = false;
  bool operator==(const MachineState&) const = default;
};

MachineState state_of(Machine& m) {
  MachineState s;
  for (const char* name : {"LedgerSvc", "LedgerWeb", "Reporter", "Indexer"}) s.services[name] = {m.state(name), m.start_type(name)};
  RestoreSession session(m.files, "C:\\ProgramData\\wsbkit\\sessions\\ledger.journal", m.seal("ledger"));
  BOOST_REQUIRE(session.load().ok());
  for (const auto& o : session.state().owed) s.owed.push_back(o.service);
  s.open = session.state().open;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(restore_session_concurrency)

// 8 threads x 24 mixed calls on one engine, every
// call gets the answer it gets when the same calls are made one by one in the order the engine
// served them, the journal replays to the same state, and a final PostRestore of each component
// (the session ends once every component that had a PreRestore had its PostRestore) gives all back.
BOOST_AUTO_TEST_CASE(concurrent_calls_get_the_outcomes_of_the_same_calls_made_one_by_one) {
  const auto p = load(ledger_policy);
  constexpr int threads = 8, per_thread = 24;
  std::vector<Call> calls;
  std::mt19937 random(8);
  for (int i = 0; i < threads * per_thread; ++i) calls.push_back(static_cast<Call>(random() % 5));
  const std::string journal = "C:\\ProgramData\\wsbkit\\sessions\\ledger.journal";
  for (int round = 0; round < 5; ++round) {
    Machine concurrent;
    ServiceOrderRecorder recorder(concurrent.files, journal);
    PolicyRestoreEngine engine(p, concurrent.env(concurrent.scm, recorder), "ledger");
    std::vector<Hresult> answers(calls.size(), hr::e_unexpected);
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ++ready;
        while (ready < threads) std::this_thread::yield();
        for (int i = t * per_thread; i < (t + 1) * per_thread; ++i) {
          current_call = i;
          answers[i] = make_call(engine, calls[i]);
          current_call = -1;
        }
      });
    }
    for (auto& th : pool) th.join();
    const std::vector<int> order = recorder.order();
    BOOST_REQUIRE_EQUAL(order.size(), calls.size());

    Machine sequential;
    PolicyRestoreEngine one_by_one(p, sequential.env(), "ledger");
    for (const int i : order) {
      const Hresult expected = make_call(one_by_one, calls[i]);
      BOOST_TEST(answers[i] == expected, "round " << round << ", call " << i << ": " << hr::to_hex(answers[i]) << " vs "
                                                  << hr::to_hex(expected) << " one by one");
    }
    BOOST_TEST((state_of(concurrent) == state_of(sequential)), "round " << round);
    BOOST_TEST(make_call(engine, Call::post_db) == hr::ok);
    BOOST_TEST(make_call(engine, Call::post_logs) == hr::ok);
    BOOST_TEST(concurrent.all_back());
  }
}

BOOST_AUTO_TEST_SUITE_END()
