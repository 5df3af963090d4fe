#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "platform/text.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

using namespace wsbkit::restore_test;

BOOST_AUTO_TEST_SUITE(restore_engine)

// Explicit order first, then "after" rules, unknown components last in WSB's order.
BOOST_AUTO_TEST_CASE(orders_components_by_policy) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  const auto result = engine.order_components(request_of({"Index2", "Other", "Index1", "Logs", "DB"}));
  BOOST_TEST(result.hr == hr::ok);
  const std::vector<std::string> expected = {"DB", "Logs", "Index2", "Index1", "Other"};
  BOOST_TEST(names_of(result) == expected, boost::test_tools::per_element());
  BOOST_TEST(result.logical_paths->size() == 5u);
}

// Without ordering in the policy: S_FALSE and NULL outs.
BOOST_AUTO_TEST_CASE(no_ordering_is_s_false) {
  Machine m;
  PolicyRestoreEngine engine(load(R"({"restore": {}})"), m.env(), "ledger");
  const auto result = engine.order_components(request_of({"A", "B"}));
  BOOST_TEST(result.hr == hr::s_false);
  BOOST_TEST(!result.names);
}

// 10,000 components and 1,000 rules: a permutation of the input that respects every rule.
BOOST_AUTO_TEST_CASE(orders_ten_thousand_components_with_a_thousand_rules) {
  std::string policy = R"({"components": {)";
  for (int i = 0; i < 1001; ++i) policy += (i ? "," : "") + std::string("\"c") + std::to_string(i) + "\": {\"name\": \"C" + std::to_string(i) + "-*\"}";
  policy += R"(}, "restore": {"after": [)";
  for (int i = 0; i < 1000; ++i) policy += (i ? "," : "") + std::string("{\"component\": \"c") + std::to_string(i) + "\", \"after\": \"c" + std::to_string(i + 1) + "\"}";
  policy += "]}}";
  auto p = load(policy);
  StringArray names, paths;
  for (int i = 0; i < 10000; ++i) {
    names.emplace_back("C" + std::to_string(i % 1001) + "-" + std::to_string(i));
    paths.emplace_back(std::nullopt);
  }
  const auto order = order_components_by_policy(*p, names, paths);
  BOOST_REQUIRE_EQUAL(order.size(), 10000u);
  std::vector<int> seen(10000, 0);
  std::vector<std::size_t> position(10000);
  for (std::size_t k = 0; k < order.size(); ++k) {
    ++seen[order[k]];
    position[order[k]] = k;
  }
  BOOST_TEST(std::count(seen.begin(), seen.end(), 1) == 10000);
  // c_i after c_{i+1}: every C{i}-* after every C{i+1}-*; so C1000-* come first.
  std::size_t violations = 0;
  for (int i = 0; i < 10000; ++i) {
    for (int j = 0; j < 10000; j += 97) {
      if (i % 1001 + 1 == j % 1001 && position[i] < position[j]) ++violations;
    }
  }
  BOOST_TEST(violations == 0u);
}

// The whole session: services stopped (dependents first, start type disabled) before the first
// component, and given back exactly (state and start type) after the last.
BOOST_AUTO_TEST_CASE(session_stops_before_first_and_restarts_after_last) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::stopped));
  BOOST_TEST((m.state("LedgerWeb") == ServiceState::stopped));
  BOOST_TEST((m.state("Indexer") == ServiceState::stopped));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::disabled));
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::stopped));  // not the last component yet
  BOOST_TEST(engine.pre_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(engine.post_restore(restore_of("Logs")) == hr::ok);
  BOOST_TEST(m.all_back());
  BOOST_TEST(!m.files.exists(engine.journal_path()).value());
}

// A service that will not stop: PreRestore fails after the timeout, and what was already
// stopped is restarted before WSB hears of the failure.
BOOST_AUTO_TEST_CASE(failed_pre_restore_gives_back_what_it_stopped) {
  Machine m;
  m.scm.set_hangs_on_stop("Indexer", true);
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB"}));
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.state("LedgerWeb") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  bool reported = false;
  for (const auto& e : m.events.entries()) {
    reported = reported || (e.event_id == event_id::pre_restore_failed && e.message.find("restore.pre[1]") != std::string::npos &&
                            e.message.find("Indexer") != std::string::npos);
  }
  BOOST_TEST(reported);
}

