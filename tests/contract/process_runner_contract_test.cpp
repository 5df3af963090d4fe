// Process runner contract, with real children: the Win32 runner under Wine runs the helper EXE
// (tests/contract/win32/process_helper.cpp), whose path comes after "--". The source is portable;
// the only backend is Win32 (the fake runner is scripted, see unit_process_support).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "platform/text.hpp"
#include "tests/contract/contract_support.hpp"
#include "tests/contract/facility_backends.hpp"
#include "tests/platform/win32/random_argv.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Runner {
  ProcessRunnerBackend backend = make_process_runner_backend(boost::unit_test::framework::master_test_suite().argc,
                                                             boost::unit_test::framework::master_test_suite().argv);
  ProcessRunner& runner = *backend.runner;

  Runner() { BOOST_TEST_MESSAGE("process backend: " << backend.name << ", helper " << backend.helper); }

  ProcessRequest helper(std::vector<std::string> arguments) const {
    ProcessRequest request;
    request.executable = backend.helper;
    request.arguments = std::move(arguments);
    request.timeout = 20s;
    return request;
  }

  // The helper's `alive PID`: 0 while the process runs, 1 once it is gone.
  std::uint32_t alive(const std::string& pid) {
    return runner.run(helper({"alive", pid})).value().exit_code;
  }
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The PID in the helper's "grandchild <pid>" line, or "".
std::string grandchild_pid(const std::string& output) {
  const std::size_t at = output.find("grandchild ");
  if (at == std::string::npos) return {};
  std::string pid;
  for (std::size_t i = at + 11; i < output.size() && output[i] >= '0' && output[i] <= '9'; ++i) pid.push_back(output[i]);
  return pid;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(process_runner_contract, Runner)

// Hard arguments (quotes, backslash runs, blanks, empty, unicode) reach the child's argv exactly.
BOOST_AUTO_TEST_CASE(arguments_reach_the_child_exactly) {
  const std::vector<std::string> arguments = {
      "plain", "", " ", "a b", "tab\there", "\"", "\\\"", "a\\\\\"b", "trailing\\", "trail space\\\\",
      "C:\\Program Files\\x", "\xC3\xA9t\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80", "%PATH%", "^&|<>", "new\nline"};
  std::vector<std::string> request_args{"args"};
  request_args.insert(request_args.end(), arguments.begin(), arguments.end());
  const auto outcome = runner.run(helper(request_args)).value();
  BOOST_TEST(outcome.exit_code == 0u);
  std::vector<std::string> got;
  for (const std::string& line : lines(outcome.standard_output)) got.push_back(unhex(line));
  BOOST_TEST(got == arguments, boost::test_tools::per_element());
}

// Random argv (seeded) in a few real runs: the child's CRT gives back every string.
BOOST_AUTO_TEST_CASE(random_arguments_round_trip_through_real_children) {
  testing::RandomArgv random(4242);
  int strings = 0;
  for (int run = 0; run < 12; ++run) {
    std::vector<std::string> arguments;
    for (int i = 0; i < 60; ++i) arguments.push_back(random.argument());
    std::vector<std::string> request_args{"args"};
    request_args.insert(request_args.end(), arguments.begin(), arguments.end());
    const auto outcome = runner.run(helper(request_args)).value();
    std::vector<std::string> got;
    for (const std::string& line : lines(outcome.standard_output)) got.push_back(unhex(line));
    BOOST_TEST(got == arguments, "run " << run);
    strings += static_cast<int>(arguments.size());
  }
  BOOST_TEST_MESSAGE(strings << " random arguments round-tripped through real child processes");
}

// Additions arrive, replace a variable of the same name whatever its case, and the rest is inherited.
BOOST_AUTO_TEST_CASE(environment_additions_arrive_and_the_rest_is_inherited) {
  auto request = helper({"env", "WSBKIT_COMPONENT", "TEMP", "PATH", "WSBKIT_NOT_SET"});
  request.environment_additions = {{"WSBKIT_COMPONENT", "Ledger \xC3\xA9 = x"}, {"temp", "C:\\elsewhere"}};
  const auto got = lines(runner.run(request).value().standard_output);
  BOOST_REQUIRE(got.size() == 4u);
  BOOST_TEST(got[0] == "WSBKIT_COMPONENT=Ledger \xC3\xA9 = x");
  BOOST_TEST(got[1] == "TEMP=C:\\elsewhere");
  BOOST_TEST(got[2].rfind("PATH=", 0) == 0u);
  BOOST_TEST(got[2].size() > 5u);
  BOOST_TEST(got[3] == "WSBKIT_NOT_SET unset");
}

// Invalid environment names are refused before anything runs (ERROR_INVALID_PARAMETER).
BOOST_AUTO_TEST_CASE(invalid_environment_name_is_refused) {
  auto request = helper({"exit", "0"});
  request.environment_additions = {{"A=B", "x"}};
  BOOST_TEST(code_of(runner.run(request)) == 87u);
}

// The child's exit code comes back as it is; neither flag is set.
BOOST_AUTO_TEST_CASE(exit_code_is_returned) {
  const auto outcome = runner.run(helper({"exit", "42"})).value();
  BOOST_TEST(outcome.exit_code == 42u);
  BOOST_TEST(!outcome.timed_out);
  BOOST_TEST(!outcome.cancelled);
  const auto big = runner.run(helper({"exit", "3221225477"})).value();  // 0xC0000005, as a crash reports it
  BOOST_TEST(big.exit_code == 3221225477u);
}

// stdout and stderr are captured separately and completely under the limit.
BOOST_AUTO_TEST_CASE(stdout_and_stderr_are_captured_separately) {
  const auto out = runner.run(helper({"out", "100"})).value();
  BOOST_TEST(out.standard_output.size() == 100u);
  BOOST_TEST(out.standard_output.substr(0, 5) == "abcde");
  BOOST_TEST(out.standard_error.empty());
  const auto err = runner.run(helper({"err", "70000"})).value();  // more than one pipe buffer
  BOOST_TEST(err.standard_error.size() == 70000u);
  BOOST_TEST(err.standard_output.empty());
  BOOST_TEST(err.standard_error_bytes_cut == 0u);
}

// Output beyond output_limit keeps its first and last halves, notes and counts what was cut.
BOOST_AUTO_TEST_CASE(output_beyond_the_limit_is_cut_with_a_note) {
  auto request = helper({"out", "1000000"});
  request.output_limit = 1000;
  const auto outcome = runner.run(request).value();
  BOOST_TEST(outcome.exit_code == 0u);
  BOOST_TEST(outcome.standard_output_bytes_cut == 999000u);
  BOOST_TEST(outcome.standard_output.find("[... 999000 bytes cut ...]") != std::string::npos);
  BOOST_TEST(outcome.standard_output.substr(0, 26) == "abcdefghijklmnopqrstuvwxyz");
  BOOST_TEST(outcome.standard_output.size() < 1100u);
}

// stdin gets standard_input then end-of-file; without it stdin is NUL (immediate end-of-file).
BOOST_AUTO_TEST_CASE(standard_input_is_fed_or_nul) {
  auto request = helper({"stdin"});
  request.standard_input = std::string(100000, 'x') + "end";
  const auto fed = runner.run(request).value();
  BOOST_TEST(fed.standard_output.size() == 100003u);
  BOOST_TEST(fed.standard_output.substr(fed.standard_output.size() - 3) == "end");
  auto empty = helper({"stdin"});
  empty.timeout = 5s;
  const auto nul = runner.run(empty).value();
  BOOST_TEST(!nul.timed_out);
  BOOST_TEST(nul.standard_output.empty());
}

// The child starts in the working directory asked for.
BOOST_AUTO_TEST_CASE(working_directory_is_used) {
  auto request = helper({"cwd"});
  request.working_directory = backend.temp_directory;
  std::string got = runner.run(request).value().standard_output;
  std::string want = backend.temp_directory;
  while (!got.empty() && (got.back() == '\\' || got.back() == '/')) got.pop_back();
  while (!want.empty() && (want.back() == '\\' || want.back() == '/')) want.pop_back();
  BOOST_TEST(iequals(got, want), got << " vs " << want);
}

// A missing executable is an error: ERROR_FILE_NOT_FOUND, naming CreateProcessW; a missing folder
// in its path is ERROR_PATH_NOT_FOUND.
BOOST_AUTO_TEST_CASE(missing_executable_is_file_not_found) {
  const std::string folder = std::filesystem::path(backend.helper).parent_path().string();
  ProcessRequest request;
  request.executable = folder + "\\wsbkit-no-such-program.exe";
  const auto result = runner.run(request);
  BOOST_TEST(code_of(result) == 2u);
  if (!result) BOOST_TEST(result.error().api() == "CreateProcessW");
  request.executable = folder + "\\no-such-folder\\x.exe";
  BOOST_TEST(code_of(runner.run(request)) == 3u);
}

// A timeout kills the child AND the grandchild it started: timed_out, exit code ERROR_TIMEOUT,
// the output so far kept, the grandchild's PID gone afterwards.
BOOST_AUTO_TEST_CASE(timeout_kills_the_whole_tree) {
  auto request = helper({"spawn-sleeper", "60000"});
  request.timeout = 1500ms;
  const auto started = Clock::now();
  const auto outcome = runner.run(request).value();
  const auto took = Clock::now() - started;
  BOOST_TEST(outcome.timed_out);
  BOOST_TEST(!outcome.cancelled);
  BOOST_TEST(outcome.exit_code == process_exit_code::timed_out);
  BOOST_TEST(outcome.elapsed >= 1500ms);
  BOOST_TEST((took < 10s));
  const std::string pid = grandchild_pid(outcome.standard_output);
  BOOST_REQUIRE_MESSAGE(!pid.empty(), "no grandchild line in: " << outcome.standard_output);
  BOOST_TEST(alive(pid) == 1u, "grandchild " << pid << " still runs");
}

// Cancelling a running tree: its grandchild is seen alive while it runs (so the check can fail),
// is gone afterwards, and run() returns within 100 ms of the cancellation being raised.
BOOST_AUTO_TEST_CASE(cancellation_kills_the_tree_within_100_ms) {
  const std::string pid_file = backend.temp_directory + "\\wsbkit-grandchild-" + unique_suffix() + ".txt";
  auto request = helper({"spawn-sleeper", "60000", pid_file});
  request.timeout = 60s;
  std::atomic<bool> cancel{false};
  request.cancelled = [&] { return cancel.load(); };
  std::optional<Result<ProcessOutcome>> result;
  Clock::time_point returned;
  std::thread tree([&] {
    result = runner.run(request);
    returned = Clock::now();
  });

  std::string pid;  // the helper writes its grandchild's PID to the file once it is started
  for (const auto give_up = Clock::now() + 10s; pid.empty() && Clock::now() < give_up;) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in(pid_file);
    std::getline(in, pid);
  }
  const std::uint32_t alive_while_running = pid.empty() ? 99u : alive(pid);
  std::this_thread::sleep_for(200ms);
  const auto raised = Clock::now();
  cancel = true;
  tree.join();
  std::filesystem::remove(pid_file);

  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(returned - raised);
  BOOST_TEST_MESSAGE("cancellation latency: " << latency.count() / 1000.0 << " ms");
  BOOST_REQUIRE_MESSAGE(!pid.empty(), "the helper never wrote " << pid_file);
  BOOST_TEST(alive_while_running == 0u, "grandchild " << pid << " not seen alive while its tree ran");
  BOOST_REQUIRE(result.has_value());
  const ProcessOutcome outcome = result->value();
  BOOST_TEST(outcome.cancelled);
  BOOST_TEST(!outcome.timed_out);
  BOOST_TEST(outcome.exit_code == process_exit_code::cancelled);
  BOOST_TEST((latency < 100ms));
  BOOST_TEST(grandchild_pid(outcome.standard_output) == pid);
  BOOST_TEST(alive(pid) == 1u, "grandchild " << pid << " still runs after the cancellation");
}

