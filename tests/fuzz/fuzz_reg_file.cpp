// Fuzz target `reg_file`: the .reg writer (core/registration/reg_file, what `wsbkit export` writes)
// read back by a strict regedit-format reader (reg_file_reader). The input describes comments and
// keys: roots, paths, value names (any UTF-16, unpaired surrogates included), types and data.
// Properties: the writer refuses exactly the keys it cannot write (a line break in a key path or
// value name); anything else reads back to exactly the keys and values written, and every line of
// a comment to a comment line: nothing a comment, a name or a string holds can end a line early,
// start a key or forge a value.
#include <fuzzer/FuzzedDataProvider.h>

#include "platform/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/reg_file_reader.hpp"

using namespace wsbkit;
using wsbkit::fuzz::require;

namespace {

// Any UTF-16 code units, as wsbkit holds them (WTF-8).
std::string text_from(FuzzedDataProvider& in, std::size_t max_units) {
  std::u16string units;
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, max_units);
  for (std::size_t i = 0; i < n && in.remaining_bytes() > 0; ++i) {
    // Mostly ASCII (quotes, backslashes, CR, LF, brackets are all there), sometimes any unit.
    units.push_back(in.ConsumeBool() ? in.ConsumeIntegral<char16_t>() : static_cast<char16_t>(in.ConsumeIntegralInRange<int>(1, 127)));
  }
  return utf16_to_utf8(units);
}

RegistryValue value_from(FuzzedDataProvider& in) {
  static constexpr std::uint32_t types[] = {reg_type::sz, reg_type::expand_sz, reg_type::binary, reg_type::dword,
                                            reg_type::multi_sz, reg_type::qword, reg_type::none, 5, 0xFFFFFFFF};
  const std::size_t pick = in.ConsumeIntegralInRange<std::size_t>(0, std::size(types));
  const std::uint32_t type = pick < std::size(types) ? types[pick] : in.ConsumeIntegral<std::uint32_t>();
  if (in.ConsumeBool()) return RegistryValue{type, in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 200))};
  RegistryValue v = reg_sz(text_from(in, 40));  // a well-formed string, printable or not
  v.type = type;
  return v;
}

// The file with its line ends shown, for the report of a broken property.
std::string visible(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '\r' ? std::string("<CR>") : c == '\n' ? std::string("<LF>\n") : std::string(1, c);
  return out;
}

bool has_line_break(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

bool any_line_break(const std::vector<RegFileKey>& keys) {
  for (const auto& key : keys) {
    if (has_line_break(key.path)) return true;
    for (const auto& value : key.values) {
      if (has_line_break(value.first)) return true;
    }
  }
  return false;
}

// The comment lines a reader should see: each comment cut at CRLF, CR and LF.
std::vector<std::string> comment_lines(const std::vector<std::string>& comments) {
  std::vector<std::string> lines;
  for (const std::string& c : comments) {
    std::string line;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c[i] != '\r' && c[i] != '\n') {
        line += c[i];
        continue;
      }
      if (c[i] == '\r' && i + 1 < c.size() && c[i + 1] == '\n') ++i;
      lines.push_back(std::move(line));
      line.clear();
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

bool same_keys(const std::vector<RegFileKey>& a, const std::vector<RegFileKey>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].root != b[i].root || a[i].path != b[i].path || a[i].values != b[i].values) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::string> comments(in.ConsumeIntegralInRange<std::size_t>(0, 3));
  for (auto& c : comments) c = text_from(in, 30);
  std::vector<RegFileKey> keys(in.ConsumeIntegralInRange<std::size_t>(0, 4));
  for (auto& key : keys) {
    key.root = static_cast<RegistryRoot>(in.ConsumeIntegralInRange<int>(0, 3));
    key.path = text_from(in, 30);
    const std::size_t values = in.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < values; ++i) {
      std::string name = text_from(in, 20);
      key.values.emplace_back(std::move(name), value_from(in));
    }
  }
  const auto text = reg_file_text(keys, comments);
  require(text.ok() == !any_line_break(keys), "a .reg file is refused exactly when a key path or value name holds a line break");
  if (!text) return 0;
  const auto back = fuzz::read_reg_file(utf16le_with_bom(*text));
  require(back.ok(), "a written .reg file reads back", back.ok() ? "" : back.error().message() + "\n" + visible(*text));
  require(same_keys(back->keys, keys), "a .reg file reads back to exactly the keys and values written", visible(*text));
  require(back->comments == comment_lines(comments), "every line of a comment reads back as a comment line", visible(*text));
  return 0;
}