// run steps: argv and context environment, success codes, timeout, on_error continue, retries
// with doubling backoff.
BOOST_AUTO_TEST_CASE(run_steps_follow_exit_codes_retries_and_on_error) {
  Machine m;
  auto p = load(R"({"components": {"db": {"name": "DB"}}, "restore": {
    "pre": [
      { "run": { "executable": "C:\\t\\flush.exe", "arguments": ["--all", "a b"], "success_exit_codes": [0, 3] },
        "retries": 2, "retry_delay": "1s" },
      { "run": { "executable": "C:\\t\\note.exe", "secrets": ["hunter2"] }, "on_error": "continue" },
      { "run": { "executable": "C:\\t\\pit.exe" }, "when": { "no_roll_forward": true } }
    ]}})");
  m.processes.expect("flush.exe", ProcessOutcome{1, "", "busy", false, 5ms});
  m.processes.expect("flush.exe", ProcessOutcome{1, "", "busy", false, 5ms});
  m.processes.expect("flush.exe", ProcessOutcome{3, "flushed", "", false, 5ms});
  m.processes.expect("note.exe", ProcessOutcome{9, "password hunter2 rejected", "", false, 5ms});
  PolicyRestoreEngine engine(p, m.env(), "ledger");
  BOOST_TEST(engine.pre_restore(restore_of("DB", false)) == hr::ok);
  const auto requests = m.processes.requests();
  BOOST_REQUIRE_EQUAL(requests.size(), 4u);  // 3 attempts + note.exe; pit.exe skipped (roll-forward restore)
  BOOST_TEST(requests[0].arguments == (std::vector<std::string>{"--all", "a b"}));
  bool has_component = false;
  for (const auto& [k, v] : requests[0].environment_additions) has_component = has_component || (k == "WSBKIT_COMPONENT" && v == "DB");
  BOOST_TEST(has_component);
  const auto sleeps = m.clock.sleeps();
  BOOST_TEST(std::count(sleeps.begin(), sleeps.end(), 1000ms) == 1);
  BOOST_TEST(std::count(sleeps.begin(), sleeps.end(), 2000ms) == 1);
  // The run log has the redacted output of note.exe.
  auto logs = m.files.list_directory("C:\\ProgramData\\wsbkit\\logs");
  BOOST_REQUIRE(logs.ok() && logs->size() == 1u);
  const auto log = m.files.read_file("C:\\ProgramData\\wsbkit\\logs\\" + (*logs)[0].name).value();
  BOOST_TEST(log.find("password *** rejected") != std::string::npos);
  BOOST_TEST(log.find("hunter2") == std::string::npos);
  // The step that did not apply is in the run log too, skipped with the reason.
  BOOST_TEST(log.find(R"("step":"restore.pre[2]","component":"DB","duration_ms":0,"result":"skipped","message":"when: does not apply to this component")") !=
                 std::string::npos, log);

  // A timeout fails the step (no retries left).
  m.processes.expect("pit.exe", ProcessOutcome{1, "", "", true, 30000ms});
  BOOST_TEST(engine.pre_restore(restore_of("DB", true)) == hr::wsbapp_e_component_pre_restore_failed);
}

