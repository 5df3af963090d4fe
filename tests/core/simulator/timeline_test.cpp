// The timeline of a simulated run, in process: the add-in core with the real restore engine over
// the fakes writes its run logs; the timeline holds each call with the steps the add-in ran for it
// (read back from those logs), the service states before and after, and WSB's verdict.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "core/addin/addin_core.hpp"
#include "core/simulator/addin_faults.hpp"
#include "mock/fake_process_control.hpp"
#include "core/simulator/timeline.hpp"
#include "core/policy/step_options.hpp"
#include "core/steps/run_log.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;

namespace {

const std::string logs_dir = "C:\\ProgramData\\wsbkit\\logs";

// A restore of Logs and DB through the core and the real engine; the timeline recorded.
struct Run {
  Machine m;
  CallLog log{[](const std::string&) {}};
  PolicyRestoreEngine engine;
  AddinCore core;
  RunLogFollower follower{m.files, logs_dir, "\\"};
  TimelineRecorder recorder{&follower};

  explicit Run(const char* policy) : engine(load(policy), m.env(), "ledger"), core(log, nullptr, &engine) {}

  Timeline& simulate(SimulationOptions options) {
    follower.skip_existing();
    const std::vector<std::string> services = {"LedgerSvc", "Indexer"};
    recorder.timeline().services_before = service_views(m.scm, services);
    Simulator(core, m.clock, [this](const SimulatedCall& c) { recorder.record(c); }).run(options);
    recorder.timeline().services_after = service_views(m.scm, services);
    return recorder.timeline();
  }
};

SimulationOptions restore_of_logs_and_db() {
  SimulationOptions o;
  o.components = {{"Logs", std::nullopt}, {"DB", std::nullopt}};
  o.backup = false;
  return o;
}

std::vector<std::string> calls_of(const Timeline& t) {
  std::vector<std::string> out;
  for (const auto& e : t.entries) out.push_back(e.call.method + (e.component.empty() ? "" : " " + e.component) + " " + hr::name(e.call.hr));
  return out;
}

std::vector<std::string> steps_of(const TimelineEntry& e) {
  std::vector<std::string> out;
  for (const auto& s : e.steps) out.push_back(s.step + " " + s.kind + " " + s.outcome);
  return out;
}

// A backup whose check reports the given result, with the check log the add-in writes for it.
struct CheckingAddin : WsbApplication {
  struct Async : WsbAsync {
    Hresult result;
    explicit Async(Hresult r) : result(r) {}
    Hresult query_status(Hresult& r) override { r = result; return hr::ok; }
    Hresult abort() override { return hr::ok; }
  };
  FileSystem& files;
  Hresult result;
  CheckingAddin(FileSystem& f, Hresult r) : files(f), result(r) {}
  ConsistencyResult check_consistency(const ConsistencyRequest& r) override {
    steps::RunLog log(files, logs_dir, "check-1.jsonl");
    const bool passed = result == hr::ok;
    BOOST_REQUIRE(log.append(steps::JsonLine().text("check", "1").text("component", *r.component_name).text("event", "start")).ok());
    BOOST_REQUIRE(log.append(steps::JsonLine().text("check", "1").text("event", "step").text("step", "backup.check[1]")
                                 .text("type", "manifest.verify").number("attempt", 1).text("outcome", passed ? "passed" : "failed")
                                 .number("duration_ms", 12).text("message", passed ? "3 files" : "data\\ledger2.ldb: digest differs")).ok());
    BOOST_REQUIRE(log.append(steps::JsonLine().text("check", "1").text("event", "end").text("result", hr::name(result))
                                 .text("reason", passed ? "" : "backup.check[1] (manifest.verify): data\\ledger2.ldb: digest differs")).ok());
    return {hr::ok, std::make_shared<Async>(result)};
  }
  Hresult pre_restore(const RestoreRequest&) override { return hr::ok; }
  Hresult post_restore(const RestoreRequest&) override { return hr::ok; }
  OrderResult order_components(const OrderRequest&) override { return {hr::s_false, std::nullopt, std::nullopt}; }
  Hresult is_roll_forward_supported(bool& s) override { s = false; return hr::ok; }
};

Timeline backup_with(Hresult result) {
  Machine m;
  CheckingAddin addin(m.files, result);
  RunLogFollower follower(m.files, logs_dir, "\\");
  follower.skip_existing();
  TimelineRecorder recorder(&follower);
  SimulationOptions o;
  o.components = {{"LedgerDB", std::string("Contoso\\Ledger")}};
  o.restore = false;
  Simulator(addin, m.clock, [&](const SimulatedCall& c) { recorder.record(c); }).run(o);
  return recorder.timeline();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator_timeline)

// The restore's calls in WSB's order (DB first, as the policy orders it), each PreRestore with the
// policy's stop steps under it and each PostRestore with its start steps, read from the run log.
BOOST_AUTO_TEST_CASE(a_restore_timeline_holds_each_call_with_the_steps_the_add_in_ran_for_it) {
  Run run(ledger_policy);
  const Timeline& t = run.simulate(restore_of_logs_and_db());
  const std::vector<std::string> calls = {"OrderComponents S_OK", "IsRollForwardSupported S_OK", "PreRestore DB S_OK",
                                          "PostRestore DB S_OK", "PreRestore Logs S_OK", "PostRestore Logs S_OK"};
  BOOST_TEST(calls_of(t) == calls, boost::test_tools::per_element());
  const std::vector<std::string> pre = {"restore.pre[0] PreRestore ok", "restore.pre[1] PreRestore ok"};
  BOOST_TEST(steps_of(t.entries.at(2)) == pre, boost::test_tools::per_element());
  const std::vector<std::string> post = {"restore.post[0] PostRestore ok", "restore.post[1] PostRestore ok"};
  BOOST_TEST(steps_of(t.entries.back()) == post, boost::test_tools::per_element());
  BOOST_TEST(t.services_before.at(0).state == "RUNNING");
  BOOST_TEST(t.services_after.at(0).state == "RUNNING");
  BOOST_TEST(t.services_after.at(0).start_type == to_string(ServiceStartType::automatic));
  BOOST_TEST((verdict_of(t) == Verdict::ok));
  const std::string table = timeline_table(t);
  BOOST_TEST(table.find("WSB restores the files of DB here") < table.find("PostRestore               DB"), table);
}

// A PreRestore whose stop step fails: the call is rejected and its step shows why.
BOOST_AUTO_TEST_CASE(a_failed_step_shows_under_its_call_with_the_reason_and_fails_the_run) {
  Run run(R"({"restore": {"pre": [{ "service.stop": { "service": "NoSuchSvc" } }], "post": []}})");
  const Timeline& t = run.simulate(restore_of_logs_and_db());
  const auto& pre = t.entries.at(2);
  BOOST_TEST(pre.call.method == "PreRestore");
  BOOST_TEST(hr::name(pre.call.hr) == "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED");
  BOOST_REQUIRE(!pre.steps.empty());
  BOOST_TEST(pre.steps[0].outcome == "failed");
  BOOST_TEST(pre.steps[0].reason.find("NoSuchSvc") != std::string::npos, pre.steps[0].reason);
  BOOST_TEST((verdict_of(t) == Verdict::failed));
  const auto junit = timeline_junit(t);
  BOOST_TEST(junit.find("<failure message=\"WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED\">") != std::string::npos, junit);
}

// A failed consistency check: every call accepted, yet WSB would not allow recovery; the check's
// step and reason come from the check log, in the table, the JSON and the JUnit report.
BOOST_AUTO_TEST_CASE(a_failed_consistency_check_refuses_recovery_with_the_reason_from_the_check_log) {
  const Timeline t = backup_with(hr::wsbapp_e_component_consistency_check_failed);
  BOOST_REQUIRE(t.entries.size() == 2u);
  BOOST_TEST(t.entries[1].call.method == "QueryStatus");
  BOOST_TEST((verdict_of(t) == Verdict::recovery_refused));
  const std::vector<std::string> steps = {"backup.check[1] manifest.verify failed",
                                          "(check) verdict WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED"};
  BOOST_TEST(steps_of(t.entries[1]) == steps, boost::test_tools::per_element());
  BOOST_TEST(timeline_table(t).find("recovery not allowed") != std::string::npos);
  const auto doc = nlohmann::json::parse(timeline_json(t));
  BOOST_TEST(doc["verdict"] == "recovery_refused");
  BOOST_TEST(doc["calls"][1]["check_result"] == "WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED");
  BOOST_TEST(doc["calls"][1]["steps"][0]["reason"] == "data\\ledger2.ldb: digest differs");
  BOOST_TEST(timeline_junit(t).find("failures=\"1\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_passed_consistency_check_is_a_success) {
  const Timeline t = backup_with(hr::ok);
  BOOST_TEST((verdict_of(t) == Verdict::ok));
  BOOST_TEST(t.entries.at(1).steps.at(1).outcome == "passed");
  BOOST_TEST(timeline_junit(t).find("failures=\"0\"") != std::string::npos);
}

// WSB's job cancelled right after a PreRestore: no further call; the session stays open.
BOOST_AUTO_TEST_CASE(abort_after_a_pre_restore_makes_no_further_call) {
  Run run(ledger_policy);
  auto options = restore_of_logs_and_db();
  options.cancel_after = [](const SimulatedCall& c) { return c.method == "PreRestore" && component_of(c) == "DB"; };
  const Timeline& t = run.simulate(options);
  BOOST_TEST(calls_of(t).back() == "PreRestore DB S_OK");
  BOOST_TEST(t.services_after.at(0).state == "STOPPED");
  BOOST_TEST(run.m.files.exists(run.engine.journal_path()).value());
}

// Lines that are not steps, or not JSON, are left out; a line cut short is read once complete.
BOOST_AUTO_TEST_CASE(log_lines_that_are_no_step_are_left_out) {
  BOOST_TEST(!step_of_log_line("check", "{\"event\":\"progress\"}"));
  BOOST_TEST(!step_of_log_line("check", "not json"));
  BOOST_TEST(!step_of_log_line("restore", "[1,2]"));
  Machine m;
  RunLogFollower follower(m.files, logs_dir, "\\");
  BOOST_REQUIRE(m.files.create_directories(logs_dir).ok());
  BOOST_REQUIRE(m.files.append_file(logs_dir + "\\restore-x.jsonl", "{\"phase\":\"PreRestore\",\"step\":\"restore.pre[0]\",\"result\":\"ok\"}\n{\"phase\"").ok());
  BOOST_TEST(follower.take().size() == 1u);
  BOOST_REQUIRE(m.files.append_file(logs_dir + "\\restore-x.jsonl", ":\"PostRestore\",\"step\":\"restore.post[0]\",\"result\":\"ok\"}\n").ok());
  const auto rest = follower.take();
  BOOST_REQUIRE(rest.size() == 1u);
  BOOST_TEST(rest[0].kind == "PostRestore");
}

// A step the add-in skipped (steps::mark_skipped) reads the same from a check log and a restore
// log: outcome "skipped", the reason, its type or phase.
BOOST_AUTO_TEST_CASE(a_skipped_step_shows_with_its_reason_from_the_check_and_the_restore_logs) {
  steps::JsonLine check;
  check.text("check", "1").text("event", "step").text("step", "backup.check[2]").text("type", "files.present");
  steps::mark_skipped(check, policy::when_does_not_apply);
  steps::JsonLine restore;
  restore.text("phase", "PreRestore").text("step", "restore.pre[1]").text("component", "DB").number("duration_ms", 0);
  steps::mark_skipped(restore, policy::when_does_not_apply);
  const auto from_check = step_of_log_line("check", check.str());
  const auto from_restore = step_of_log_line("restore", restore.str());
  BOOST_REQUIRE(from_check);
  BOOST_REQUIRE(from_restore);
  BOOST_TEST(from_check->step + " " + from_check->kind + " " + from_check->outcome + ": " + from_check->reason ==
             "backup.check[2] files.present skipped: when: does not apply to this component");
  BOOST_TEST(from_restore->step + " " + from_restore->kind + " " + from_restore->outcome + ": " + from_restore->reason ==
             "restore.pre[1] PreRestore skipped: when: does not apply to this component");
}


// The add-in "process" dies right after PreRestore DB (in process: its core and engine dropped,
// their session claim released as a dead process's would be); WSB carries on and its next call
// activates a new add-in, which finds the journal and gives the services back in the end.
BOOST_AUTO_TEST_CASE(an_add_in_killed_after_pre_restore_is_replaced_and_the_session_still_gives_back) {
  Machine m;
  const auto policy = load(ledger_policy);
  struct Instance {
    CallLog log{[](const std::string&) {}};
    std::unique_ptr<PolicyRestoreEngine> engine;
    std::unique_ptr<AddinCore> core;
  };
  std::vector<std::shared_ptr<Instance>> made;
  ReactivatingApplication app([&]() -> Result<std::shared_ptr<WsbApplication>> {
    auto instance = std::make_shared<Instance>();
    instance->engine = std::make_unique<PolicyRestoreEngine>(policy, m.env(), "ledger");
    instance->core = std::make_unique<AddinCore>(instance->log, nullptr, instance->engine.get());
    made.push_back(instance);
    return std::shared_ptr<WsbApplication>(instance, instance->core.get());
  });
  BOOST_REQUIRE(app.activate().ok());
  std::vector<std::string> seen;
  Simulator simulator(app, m.clock, [&](const SimulatedCall& c) {
    seen.push_back(c.method + " " + component_of(c) + " " + hr::name(c.hr) + " " + to_string(m.state("LedgerSvc")));
    if (c.method == "PreRestore" && component_of(c) == "DB") {
      app.lose();
      made.front().reset();  // the dead process's memory is gone with it
    }
  });
  simulator.run(restore_of_logs_and_db());
  const std::vector<std::string> expected = {"OrderComponents  S_OK RUNNING", "IsRollForwardSupported  S_OK RUNNING",
                                             "PreRestore DB S_OK STOPPED", "PostRestore DB S_OK STOPPED",
                                             "PreRestore Logs S_OK STOPPED", "PostRestore Logs S_OK RUNNING"};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(app.activations() == 2);
  BOOST_TEST(m.all_back());
}

// The process that answered a call is the one the add-in recorded with it in its call log; it is
// terminated through ProcessControl; a log without that call names what is missing.
BOOST_AUTO_TEST_CASE(kill_addin_after_terminates_the_process_the_call_log_names) {
  mock::FakeFileSystem files;
  mock::FakeProcessControl processes;
  const std::uint32_t first = processes.spawn(), second = processes.spawn();
  BOOST_REQUIRE(files.create_directories(logs_dir).ok());
  const std::string call_log = logs_dir + "\\addin.jsonl";
  std::string lines;
  CallLog(CallLog::Sink([&](const std::string& l) { lines += l + "\n"; }), first).record("PreRestore", {}, hr::ok);
  CallLog(CallLog::Sink([&](const std::string& l) { lines += l + "\n"; }), second).record("PreRestore", {}, hr::ok);
  CallLog(CallLog::Sink([&](const std::string& l) { lines += l + "\n"; }), first).record("PostRestore", {}, hr::ok);
  BOOST_REQUIRE(files.write_file(call_log, lines + "not json\n").ok());
  const std::string addin = "C:\\Program Files\\wsbkit\\WSBKIT-ADDIN.exe";
  const auto killed = kill_addin_after(files, processes, call_log, "PreRestore", addin);
  BOOST_REQUIRE(killed.ok());
  BOOST_TEST(*killed == second);  // the last PreRestore's process
  BOOST_TEST(!processes.alive(second));
  BOOST_TEST(processes.alive(first));
  const auto none = kill_addin_after(files, processes, call_log, "OrderComponents", addin);
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST(none.error().message().find("no OrderComponents call with a process id") != std::string::npos, none.error().message());
}

// An id that names another program by now (the add-in gone, its id given to another process) is
// left alone.
BOOST_AUTO_TEST_CASE(kill_addin_after_leaves_alone_a_process_that_is_not_the_add_in) {
  mock::FakeFileSystem files;
  mock::FakeProcessControl processes;
  const std::uint32_t other = processes.spawn("C:\\Windows\\notepad.exe");
  BOOST_REQUIRE(files.create_directories(logs_dir).ok());
  std::string lines;
  CallLog(CallLog::Sink([&](const std::string& l) { lines += l + "\n"; }), other).record("PreRestore", {}, hr::ok);
  BOOST_REQUIRE(files.write_file(logs_dir + "\\addin.jsonl", lines).ok());
  const auto killed = kill_addin_after(files, processes, logs_dir + "\\addin.jsonl", "PreRestore", "C:\\wsbkit\\wsbkit-addin.exe");
  BOOST_REQUIRE(!killed.ok());
  BOOST_TEST(killed.error().message().find("runs C:\\Windows\\notepad.exe, not the add-in") != std::string::npos, killed.error().message());
  BOOST_TEST(processes.alive(other));
}

BOOST_AUTO_TEST_SUITE_END()
