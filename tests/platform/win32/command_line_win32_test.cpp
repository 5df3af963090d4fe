// Windows-only: build_windows_command_line against the real CommandLineToArgvW (shell32, under
// Wine in CI). Property: for random argv, parsing the built command line gives argv back exactly.
#include "platform/win32/windows.hpp"

#include <shellapi.h>

#include <boost/test/unit_test.hpp>

#include "platform/command_line.hpp"
#include "tests/platform/win32/random_argv.hpp"

using namespace wsbkit;
using wsbkit::win32::narrow;
using wsbkit::win32::widen;

namespace {

// What CommandLineToArgvW makes of a command line, as UTF-8.
std::vector<std::string> parse(const std::string& command_line) {
  int argc = 0;
  wchar_t** argv = ::CommandLineToArgvW(widen(command_line).c_str(), &argc);
  std::vector<std::string> out;
  if (!argv) return out;
  for (int i = 0; i < argc; ++i) out.push_back(narrow(argv[i]));
  ::LocalFree(argv);
  return out;
}

std::string show(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += "[" + a + "]";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line_win32)

// Hand-picked hard cases (quotes after backslash runs, trailing backslashes, empty and blank
// arguments, argv[0] with spaces and a trailing backslash) come back exactly.
BOOST_AUTO_TEST_CASE(known_hard_cases_round_trip) {
  const std::vector<std::vector<std::string>> cases = {
      {"C:\\Program Files\\t.exe", "", " ", "\t", "a b", "\"", "\\\"", "\\\\\"", "a\\", "a\\\\", "a b\\", "\\"},
      {"C:\\dir\\", "\"\"", "\"a\" \"b\"", "\\\\server\\share\\", "x\"\"\"y"},
      {"C:\\t.exe", "\xF0\x9F\x98\x80 \xE4\xB8\xAD", "--name=\"Contoso Ledger\"", "%PATH%", "^&|<>"},
  };
  for (const auto& argv : cases) {
    const std::string line = build_windows_command_line(argv);
    BOOST_TEST(parse(line) == argv, "line " << line);
  }
}

// The property over many random argv; stops at the first counterexample and prints it.
BOOST_AUTO_TEST_CASE(random_argv_round_trip_through_CommandLineToArgvW) {
  constexpr int cases = 20000;
  constexpr std::uint32_t seed = 20261125;
  testing::RandomArgv random(seed);
  int checked = 0;
  std::size_t arguments = 0;
  for (; checked < cases; ++checked) {
    const std::vector<std::string> argv = random.argv(8);
    const std::string line = build_windows_command_line(argv);
    const std::vector<std::string> back = parse(line);
    arguments += argv.size();
    if (back != argv) {
      BOOST_ERROR("case " << checked << " (seed " << seed << "): argv " << show(argv) << " -> line <" << line
                          << "> -> " << show(back));
      break;
    }
  }
  BOOST_TEST(checked == cases);
  BOOST_TEST_MESSAGE(checked << " random argv (" << arguments << " strings) round-tripped through CommandLineToArgvW");
}

// The portable parser (split_windows_command_line, the fuzz target's oracle) reads any line as
// CommandLineToArgvW does: random lines of quotes, backslash runs, blanks and text, raw (runs of
// quotes, unclosed quotes and quotes right after argv[0] included), not only lines that were built.
BOOST_AUTO_TEST_CASE(portable_split_agrees_with_CommandLineToArgvW_on_random_lines) {
  constexpr int cases = 20000;
  constexpr std::uint32_t seed = 20261207;
  testing::RandomArgv random(seed);
  int checked = 0;
  for (; checked < cases; ++checked) {
    std::string line;
    const int pieces = random.pick(1, 10);
    for (int i = 0; i < pieces; ++i) {
      static const char* const kinds[] = {"\"", "\\", " ", "\t", "a"};
      line += random.pick(0, 2) == 0 ? random.argument() : std::string(kinds[random.pick(0, 4)]);
    }
    if (line.empty()) line = "x";  // CommandLineToArgvW names the current program for ""
    const std::vector<std::string> expected = parse(line);
    if (split_windows_command_line(line) != expected) {
      BOOST_ERROR("case " << checked << " (seed " << seed << "): line <" << line << "> -> "
                          << show(split_windows_command_line(line)) << ", CommandLineToArgvW " << show(expected));
      break;
    }
  }
  BOOST_TEST(checked == cases);
}

BOOST_AUTO_TEST_SUITE_END()