// Crash-safe undo: the add-in dies at every platform call of a whole restore in turn; then
// `wsbkit repair` (a) or WSB carrying on in a new add-in process (b) gives every service back.
BOOST_AUTO_TEST_CASE(every_crash_point_is_recovered) {
  auto p = load(ledger_policy);
  const std::vector<std::string> components = {"DB", "Logs"};
  // The calls WSB makes, up to the one in which the process dies (5: none).
  auto run_calls = [&](PolicyRestoreEngine& e, std::size_t from, const CrashPoint* crash) -> std::size_t {
    for (std::size_t i = from; i < 5; ++i) {
      if (i == 0) e.order_components(request_of(components));
      else if (i == 1) e.pre_restore(restore_of("DB"));
      else if (i == 2) e.post_restore(restore_of("DB"));
      else if (i == 3) e.pre_restore(restore_of("Logs"));
      else e.post_restore(restore_of("Logs"));
      if (crash && crash->dead) return i;
    }
    return 5;
  };
  long total = 0;
  {
    Machine m;
    CrashPoint none;
    CrashingServices scm(m.scm, none);
    CrashingFiles files(m.files, none);
    PolicyRestoreEngine e(p, m.env(scm, files), "ledger");
    BOOST_REQUIRE_EQUAL(run_calls(e, 0, &none), 5u);
    BOOST_REQUIRE(m.all_back());
    total = none.calls;
  }
  int proven = 0;
  for (long k = 1; k <= total; ++k) {
    for (int variant = 0; variant < 2; ++variant) {
      Machine m;
      CrashPoint crash{k};
      CrashingServices scm(m.scm, crash);
      CrashingFiles files(m.files, crash);
      std::size_t crashed_at = 5;
      {
        PolicyRestoreEngine dying(p, m.env(scm, files), "ledger");
        crashed_at = run_calls(dying, 0, &crash);
      }
      BOOST_REQUIRE_LT(crashed_at, 5u);
      if (variant == 0) {
        auto repaired = repair_sessions(m.env(), std::nullopt);
        BOOST_TEST(repaired.ok(), "k=" << k);
      } else {
        // WSB goes on with the next call in a new add-in process; a crash in the final
        // PostRestore is retried.
        PolicyRestoreEngine next(p, m.env(), "ledger");
        run_calls(next, crashed_at == 4 ? 4 : crashed_at + 1, nullptr);
        // A PostRestore of DB that died before its journal record is one WSB never made: the
        // session waits for it, and its holder completes it at restore.max_duration.
        if (crashed_at == 2 && !m.all_back()) {
          m.clock.advance(2h);
          BOOST_TEST(next.complete_expired_session().ok(), "k=" << k);
        }
      }
      BOOST_TEST(m.all_back(), "k=" << k << " variant=" << variant << " crashed in call " << crashed_at);
      ++proven;
    }
  }
  BOOST_TEST_MESSAGE("crash points proven: " << total << " (x2 recoveries = " << proven << ")");
  BOOST_TEST(total > 30);
}

// An edited journal (one byte of the Indexer stop's record changed): that record and everything
// after it are not acted on (Indexer stays stopped); the services recorded before it (LedgerSvc,
// LedgerWeb) are given back; the damage is reported (issue 10), not refused whole.
BOOST_AUTO_TEST_CASE(an_edited_record_is_not_acted_on_and_the_records_before_it_are_given_back) {
  Machine m;
  auto p = load(ledger_policy);
  {
    PolicyRestoreEngine engine(p, m.env(), "ledger");
    engine.order_components(request_of({"DB"}));
    BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  }
  const std::string path = "C:\\ProgramData\\wsbkit\\sessions\\ledger.journal";
  std::string text = m.files.read_file(path).value();
  // Damage the record of the Indexer stop (the last "owe" line): flip a byte in it.
  const auto pos = text.find("\"Indexer\"");
  BOOST_REQUIRE(pos != std::string::npos);
  text[pos + 2] = 'X';
  BOOST_REQUIRE(m.files.write_file(path, text).ok());
  auto repaired = repair_sessions(m.env(), std::string("ledger"));
  BOOST_REQUIRE(repaired.ok());
  BOOST_REQUIRE_EQUAL(repaired->size(), 1u);
  BOOST_TEST(!repaired->at(0).problem.has_value(), repaired->at(0).problem.value_or(""));
  BOOST_TEST(repaired->at(0).journal_problem.value_or("").find("not authenticated") != std::string::npos);
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::running));
  BOOST_TEST((m.start_type("LedgerSvc") == ServiceStartType::automatic));
  BOOST_TEST((m.state("LedgerWeb") == ServiceState::running));
  BOOST_TEST((m.state("Indexer") == ServiceState::stopped));
}

