// Prints call log lines whose strings are hard to keep, each after the UTF-16 code units it must
// decode to, for json_text_python.py: an independent JSON reader (Python's json) checks that
// json_quote's escapes read back as the same code units. Native only; run by the test suite.
//   line 1: {"units": [code units of the string as utf8_to_utf16 reads it]}
//   line 2: a CallLog line with the string as its "component"
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/addin/call_log.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

int main() {
  std::vector<std::string> samples = {"", "plain", "%s%n%x%p%%", std::string("nul\0\x01\x1F\"\\/\n\r\t", 13),
                                      "caf\xC3\xA9 \xF0\x9F\x98\x80", "cp437 \x82 and \xFF bytes", "\xED\xA0\xBD\xED\xB8\x80"};
  for (const std::u16string& w : {std::u16string(1, char16_t(0xD800)), std::u16string(1, char16_t(0xDC00)),
                                  std::u16string{char16_t(0xDC00), char16_t(0xD800)},
                                  std::u16string{u'a', char16_t(0xDBFF), char16_t(0xDBFF), char16_t(0xDFFF)}}) {
    samples.push_back(utf16_to_utf8(w));
  }
  std::u16string long_name(65536, u'x');
  for (std::size_t i = 0; i < long_name.size(); i += 7) long_name[i] = static_cast<char16_t>(0xD800 + i % 0x800);
  samples.push_back(utf16_to_utf8(long_name));
  std::mt19937 random(4242);
  const char16_t interesting[] = {0x0000, 0x001F, u'"', u'\\', 0x007F, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFFFF};
  for (int k = 0; k < 2000; ++k) {
    std::u16string w(random() % 10, u'\0');
    for (auto& unit : w) unit = random() % 2 ? interesting[random() % std::size(interesting)] : static_cast<char16_t>(random());
    samples.push_back(utf16_to_utf8(w));
  }

  std::string line;
  CallLog log([&](const std::string& l) { line = l; });
  for (const auto& s : samples) {
    std::string units = "{\"units\":[";
    const std::u16string w = utf8_to_utf16(s);
    for (std::size_t i = 0; i < w.size(); ++i) units += (i ? "," : "") + std::to_string(static_cast<unsigned>(w[i]));
    log.record("PreRestore", {{"component", json_quote(s)}}, hr::ok);
    std::printf("%s]}\n%s\n", units.c_str(), line.c_str());
  }
  return 0;
}
