// Random argument vectors for the quoting property tests: quotes, runs of backslashes (often
// trailing), spaces, tabs, newlines, empty strings, shell-looking characters, BMP and astral
// UTF-8. argv[0] is a path-like program name (any of these but '"', which no file name holds).
#pragma once

#include <random>
#include <string>
#include <vector>

namespace wsbkit::testing {

class RandomArgv {
 public:
  explicit RandomArgv(std::uint32_t seed) : engine_(seed) {}

  std::string argument(bool program = false) {
    static const std::vector<std::string> pieces = {
        "\"", "\\", "\\\\", " ", "\t", "\n", "a", "Z", "0", "=", "-", "/", "^", "&", "%", "'", "*",
        "\xC3\xA9",          // é
        "\xE4\xB8\xAD",      // 中
        "\xF0\x9F\x98\x80",  // U+1F600, a surrogate pair in UTF-16
        "\xF0\x9D\x84\x9E",  // U+1D11E
        "\xEF\xBB\xBF",      // U+FEFF
    };
    std::string out = program ? "C:\\" : "";
    const int pieces_wanted = pick(0, 12);
    for (int i = 0; i < pieces_wanted; ++i) {
      const std::string& piece = pieces[static_cast<std::size_t>(pick(0, static_cast<int>(pieces.size()) - 1))];
      if (program && piece == "\"") continue;
      const int repeat = pick(1, 3);
      for (int r = 0; r < repeat; ++r) out += piece;
    }
    if (!program && pick(0, 3) == 0) out.append(static_cast<std::size_t>(pick(1, 4)), '\\');  // trailing run
    if (program) out += ".exe";
    return out;
  }

  // argv[0] plus 0..max_arguments arguments.
  std::vector<std::string> argv(int max_arguments) {
    std::vector<std::string> v{argument(true)};
    const int n = pick(0, max_arguments);
    for (int i = 0; i < n; ++i) v.push_back(argument());
    return v;
  }

  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }

 private:
  std::mt19937 engine_;
};

}  // namespace wsbkit::testing