// A session older than restore.max_duration is completed at the next activation.
BOOST_AUTO_TEST_CASE(expired_session_is_completed_at_activation) {
  Machine m;
  auto p = load(ledger_policy);
  {
    PolicyRestoreEngine engine(p, m.env(), "ledger");
    engine.order_components(request_of({"DB", "Logs"}));
    BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  }
  PolicyRestoreEngine next(p, m.env(), "ledger");
  auto early = next.complete_expired_session();
  BOOST_REQUIRE(early.ok());
  BOOST_TEST(!early->has_value());
  BOOST_TEST((m.state("LedgerSvc") == ServiceState::stopped));
  m.clock.advance(2h + 1s);
  auto late = next.complete_expired_session();
  BOOST_REQUIRE(late.ok());
  BOOST_TEST(late->has_value());
  BOOST_TEST(m.all_back());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(restore_engine_failures)

// A service that will not start in PostRestore: POST_RESTORE_FAILED with the reason in the event
// log, and the session stays open so `wsbkit repair` can try again.
BOOST_AUTO_TEST_CASE(start_failure_fails_post_restore_and_keeps_the_journal) {
  Machine m;
  auto p = load(R"({"restore": {"pre": [{"service.stop": {"service": "Indexer"}}],
                                "post": [{"service.start": {"service": "Indexer"}, "timeout": "2s"}]}})");
  PolicyRestoreEngine engine(p, m.env(), "ledger");
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  m.scm.fail_when([](const mock::ServiceCall& c) { return c.operation == mock::ServiceOperation::start; }, 1058);
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::wsbapp_e_component_post_restore_failed);
  bool reported = false;
  for (const auto& e : m.events.entries()) reported = reported || (e.event_id == event_id::post_restore_failed && e.message.find("Indexer") != std::string::npos);
  BOOST_TEST(reported);
  BOOST_TEST(m.files.exists(engine.journal_path()).value());
  m.scm.clear_faults();
  auto repaired = repair_sessions(m.env(), std::string("ledger"));
  BOOST_REQUIRE(repaired.ok());
  BOOST_TEST((m.state("Indexer") == ServiceState::running));
}

// wait.port polls until something accepts, and fails at its timeout when nothing does.
BOOST_AUTO_TEST_CASE(wait_port_polls_until_accepted_or_timeout) {
  struct CountingNetwork : Network {
    int refusals = 0;
    int calls = 0;
    Result<bool> try_connect(const std::string&, std::uint16_t, std::chrono::milliseconds) override {
      return ++calls > refusals;
    }
  } network;
  Machine m;
  auto p = load(R"({"restore": {"post": [{"wait.port": {"port": 8443}, "timeout": "1s"}]}})");
  RestoreEnvironment env = m.env();
  env.network = &network;
  PolicyRestoreEngine engine(p, env, "ledger");
  network.refusals = 3;
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::ok);
  BOOST_TEST(network.calls == 4);
  network.calls = 0;
  network.refusals = 1000000;
  BOOST_TEST(engine.post_restore(restore_of("DB")) == hr::wsbapp_e_component_post_restore_failed);
  BOOST_TEST(network.calls > 5);
}

// The journal records each stop's outcome after its intent; the run log each step's start and end.
BOOST_AUTO_TEST_CASE(journal_and_run_log_record_outcomes) {
  Machine m;
  PolicyRestoreEngine engine(load(ledger_policy), m.env(), "ledger");
  engine.order_components(request_of({"DB", "Logs"}));
  BOOST_REQUIRE(engine.pre_restore(restore_of("DB")) == hr::ok);
  const std::string journal = m.files.read_file(engine.journal_path()).value();
  const auto intent = journal.find("\"t\":\"owe\"");
  const auto outcome = journal.find("\"outcome\":\"stopped\"");
  BOOST_TEST(intent != std::string::npos);
  BOOST_TEST((outcome != std::string::npos && outcome > intent));
  auto logs = m.files.list_directory("C:\\ProgramData\\wsbkit\\logs");
  BOOST_REQUIRE(logs.ok() && !logs->empty());
  const std::string log = m.files.read_file("C:\\ProgramData\\wsbkit\\logs\\" + (*logs)[0].name).value();
  BOOST_TEST(log.find("\"start_ms\"") != std::string::npos);
  BOOST_TEST(log.find("\"end_ms\"") != std::string::npos);
  BOOST_TEST(log.find("\"step\":\"restore.pre[0]\"") != std::string::npos);
}

