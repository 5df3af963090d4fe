#include "platform/command_line.hpp"

#include <algorithm>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

bool needs_quotes(std::string_view argument) {
  return argument.empty() || argument.find_first_of(" \t\n\v\"") != std::string_view::npos;
}

// The name part of "NAME=value"; hidden entries start with '=' ("=C:=C:\dir"), so the separator is
// the first '=' after the first character.
std::string_view entry_name(std::string_view entry) {
  const std::size_t eq = entry.find('=', 1);
  return eq == std::string_view::npos ? entry : entry.substr(0, eq);
}

// Windows orders the block by upper-cased UTF-16 code units.
std::u16string sort_key(std::string_view name) {
  std::u16string key = utf8_to_utf16(name);
  for (char16_t& c : key) {
    if (c >= u'a' && c <= u'z') c = static_cast<char16_t>(c - u'a' + u'A');
  }
  return key;
}

}  // namespace

std::string quote_windows_argument(std::string_view argument) {
  if (!needs_quotes(argument)) return std::string(argument);
  std::string quoted = "\"";
  std::size_t backslashes = 0;
  for (const char c : argument) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      // The backslashes before a quote are doubled, and one more escapes the quote itself.
      quoted.append(backslashes * 2 + 1, '\\');
    } else {
      quoted.append(backslashes, '\\');
    }
    backslashes = 0;
    quoted.push_back(c);
  }
  // Before the closing quote the backslashes are doubled so that the quote still closes.
  quoted.append(backslashes * 2, '\\');
  quoted.push_back('"');
  return quoted;
}

std::string build_windows_command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) {
      line.push_back(' ');
      line += quote_windows_argument(argv[i]);
    } else if (argv[0].find('"') == std::string::npos) {
      line += '"' + argv[0] + '"';  // the program-name rule: no escapes, ends at the next quote
    } else {
      line += quote_windows_argument(argv[0]);
    }
  }
  return line;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// argv[0]: up to the next quote when it starts with one (no escapes), else up to a space or tab.
std::string program_name(std::string_view line, std::size_t& at) {
  std::string name;
  const bool quoted = at < line.size() && line[at] == '"';
  if (quoted) ++at;
  while (at < line.size() && (quoted ? line[at] != '"' : !is_blank(line[at]))) name.push_back(line[at++]);
  if (quoted && at < line.size()) ++at;
  return name;
}

// One argument after argv[0], starting at a non-blank character. `quotes` is CommandLineToArgvW's
// count of consecutive quotes: odd inside a quoted part; a third quote in a row is a literal one.
std::string next_argument(std::string_view line, std::size_t& at) {
  std::string argument;
  int quotes = 0;
  while (at < line.size() && (quotes != 0 || !is_blank(line[at]))) {
    std::size_t backslashes = 0;
    while (at < line.size() && line[at] == '\\') {
      ++backslashes;
      ++at;
    }
    if (at == line.size() || line[at] != '"') {
      argument.append(backslashes, '\\');
      if (backslashes == 0) argument.push_back(line[at++]);
      continue;
    }
    argument.append(backslashes / 2, '\\');
    if (backslashes % 2 == 1) {
      argument.push_back('"');
    } else {
      ++quotes;
    }
    for (++at; at < line.size() && line[at] == '"'; ++at) {
      if (++quotes == 3) {
        argument.push_back('"');
        quotes = 0;
      }
    }
    if (quotes == 2) quotes = 0;
  }
  return argument;
}

}  // namespace

std::vector<std::string> split_windows_command_line(std::string_view command_line) {
  std::vector<std::string> argv;
  if (command_line.empty()) return argv;
  std::size_t at = 0;
  argv.push_back(program_name(command_line, at));
  while (true) {
    while (at < command_line.size() && is_blank(command_line[at])) ++at;
    if (at == command_line.size()) return argv;
    argv.push_back(next_argument(command_line, at));
  }
}

bool valid_environment_name(std::string_view name) {
  return !name.empty() && name.find('=') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::vector<std::string> merge_windows_environment(
    const std::vector<std::string>& current, const std::vector<std::pair<std::string, std::string>>& additions) {
  std::vector<std::pair<std::u16string, std::string>> entries;  // sort key, "NAME=value"
  entries.reserve(current.size() + additions.size());
  auto put = [&entries](std::string entry) {
    std::u16string key = sort_key(entry_name(entry));
    const auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == key; });
    if (same != entries.end()) {
      same->second = std::move(entry);
    } else {
      entries.emplace_back(std::move(key), std::move(entry));
    }
  };
  for (const std::string& entry : current) {
    if (!entry.empty()) put(entry);
  }
  for (const auto& [name, value] : additions) put(name + "=" + value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> block;
  block.reserve(entries.size());
  for (auto& e : entries) block.push_back(std::move(e.second));
  return block;
}

}  // namespace wsbkit
