// The portable pieces of running a process: Windows command-line quoting, the environment block,
// the bounded output capture, and the fake runner's cancellation. Known examples here; the
// quoting is also proven against the real CommandLineToArgvW in command_line_win32_test.cpp.
#include <boost/test/unit_test.hpp>

#include "mock/fake_process_runner.hpp"
#include "platform/command_line.hpp"
#include "platform/output_capture.hpp"

using namespace wsbkit;
using Strings = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(command_line)

// Plain arguments are written as they are, backslashes included.
BOOST_AUTO_TEST_CASE(plain_arguments_are_not_quoted) {
  BOOST_TEST(quote_windows_argument("abc") == "abc");
  BOOST_TEST(quote_windows_argument("a\\b") == "a\\b");
  BOOST_TEST(quote_windows_argument("a\\") == "a\\");  // unquoted: a trailing backslash is literal
  BOOST_TEST(quote_windows_argument("\\\\server\\share\\") == "\\\\server\\share\\");
  BOOST_TEST(quote_windows_argument("--opt=1") == "--opt=1");
}

// Empty arguments and arguments with a space, tab, newline or quote are quoted.
BOOST_AUTO_TEST_CASE(empty_and_blank_arguments_are_quoted) {
  BOOST_TEST(quote_windows_argument("") == "\"\"");
  BOOST_TEST(quote_windows_argument("a b") == "\"a b\"");
  BOOST_TEST(quote_windows_argument("a\tb") == "\"a\tb\"");
  BOOST_TEST(quote_windows_argument("a\nb") == "\"a\nb\"");
  BOOST_TEST(quote_windows_argument(" ") == "\" \"");
}

// Inside quotes a quote becomes \" and only the backslashes before a quote are doubled.
BOOST_AUTO_TEST_CASE(quotes_are_escaped_and_backslashes_doubled_only_before_quotes) {
  BOOST_TEST(quote_windows_argument("\"") == R"("\"")");
  BOOST_TEST(quote_windows_argument("a\"b") == R"("a\"b")");
  BOOST_TEST(quote_windows_argument("a\\\"b") == R"("a\\\"b")");        // a\"b  ->  "a\\\"b"
  BOOST_TEST(quote_windows_argument("a\\\\\"b") == R"("a\\\\\"b")");    // a\\"b ->  "a\\\\\"b"
  BOOST_TEST(quote_windows_argument("C:\\a b\\c") == R"("C:\a b\c")");   // literal in the middle
  BOOST_TEST(quote_windows_argument("C:\\a b\\") == R"("C:\a b\\")");    // doubled before the closing quote
  BOOST_TEST(quote_windows_argument("x \\\\") == R"("x \\\\")");
}

// UTF-8 bytes pass through untouched (every special character is ASCII).
BOOST_AUTO_TEST_CASE(unicode_passes_through) {
  const std::string s = "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80";
  BOOST_TEST(quote_windows_argument(s) == "\"" + s + "\"");
}

// argv[0] is always quoted and never escaped (the program-name rule); arguments follow, one space apart.
BOOST_AUTO_TEST_CASE(command_line_quotes_the_program_by_its_own_rule) {
  BOOST_TEST(build_windows_command_line({"C:\\t.exe"}) == R"("C:\t.exe")");
  BOOST_TEST(build_windows_command_line({"C:\\Program Files\\t.exe", "a", "", "b c", "d\""}) ==
             R"("C:\Program Files\t.exe" a "" "b c" "d\"")");
  BOOST_TEST(build_windows_command_line({"C:\\dir\\"}) == R"("C:\dir\")");  // no doubling for argv[0]
  BOOST_TEST(build_windows_command_line({}).empty());
}

