// Fuzz target `command_line`: Windows command-line quoting (platform/command_line) round-tripped
// through the portable parser, split_windows_command_line (proven against the real
// CommandLineToArgvW under Wine). Input: argv separated by NUL bytes. Properties: the built command
// line splits back into exactly argv (argv[0] being a program name: no `"`, which no Windows file
// name holds); the raw input itself, read as a command line, splits without a crash.
#include "platform/command_line.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace wsbkit;
using wsbkit::fuzz::require;

namespace {

std::string show(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += "[" + a + "]";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::bytes_of(data, size);
  const auto raw = split_windows_command_line(input.substr(0, input.find('\0')));
  require(input.empty() || input[0] == '\0' || !raw.empty(), "a non-empty line names a program");

  std::vector<std::string> argv;
  for (std::string_view rest = input; !rest.empty();) argv.emplace_back(fuzz::take_line(rest, '\0'));
  if (argv.empty() || argv[0].find('"') != std::string::npos) return 0;
  const std::string line = build_windows_command_line(argv);
  const auto back = split_windows_command_line(line);
  require(back == argv, "split(build(argv)) == argv", show(argv) + " -> <" + line + "> -> " + show(back));
  return 0;
}
