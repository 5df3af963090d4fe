#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "core/steps/event_ids.hpp"
#include "core/steps/output_text.hpp"
#include "core/steps/process_step.hpp"
#include "core/steps/retry.hpp"
#include "core/steps/run_log.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "platform/output_capture.hpp"
#include "platform/text.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

namespace {

const std::vector<FileAce> admin_only = mock::admin_only_dacl();
const std::vector<FileAce> users_may_write = mock::users_may_write_dacl();

// A pause that records what it was asked to wait and is interrupted at the chosen call.
struct ScriptedPause final : steps::Pause {
  std::vector<std::chrono::milliseconds> waits;
  int interrupt_at = 0;  // 0: never
  bool wait(std::chrono::milliseconds d) override {
    waits.push_back(d);
    return static_cast<int>(waits.size()) != interrupt_at;
  }
};

std::vector<long long> ms(const std::vector<std::chrono::milliseconds>& waits) {
  std::vector<long long> out;
  for (const auto w : waits) out.push_back(w.count());
  return out;
}

std::string utf16le(std::u16string_view text, bool bom) {
  std::string out = bom ? std::string("\xFF\xFE", 2) : std::string();
  for (const char16_t c : text) {
    out.push_back(static_cast<char>(c & 0xFF));
    out.push_back(static_cast<char>(c >> 8));
  }
  return out;
}

// One stream through the whole pipeline, as the runner would have captured it with `limit`.
std::string as_excerpt(const std::string& bytes, const std::vector<std::string>& secrets = {},
                       std::size_t limit = 256 * 1024) {
  OutputCapture capture(limit);
  capture.append(bytes);
  const std::string kept = capture.text();
  return steps::excerpt(steps::stream_text({kept, capture.bytes_cut(), limit}, secrets));
}

const std::string note_start = "\n[... ";

// The head and tail of an excerpt around its cut note ("" tail when nothing was cut).
std::pair<std::string, std::string> parts(const std::string& excerpt) {
  const auto at = excerpt.find(note_start);
  if (at == std::string::npos) return {excerpt, ""};
  const auto end = excerpt.find(" bytes cut ...]\n", at);
  BOOST_REQUIRE(end != std::string::npos);
  return {excerpt.substr(0, at), excerpt.substr(end + 16)};
}

struct Host {
  mock::FakeProcessRunner processes;
  mock::FakeFileSecurity security;
  mock::FakeEventLog events;
  steps::ProcessHost host() { return {&processes, &security, &events}; }
  Host() { security.set("C:\\Tools\\tool.exe", std::string(well_known_sid::administrators), admin_only); }
};

steps::ProcessStep tool_step(std::vector<std::int64_t> codes = {0}) {
  policy::RunCommand command;
  command.executable = "C:\\Tools\\tool.exe";
  command.arguments = {"--flush"};
  command.success_exit_codes = std::move(codes);
  return {"restore.pre[0]", command, 30s, {{"WSBKIT_STEP", "restore.pre[0]"}}, {}};
}

ProcessOutcome exited(std::uint32_t code, std::string out = "", std::string err = "") {
  ProcessOutcome o;
  o.exit_code = code;
  o.standard_output = std::move(out);
  o.standard_error = std::move(err);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(step_retries)

// Three retries of a step that always fails: four attempts, waiting 1 s, 2 s, 4 s on the clock.
BOOST_AUTO_TEST_CASE(failed_attempts_are_retried_with_a_doubling_delay) {
  mock::FakeClock clock;
  steps::ClockPause pause(clock);
  int calls = 0;
  const auto outcome = steps::retry_with_backoff({3, 1s}, pause, [&](int attempt) {
    BOOST_TEST(attempt == ++calls);
    return steps::AttemptResult::failed;
  });
  BOOST_TEST((outcome.end == steps::RetryEnd::failed));
  BOOST_TEST(outcome.attempts == 4);
  BOOST_TEST(ms(clock.sleeps()) == (std::vector<long long>{1000, 2000, 4000}), boost::test_tools::per_element());
}

// The first success ends the loop: no further attempt, no further wait.
BOOST_AUTO_TEST_CASE(the_first_success_ends_the_retries) {
  ScriptedPause pause;
  const auto outcome = steps::retry_with_backoff({5, 250ms}, pause, [&](int attempt) {
    return attempt == 2 ? steps::AttemptResult::succeeded : steps::AttemptResult::failed;
  });
  BOOST_TEST((outcome.end == steps::RetryEnd::succeeded));
  BOOST_TEST(outcome.attempts == 2);
  BOOST_TEST(ms(pause.waits) == (std::vector<long long>{250}), boost::test_tools::per_element());
}

// An Abort during the wait between two attempts ends the loop at once; an attempt that says
// stop (aborted) is not retried either.
BOOST_AUTO_TEST_CASE(an_interrupted_wait_or_a_stopping_attempt_ends_the_retries) {
  ScriptedPause pause;
  pause.interrupt_at = 2;
  int calls = 0;
  auto outcome = steps::retry_with_backoff({5, 10ms}, pause, [&](int) {
    ++calls;
    return steps::AttemptResult::failed;
  });
  BOOST_TEST((outcome.end == steps::RetryEnd::interrupted));
  BOOST_TEST(calls == 2);
  BOOST_TEST(ms(pause.waits) == (std::vector<long long>{10, 20}), boost::test_tools::per_element());

  ScriptedPause never;
  outcome = steps::retry_with_backoff({5, 10ms}, never, [&](int) { return steps::AttemptResult::stop; });
  BOOST_TEST((outcome.end == steps::RetryEnd::stopped));
  BOOST_TEST(outcome.attempts == 1);
  BOOST_TEST(never.waits.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(step_exit_codes)

// Windows exit codes are 32-bit: -1 and 4294967295 in a policy both accept exit code 0xFFFFFFFF.
BOOST_AUTO_TEST_CASE(minus_one_and_0xffffffff_name_the_same_exit_code) {
  BOOST_TEST(steps::exit_code_accepted({-1}, 0xFFFFFFFFu));
  BOOST_TEST(steps::exit_code_accepted({0xFFFFFFFFll}, 0xFFFFFFFFu));
  BOOST_TEST(!steps::exit_code_accepted({-1}, 0u));
  BOOST_TEST(!steps::exit_code_accepted({-1}, 1u));
}

// INT32_MIN accepts 0x80000000, and so does 2147483648; nothing else.
BOOST_AUTO_TEST_CASE(int32_min_accepts_0x80000000) {
  BOOST_TEST(steps::exit_code_accepted({INT32_MIN}, 0x80000000u));
  BOOST_TEST(steps::exit_code_accepted({2147483648ll}, 0x80000000u));
  BOOST_TEST(!steps::exit_code_accepted({INT32_MIN}, 0x7FFFFFFFu));
  BOOST_TEST(steps::exit_code_accepted({0, 3, -1073741819}, 0xC0000005u));  // STATUS_ACCESS_VIOLATION
}

// A value outside the 32-bit range (only code can build one: the policy refuses it) accepts
// nothing, not even the code it would wrap to.
BOOST_AUTO_TEST_CASE(a_value_outside_32_bits_accepts_nothing) {
  BOOST_TEST(!steps::exit_code_accepted({0x100000000ll}, 0u));
  BOOST_TEST(!steps::exit_code_accepted({-0x80000001ll}, 0x7FFFFFFFu));
}

// Large exit codes are spelled in hex too (NTSTATUS codes are read that way).
BOOST_AUTO_TEST_CASE(large_exit_codes_are_described_in_hex_too) {
  BOOST_TEST(steps::describe_exit_code(2) == "2");
  BOOST_TEST(steps::describe_exit_code(0xC0000005u) == "3221225477 (0xC0000005)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(step_output)

// A secret that straddles the excerpt's cut is redacted first: no part of it is left in view.
BOOST_AUTO_TEST_CASE(secrets_are_redacted_before_the_excerpt_is_cut) {
  for (std::size_t offset = steps::excerpt_head_bytes - 8; offset <= steps::excerpt_head_bytes + 1; ++offset) {
    const std::string out = std::string(offset, 'a') + "hunter2" + std::string(20000, 'b');
    const std::string text = as_excerpt(out, {"hunter2"});
    BOOST_TEST(text.find("hun") == std::string::npos, "offset " << offset << ": " << parts(text).first.substr(offset - 8));
    BOOST_TEST(text.find("ter2") == std::string::npos);
    BOOST_TEST(text.find(note_start) != std::string::npos);
  }
  // The tail cut too.
  const std::string out = std::string(20000, 'a') + "hunter2" + std::string(steps::excerpt_tail_bytes - 3, 'b');
  const std::string text = as_excerpt(out, {"hunter2"});
  BOOST_TEST(text.find("ter2") == std::string::npos);
  BOOST_TEST(text.find("er2") == std::string::npos);
}

// The process runner cut the stream (its own limit) through a secret: both halves are masked.
BOOST_AUTO_TEST_CASE(a_secret_the_runner_cut_in_two_is_masked_on_both_sides) {
  const std::size_t limit = 1000;  // the runner keeps 500 + 500 bytes
  const std::string out = std::string(497, 'a') + "hunter2" + std::string(5000, 'b') + "s3cr3t!" + std::string(497, 'c');
  OutputCapture capture(limit);
  capture.append(out);
  const std::string kept = capture.text();
  BOOST_REQUIRE(kept.find("hun") != std::string::npos);  // the runner left part of it in view
  const auto text = steps::stream_text({kept, capture.bytes_cut(), limit}, {"hunter2", "s3cr3t!"});
  BOOST_TEST(text.head.find("hun") == std::string::npos, text.head.substr(480));
  BOOST_TEST(text.tail.find("t!") == std::string::npos, text.tail.substr(0, 20));
  BOOST_TEST(text.cut == capture.bytes_cut());
  const std::string excerpt = steps::excerpt(text);
  BOOST_TEST(excerpt.find("[... " + std::to_string(capture.bytes_cut()) + " bytes cut ...]") != std::string::npos, excerpt);
}

// Longer secrets first, every occurrence, UTF-16 output included (after decoding).
BOOST_AUTO_TEST_CASE(every_occurrence_of_every_secret_is_redacted) {
  BOOST_TEST(steps::redact("pw=abc123 again abc123; short abc", {"abc", "abc123"}) == "pw=*** again ***; short ***");
  BOOST_TEST(steps::redact("nothing", {""}) == "nothing");
  const std::string wide = utf16le(u"login: hunter2 rejected\r\n", true);
  const std::string text = as_excerpt(wide, {"hunter2"});
  BOOST_TEST(text == "login: *** rejected\r\n");
}

// Whatever the bytes, the excerpt is valid UTF-8 and its cut falls between characters.
BOOST_AUTO_TEST_CASE(the_excerpt_is_valid_utf8_and_never_splits_a_character) {
  std::string invalid;
  for (int i = 0; i < 20000; ++i) invalid.push_back(static_cast<char>((i * 7919) % 256));
  std::string cp437;  // box drawing and accented letters of the OEM code page
  for (int i = 0; i < 9000; ++i) cp437.push_back(static_cast<char>(0x80 + i % 128));
  std::u16string german;
  for (int i = 0; i < 3000; ++i) german += u"Prüfung fehlgeschlagen: Größe ";
  std::string euros;  // 1 MiB of 3-byte characters, cut by the runner at 256 KiB
  while (euros.size() < (1u << 20)) euros += "\xE2\x82\xAC";
  std::string emoji;  // 4-byte characters, cut by the runner
  while (emoji.size() < 600000) emoji += "\xF0\x9F\x98\x80";
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"invalid UTF-8", invalid}, {"CP437", cp437}, {"UTF-16LE with BOM", utf16le(german, true)},
      {"UTF-16LE without BOM", utf16le(german, false)}, {"1 MiB of euro signs", euros}, {"emoji", emoji}};
  for (const auto& [name, bytes] : inputs) {
    const std::string text = as_excerpt(bytes);
    BOOST_TEST(is_valid_utf8(text), name);
    BOOST_TEST(text.size() <= steps::excerpt_head_bytes + steps::excerpt_tail_bytes + 40, name << ": " << text.size());
    const auto [head, tail] = parts(text);
    BOOST_TEST(!tail.empty(), name);
    BOOST_TEST(head.size() + 3 >= steps::excerpt_head_bytes, name);
    BOOST_TEST(tail.size() + 3 >= steps::excerpt_tail_bytes, name);
  }
  // Whole characters only: each kept part is a run of the same character.
  const auto [head, tail] = parts(as_excerpt(euros));
  BOOST_TEST(head.size() % 3 == 0u);
  BOOST_TEST(tail.size() % 3 == 0u);
  BOOST_TEST(head == euros.substr(0, head.size()));
  // UTF-16 is shown as the text it is.
  BOOST_TEST(as_excerpt(utf16le(german, false)).rfind("Prüfung fehlgeschlagen", 0) == 0u);
  // Short output is kept whole.
  BOOST_TEST(as_excerpt("done\n") == "done\n");
}

// Detection of UTF-16LE: a BOM, or NULs in the odd positions only.
BOOST_AUTO_TEST_CASE(utf16le_is_recognised_by_its_bom_or_its_nuls) {
  BOOST_TEST(steps::looks_like_utf16le(utf16le(u"ok", false)));
  BOOST_TEST(steps::looks_like_utf16le(std::string("\xFF\xFE", 2)));
  BOOST_TEST(!steps::looks_like_utf16le("plain text"));
  BOOST_TEST(!steps::looks_like_utf16le(std::string("a\0\0b", 4)));
}

// The last words of a stream: one line from its end, blanks trimmed.
BOOST_AUTO_TEST_CASE(last_words_are_one_line_from_the_end) {
  steps::StreamText text;
  text.head = "starting\r\nchecking page 17\r\n\tchecksum   wrong\r\n\r\n";
  BOOST_TEST(steps::last_words(text) == "starting | checking page 17 | checksum wrong");
  text.head = std::string(1000, 'x') + "\xE2\x82\xAC" + "end";
  const std::string words = steps::last_words(text, 5);
  BOOST_TEST(words == "...end");
  text.head = " \n ";
  BOOST_TEST(steps::last_words(text).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(step_run_log)

// Any strings, numbers at their limits, null and booleans: each line is one JSON object that
// parses back to the same values.
BOOST_AUTO_TEST_CASE(a_line_is_json_whatever_its_strings_hold) {
  steps::JsonLine line;
  line.text("quote", "say \"hi\"\\ \n\t\x01 done")
      .text("accents", "Größe €")
      .number("min", INT64_MIN)
      .number("max", UINT64_MAX)
      .number("exit_code", 0xFFFFFFFFu)
      .boolean("timed_out", true)
      .text_or_null("component", std::nullopt)
      .null("nothing");
  const auto parsed = nlohmann::json::parse(line.str());
  BOOST_TEST(parsed["quote"].get<std::string>() == "say \"hi\"\\ \n\t\x01 done");
  BOOST_TEST(parsed["accents"].get<std::string>() == "Größe €");
  BOOST_TEST(parsed["min"].get<std::int64_t>() == INT64_MIN);
  BOOST_TEST(parsed["max"].get<std::uint64_t>() == UINT64_MAX);
  BOOST_TEST(parsed["exit_code"].get<std::uint64_t>() == 0xFFFFFFFFu);
  BOOST_TEST(parsed["timed_out"].get<bool>());
  BOOST_TEST(parsed["component"].is_null());
  BOOST_TEST(parsed["nothing"].is_null());
  BOOST_TEST(line.str().find('\n') == std::string::npos);
  // Bytes that are not UTF-8 never make building a line throw.
  BOOST_CHECK_NO_THROW(steps::JsonLine().text("raw", std::string("\xFF\xFE\x80\xED\xA0\x80", 6)).str());
}

// The log creates its folder, appends one line per record, and returns a failed write (the
// next one tries again).
BOOST_AUTO_TEST_CASE(the_run_log_creates_its_folder_and_returns_failed_writes) {
  mock::FakeFileSystem files;
  steps::RunLog log(files, "C:\\ProgramData\\wsbkit\\logs", "restore-1.jsonl");
  BOOST_REQUIRE(log.append(steps::JsonLine().text("a", "1")).ok());
  files.fail_when([](const mock::FileSystemCall& c) { return c.operation == mock::FileSystemOperation::append_file; }, 112);
  const auto failed = log.append(steps::JsonLine().text("a", "2"));
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().win32_code() == 112u);
  files.clear_faults();
  BOOST_REQUIRE(log.append(steps::JsonLine().text("a", "3")).ok());
  BOOST_TEST(files.read_file(log.path()).value() == "{\"a\":\"1\"}\n{\"a\":\"3\"}\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(process_steps)

// A listed exit code passes, -1 included for 0xFFFFFFFF; the request carries argv, timeout and context.
BOOST_AUTO_TEST_CASE(a_listed_exit_code_passes_and_another_fails_with_the_last_words) {
  Host h;
  h.processes.expect("tool.exe", exited(0xFFFFFFFFu));
  h.processes.expect("tool.exe", exited(2, "working\n", "page 17: checksum wrong\n"));
  auto passed = steps::run_process_step(h.host(), tool_step({0, -1}));
  BOOST_REQUIRE(passed.ok());
  BOOST_TEST(passed->passed());
  BOOST_TEST(passed->reason.empty());
  const auto requests = h.processes.requests();
  BOOST_TEST(requests[0].arguments == std::vector<std::string>{"--flush"});
  BOOST_TEST(requests[0].timeout.count() == 30000);
  BOOST_TEST(requests[0].environment_additions.at(0).second == "restore.pre[0]");
  auto failed = steps::run_process_step(h.host(), tool_step({0, -1}));
  BOOST_REQUIRE(failed.ok());
  BOOST_TEST((failed->verdict == steps::ProcessVerdict::failed));
  BOOST_TEST(failed->reason == "exited with 2: page 17: checksum wrong");
  BOOST_TEST(failed->output() == "working\n[stderr]\npage 17: checksum wrong\n");
}

// A timeout and a cancellation are outcomes (the tree was killed), not errors.
BOOST_AUTO_TEST_CASE(timed_out_and_cancelled_processes_are_outcomes) {
  Host h;
  ProcessOutcome hung = exited(process_exit_code::timed_out, "still waiting");
  hung.timed_out = true;
  h.processes.expect("tool.exe", hung);
  auto timed_out = steps::run_process_step(h.host(), tool_step());
  BOOST_REQUIRE(timed_out.ok());
  BOOST_TEST((timed_out->verdict == steps::ProcessVerdict::timed_out));
  BOOST_TEST(timed_out->reason == "did not finish within 30s; it was killed with its child processes (last output: still waiting)");
  auto step = tool_step();
  step.cancelled = [] { return true; };
  auto cancelled = steps::run_process_step(h.host(), step);
  BOOST_REQUIRE(cancelled.ok());
  BOOST_TEST((cancelled->verdict == steps::ProcessVerdict::cancelled));
}

// An executable Users may replace is never started: ERROR_ACCESS_DENIED and event 18 naming the
// step and the writer.
BOOST_AUTO_TEST_CASE(an_untrusted_executable_is_refused_with_event_18) {
  Host h;
  h.security.set("C:\\Tools\\tool.exe", std::string(well_known_sid::administrators), users_may_write);
  auto refused = steps::run_process_step(h.host(), tool_step());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().is_win32(win32_error::access_denied));
  BOOST_TEST(h.processes.requests().empty());
  const auto events = h.events.entries();
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].event_id == event_id::step_refused_insecure);
  BOOST_TEST(events[0].message.find("restore.pre[0]") != std::string::npos, events[0].message);
  BOOST_TEST(events[0].message.find("S-1-5-32-545") != std::string::npos, events[0].message);
  // A missing executable cannot be checked: refused too (never trusted on missing information).
  h.security.remove("C:\\Tools\\tool.exe");
  BOOST_TEST(!steps::run_process_step(h.host(), tool_step()).ok());
  BOOST_TEST(h.processes.requests().empty());
}

// A batch file, a UNC executable and a working directory Users may add files to are refused
// before anything starts (event 18 each; before, all three ran).
BOOST_AUTO_TEST_CASE(batch_unc_and_open_working_directory_are_refused_before_starting) {
  Host h;
  h.security.set("C:\\Tools\\flush.CMD", std::string(well_known_sid::administrators), admin_only);
  h.security.set("\\\\srv\\share\\tool.exe", std::string(well_known_sid::administrators), admin_only);
  h.security.set("C:\\Work", std::string(well_known_sid::administrators), users_may_write);
  auto batch = tool_step();
  batch.command.executable = "C:\\Tools\\flush.CMD. ";
  auto unc = tool_step();
  unc.command.executable = "\\\\srv\\share\\tool.exe";
  auto in_work = tool_step();
  in_work.command.working_directory = "C:\\Work";
  for (const auto& step : {batch, unc, in_work}) {
    auto refused = steps::run_process_step(h.host(), step);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().is_win32(win32_error::access_denied), refused.error().message());
  }
  BOOST_TEST(h.processes.requests().empty());
  const auto events = h.events.entries();
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  BOOST_TEST(events[0].message.find("cmd.exe") != std::string::npos, events[0].message);
  BOOST_TEST(events[1].message.find("UNC") != std::string::npos, events[1].message);
  BOOST_TEST(events[2].message.find("C:\\Work") != std::string::npos, events[2].message);
}

// A trusted step runs from the held file: the request carries the held image and its final path
// (a link on the written path resolved), the working directory is held during the run, and both are
// released after it.
BOOST_AUTO_TEST_CASE(a_trusted_step_runs_from_the_held_image_and_directory) {
  Host h;
  h.security.set("C:\\Work", std::string(well_known_sid::administrators), admin_only);
  h.security.set_reparse_point("C:\\Link", std::string(well_known_sid::administrators), admin_only, "C:\\Tools");
  h.processes.set_image_resolver([&](const std::string& path) { return h.security.identity_of(path); });
  int held_during_run = -1;
  h.processes.expect(
      [&](const ProcessRequest& r) {
        held_during_run = h.security.holds("C:\\Tools\\tool.exe") + h.security.holds("C:\\Work");
        return r.image != nullptr && r.executable == "C:\\Tools\\tool.exe" && r.working_directory == "C:\\Work";
      },
      exited(0));
  auto step = tool_step();
  step.command.executable = "C:\\Link\\tool.exe";
  step.command.working_directory = "C:\\Work";
  auto ran = steps::run_process_step(h.host(), step);
  BOOST_REQUIRE_MESSAGE(ran.ok(), (ran.ok() ? "" : ran.error().message()));
  BOOST_TEST(ran->passed());
  BOOST_TEST(held_during_run == 2);
  BOOST_TEST(h.security.holds("C:\\Tools\\tool.exe") == 0);
}

// The runner refuses a request whose held image is not the file the path names at start (a swap
// between check and use): nothing runs, ERROR_ACCESS_DENIED.
BOOST_AUTO_TEST_CASE(a_file_swapped_after_the_check_is_not_run) {
  Host h;
  h.security.set("C:\\Tools\\evil.exe", std::string(well_known_sid::administrators), admin_only);
  h.processes.set_image_resolver([&](const std::string& path) { return h.security.identity_of(path); });
  h.processes.always("tool.exe", exited(0));
  auto held = h.security.open_checked("C:\\Tools\\evil.exe", FileRole::executable);
  BOOST_REQUIRE(held.ok());
  ProcessRequest request;
  request.executable = "C:\\Tools\\tool.exe";  // not what was checked and held
  request.image = held->get();
  auto ran = h.processes.run(request);
  BOOST_REQUIRE(!ran.ok());
  BOOST_TEST(ran.error().is_win32(win32_error::access_denied));
}

// The refusal still fails the step when the event log refuses the report; the message says so.
BOOST_AUTO_TEST_CASE(a_refusal_the_event_log_did_not_take_says_so) {
  Host h;
  h.security.set("C:\\Tools\\tool.exe", std::string(well_known_sid::administrators), users_may_write);
  h.events.fail_at_call(1);
  auto refused = steps::run_process_step(h.host(), tool_step());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message().find("the event log did not take this report") != std::string::npos,
             refused.error().message());
}

// No process runner (or one that cannot start the file): the step's error.
BOOST_AUTO_TEST_CASE(a_step_that_cannot_start_is_an_error) {
  Host h;
  steps::ProcessHost none{nullptr, &h.security, &h.events};
  auto no_runner = steps::run_process_step(none, tool_step());
  BOOST_REQUIRE(!no_runner.ok());
  BOOST_TEST(no_runner.error().hresult_code() == hr::e_notimpl);
  h.processes.expect_start_failure("tool.exe", win32_error::file_not_found);
  auto missing = steps::run_process_step(h.host(), tool_step());
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().is_win32(win32_error::file_not_found));
}

BOOST_AUTO_TEST_SUITE_END()