// The portable parser undoes the quoting, and reads raw lines as CommandLineToArgvW does (proven
// against it under Wine): argv[0] by its own rule, quote runs where every third quote is literal.
BOOST_AUTO_TEST_CASE(split_reads_lines_as_CommandLineToArgvW_does) {
  const Strings argv{"C:\\Program Files\\t.exe", "a", "", "b c", "d\"", "e\\", "f g\\", "\\\"", "\t"};
  BOOST_TEST(split_windows_command_line(build_windows_command_line(argv)) == argv, boost::test_tools::per_element());
  BOOST_TEST(split_windows_command_line(R"(C:\a\b.exe x)") == (Strings{"C:\\a\\b.exe", "x"}), boost::test_tools::per_element());
  BOOST_TEST(split_windows_command_line(R"("C:\dir\" a\\b "c\\" d\\\"e)") == (Strings{"C:\\dir\\", "a\\\\b", "c\\", "d\\\"e"}),
             boost::test_tools::per_element());
  // Three quotes in a row give one literal quote and leave the quoted part: "a""b ends unquoted.
  BOOST_TEST(split_windows_command_line(R"(p x"""y "a""b c """)") == (Strings{"p", "x\"y", "a\"b", "c", "\""}),
             boost::test_tools::per_element());
  BOOST_TEST(split_windows_command_line(" \t a") == (Strings{"", "a"}), boost::test_tools::per_element());
  BOOST_TEST(split_windows_command_line(R"(p "unclosed \)") == (Strings{"p", "unclosed \\"}), boost::test_tools::per_element());
  BOOST_TEST(split_windows_command_line("").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment_block)

// An addition replaces the entry of the same name whatever its case, and takes its own spelling.
BOOST_AUTO_TEST_CASE(additions_replace_case_insensitively) {
  const Strings merged = merge_windows_environment({"Path=C:\\w", "TEMP=C:\\t"}, {{"PATH", "D:\\x"}, {"NEW", "1"}});
  BOOST_TEST(merged == (Strings{"NEW=1", "PATH=D:\\x", "TEMP=C:\\t"}), boost::test_tools::per_element());
}

// The block is sorted by upper-cased name: hidden "=C:" entries first, '_' after the letters.
BOOST_AUTO_TEST_CASE(block_is_sorted_case_insensitively) {
  const Strings merged = merge_windows_environment({"b=1", "_x=3", "=C:=C:\\w", "A=2", "a2=4"}, {});
  BOOST_TEST(merged == (Strings{"=C:=C:\\w", "A=2", "a2=4", "b=1", "_x=3"}), boost::test_tools::per_element());
}

// Of two additions with the same name the later wins; values may contain '='.
BOOST_AUTO_TEST_CASE(later_addition_wins_and_values_keep_equals_signs) {
  const Strings merged = merge_windows_environment({}, {{"X", "1"}, {"x", "a=b"}});
  BOOST_TEST(merged == (Strings{"x=a=b"}), boost::test_tools::per_element());
}

// Names must be non-empty and free of '=' and NUL.
BOOST_AUTO_TEST_CASE(environment_names_are_validated) {
  BOOST_TEST(valid_environment_name("WSBKIT_COMPONENT"));
  BOOST_TEST(!valid_environment_name(""));
  BOOST_TEST(!valid_environment_name("A=B"));
  BOOST_TEST(!valid_environment_name(std::string("A\0B", 3)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output_capture)

// Output under the limit is kept whole, nothing counted as cut.
BOOST_AUTO_TEST_CASE(short_output_is_kept_whole) {
  OutputCapture capture(16);
  capture.append("hello ");
  capture.append("world");
  BOOST_TEST(capture.text() == "hello world");
  BOOST_TEST(capture.bytes_cut() == 0u);
}

// Over the limit: the first and last halves stay, the middle becomes one note with its size.
BOOST_AUTO_TEST_CASE(long_output_keeps_head_and_tail_with_a_note) {
  OutputCapture capture(10);
  std::string all;
  for (int i = 0; i < 100; ++i) all.push_back(static_cast<char>('a' + i % 26));
  for (std::size_t at = 0; at < all.size(); at += 7) capture.append(std::string_view(all).substr(at, 7));
  BOOST_TEST(capture.bytes_seen() == 100u);
  BOOST_TEST(capture.bytes_cut() == 90u);
  BOOST_TEST(capture.text() == all.substr(0, 5) + "\n[... 90 bytes cut ...]\n" + all.substr(95));
}

// One byte over the limit is still reported as cut.
BOOST_AUTO_TEST_CASE(one_byte_over_the_limit_is_reported) {
  OutputCapture capture(4);
  capture.append("12345");
  BOOST_TEST(capture.bytes_cut() == 1u);
  BOOST_TEST(capture.text() == "12\n[... 1 bytes cut ...]\n45");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_process_runner_cancellation)

// A request already cancelled yields a cancelled outcome and leaves the script for the next run.
BOOST_AUTO_TEST_CASE(cancelled_request_does_not_use_a_script) {
  mock::FakeProcessRunner runner;
  runner.expect("tool.exe", ProcessOutcome{0, "ran", "", false, {}});
  ProcessRequest request;
  request.executable = "C:\\t\\tool.exe";
  request.cancelled = [] { return true; };
  const auto outcome = runner.run(request).value();
  BOOST_TEST(outcome.cancelled);
  BOOST_TEST(outcome.exit_code == process_exit_code::cancelled);
  BOOST_TEST(runner.unused_scripts() == 1u);
  request.cancelled = [] { return false; };
  BOOST_TEST(runner.run(request).value().standard_output == "ran");
  BOOST_TEST(runner.requests().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