// Concurrent runs do not hold each other's pipes: a short run finishes while a long one sleeps.
BOOST_AUTO_TEST_CASE(concurrent_runs_do_not_leak_pipes_to_each_other) {
  auto long_request = helper({"sleep", "60000"});
  std::atomic<bool> stop{false};
  long_request.cancelled = [&] { return stop.load(); };
  std::thread long_run([&] { (void)runner.run(long_request); });
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 5; ++i) {
    const auto started = Clock::now();
    const auto outcome = runner.run(helper({"out", "10"})).value();
    BOOST_TEST(outcome.standard_output == "abcdefghij");
    BOOST_TEST((Clock::now() - started < 5s), "run " << i << " waited for the sleeping child");
  }
  stop = true;
  long_run.join();
}

// A request cancelled before it starts runs nothing.
BOOST_AUTO_TEST_CASE(already_cancelled_request_runs_nothing) {
  auto request = helper({"sleep", "60000"});
  request.cancelled = [] { return true; };
  const auto started = Clock::now();
  const auto outcome = runner.run(request).value();
  BOOST_TEST(outcome.cancelled);
  BOOST_TEST((Clock::now() - started < 1s));
}

// A request carrying its held executable (ProcessRequest::image) runs it; a held file that is not
// the image the OS starts (a batch file, which CreateProcessW hands to cmd.exe) is killed before
// its first instruction: ERROR_ACCESS_DENIED, and the batch never ran.
BOOST_AUTO_TEST_CASE(the_started_image_must_be_the_held_file) {
  FileSecurityBackend files = make_file_security_backend();
  auto held = files.security->open_checked(backend.helper, FileRole::executable);
  BOOST_REQUIRE_MESSAGE(held.ok(), (held.ok() ? "" : held.error().message()));
  auto request = helper({"exit", "7"});
  request.image = held->get();
  auto ran = runner.run(request);
  BOOST_REQUIRE_MESSAGE(ran.ok(), (ran.ok() ? "" : ran.error().message()));
  BOOST_TEST(ran->exit_code == 7u);

  const std::string batch = files.root + "\\run.cmd";
  const std::string marker = files.root + "\\ran.txt";
  BOOST_REQUIRE(files.create(batch, false));
  BOOST_REQUIRE(files.write(batch, "@echo ran> \"" + marker + "\"\r\n"));
  auto held_batch = files.security->open_checked(batch, FileRole::data);  // as data: the path rule allows it
  BOOST_REQUIRE(held_batch.ok());
  ProcessRequest through_cmd;
  through_cmd.executable = batch;
  through_cmd.image = held_batch->get();
  through_cmd.timeout = 20s;
  auto refused = runner.run(through_cmd);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().is_win32(5u), refused.error().message());
  BOOST_TEST(refused.error().message().find("cmd.exe") != std::string::npos, refused.error().message());
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(!std::filesystem::exists(marker));
  held_batch->reset();
  files.remove(batch);
  files.remove(marker);
  files.remove(files.root);
}

BOOST_AUTO_TEST_SUITE_END()
