// Building a Windows process's command line and environment block from portable values. Portable
// (no Windows types), so the rules are unit-tested natively; the Win32 process runner uses them and
// tests/unit/command_line_win32_test.cpp proves them against the real CommandLineToArgvW under Wine.
//
// Quoting (what CommandLineToArgvW and the MSVC/MinGW CRT's argv parsing undo):
//  - argv[0], the program name, is parsed by its own rule: up to the next quote if it starts with
//    one, else up to the first space or tab; backslashes are literal. It is therefore always
//    written inside quotes, unescaped. A Windows file name cannot contain `"`; an argv[0] that does
//    is quoted like the other arguments (best effort: the parser will not give it back exactly).
//  - Every other argument is written as is when it is non-empty and has no space, tab, newline,
//    vertical tab or `"`; otherwise inside quotes, where a `"` becomes `\"` and the backslashes
//    directly before a `"` (or before the closing quote) are doubled. Backslashes anywhere else
//    are literal and stay single.
// Strings are UTF-8; the quoting works on bytes (every special character is ASCII).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsbkit {

// One argument (not argv[0]) quoted as described above.
std::string quote_windows_argument(std::string_view argument);
// argv[0] (the program) and the arguments, separated by single spaces.
std::string build_windows_command_line(const std::vector<std::string>& argv);

// The inverse, portable: the argv that CommandLineToArgvW (and the CRT) make of a command line.
// argv[0] by the program-name rule; then arguments separated by spaces and tabs, where 2n
// backslashes before a `"` give n and the quote opens or closes a quoted part, 2n+1 give n and a
// literal `"`, other backslashes are literal; of consecutive quotes every third is a literal `"`
// (Wine's and shell32's rule, never met by what build_windows_command_line writes).
// An empty line gives no argv (CommandLineToArgvW would name the current program). Proven against
// the real CommandLineToArgvW under Wine; the fuzz target command_line round-trips through it.
std::vector<std::string> split_windows_command_line(std::string_view command_line);

// The child's environment: `current` ("NAME=value" entries, as GetEnvironmentStringsW lists them,
// including the hidden "=C:=C:\dir" ones) with `additions` added or replacing entries of the same
// name (compared case-insensitively; the addition's spelling wins; a later addition beats an
// earlier one), sorted the way CreateProcessW wants the block: by name, case-insensitively
// (upper-cased UTF-16 code units; beyond ASCII only the code unit order is used).
std::vector<std::string> merge_windows_environment(
    const std::vector<std::string>& current, const std::vector<std::pair<std::string, std::string>>& additions);

// An environment variable name Windows accepts: non-empty, no '=' and no NUL.
bool valid_environment_name(std::string_view name);

}  // namespace wsbkit