// Output no JSON encoder would take as is (bytes that are not UTF-8, UTF-16 from `cmd /u`, an
// OEM code page) and 1 MiB of it, from a `run` step in PreRestore and in PostRestore, passing and
// failing: the method answers S_OK or its WSBAPP_E code (never an exception), every service comes
// back, every event message is valid UTF-8, and the run log parses as JSON line by line.
BOOST_AUTO_TEST_CASE(run_step_output_in_any_encoding_never_breaks_a_restore) {
  std::string invalid = "checking \xFF\xFE\xC3( \xED\xA0\x80 \xF0\x28\x8C\xBC done\n";
  std::string utf16;
  for (const char16_t c : std::u16string(u"\uFEFFFehler: Größe falsch \xD800 Ende\r\n")) {
    utf16.push_back(static_cast<char>(c & 0xFF));
    utf16.push_back(static_cast<char>(c >> 8));
  }
  std::string cp437 = "Pr\x81" "fung fehlgeschlagen: \xC9\xCD\xCD\xBB Gr\xE1\xE1" "e\r\n";
  std::string mib;
  for (int i = 0; mib.size() < (1u << 20); ++i) mib += "line " + std::to_string(i) + " \xE2\x82\xAC\x80\xFF\n";
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"invalid UTF-8", invalid}, {"UTF-16LE", utf16}, {"CP437", cp437}, {"1 MiB", mib}};
  auto p = load(R"({"restore": {
    "pre":  [{ "service.stop": { "service": "LedgerSvc", "disable_during_restore": true } },
             { "run": { "executable": "C:\\t\\pre.exe" } }],
    "post": [{ "run": { "executable": "C:\\t\\post.exe" } },
             { "service.start": { "service": "LedgerSvc" } }]}})");
  for (const auto& [name, bytes] : outputs) {
    for (const bool in_pre : {true, false}) {
      for (const std::uint32_t exit_code : {0u, 1u}) {
        BOOST_TEST_CONTEXT(name << (in_pre ? " in PreRestore" : " in PostRestore") << ", exit code " << exit_code) {
          Machine m;
          PolicyRestoreEngine engine(p, m.env(), "ledger");
          const std::string& pre_out = in_pre ? bytes : std::string("flushed\n");
          const std::string& post_out = in_pre ? std::string("started\n") : bytes;
          m.processes.expect("pre.exe", ProcessOutcome{in_pre ? exit_code : 0u, pre_out, pre_out, false, 5ms});
          m.processes.expect("post.exe", ProcessOutcome{in_pre ? 0u : exit_code, post_out, post_out, false, 5ms});
          Hresult pre = hr::e_unexpected, post = hr::ok;
          BOOST_REQUIRE_NO_THROW(pre = engine.pre_restore(restore_of("DB")));
          if (pre == hr::ok) BOOST_REQUIRE_NO_THROW(post = engine.post_restore(restore_of("DB")));
          const bool fails = exit_code != 0;
          BOOST_TEST(pre == (in_pre && fails ? hr::wsbapp_e_component_pre_restore_failed : hr::ok));
          BOOST_TEST(post == (!in_pre && fails ? hr::wsbapp_e_component_post_restore_failed : hr::ok));
          BOOST_TEST(m.all_back());
          for (const auto& e : m.events.entries()) BOOST_TEST(is_valid_utf8(e.message), e.message);
          auto logs = m.files.list_directory("C:\\ProgramData\\wsbkit\\logs");
          BOOST_REQUIRE(logs.ok());
          BOOST_REQUIRE_EQUAL(logs->size(), 1u);
          std::istringstream lines(m.files.read_file("C:\\ProgramData\\wsbkit\\logs\\" + (*logs)[0].name).value());
          int parsed = 0, with_output = 0;
          for (std::string line; std::getline(lines, line); ++parsed) {
            nlohmann::json record;
            BOOST_REQUIRE_NO_THROW(record = nlohmann::json::parse(line));
            if (record.contains("output")) {
              ++with_output;
              BOOST_TEST(record["output"].get<std::string>().size() < 10000u);
            }
          }
          BOOST_TEST(parsed == (in_pre && fails ? 2 : fails ? 3 : 4));  // a failed step ends its phase
          BOOST_TEST(with_output == ((in_pre && fails) ? 1 : 2));
        }
      }
    }
  }
}

// A run-log line that cannot be written does not change the step's outcome; event 20 says which
// record is missing.
BOOST_AUTO_TEST_CASE(a_run_log_that_cannot_be_written_is_reported_and_the_step_stands) {
  Machine m;
  auto p = load(R"({"restore": {"pre": [{ "run": { "executable": "C:\\t\\pre.exe" } }]}})");
  m.processes.expect("pre.exe", ProcessOutcome{0, "ok", "", false, 5ms});
  m.files.fail_when(mock::file_writes_under("C:\\ProgramData\\wsbkit\\logs"), 112);  // ERROR_DISK_FULL
  PolicyRestoreEngine engine(p, m.env(), "ledger");
  BOOST_TEST(engine.pre_restore(restore_of("DB")) == hr::ok);
  bool reported = false;
  for (const auto& e : m.events.entries()) {
    reported = reported || (e.event_id == event_id::run_log_failed && e.message.find("restore.pre[0]") != std::string::npos);
  }
  BOOST_TEST(reported);
}

BOOST_AUTO_TEST_SUITE_END()
