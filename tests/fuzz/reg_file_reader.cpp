#include "tests/fuzz/reg_file_reader.hpp"

#include <string_view>

#include "platform/text.hpp"

namespace wsbkit::fuzz {
namespace {

Error bad(std::size_t line, const std::string& why) {
  return Error::win32(win32_error::invalid_data, "read .reg", "line " + std::to_string(line), why);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // regedit writes lower case; so must wsbkit
}

// A quoted string at the start of `text` ("...", \\ and \" escaped); `text` moves past it.
std::optional<std::string> quoted(std::string_view& text) {
  if (text.empty() || text[0] != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '"') {
      text.remove_prefix(i + 1);
      return out;
    }
    if (text[i] == '\\') {
      if (++i == text.size() || (text[i] != '\\' && text[i] != '"')) return std::nullopt;
    }
    out.push_back(text[i]);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> hex_number(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  std::uint32_t v = 0;
  for (const char c : text) {
    const int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::uint32_t>(d);
  }
  return v;
}

std::optional<RegistryRoot> root_named(std::string_view name) {
  for (const RegistryRoot r : {RegistryRoot::local_machine, RegistryRoot::classes_root, RegistryRoot::current_user,
                               RegistryRoot::users}) {
    if (name == reg_file_root(r)) return r;
  }
  return std::nullopt;
}

class Reader {
 public:
  explicit Reader(std::vector<std::string> lines) : lines_(std::move(lines)) {}

  Result<RegFile> read() {
    if (lines_.size() < 2 || lines_[0] != "Windows Registry Editor Version 5.00" || !lines_[1].empty()) {
      return bad(1, "no 'Windows Registry Editor Version 5.00' header and blank line");
    }
    RegFile file;
    bool in_key = false;
    for (at_ = 2; at_ < lines_.size(); ++at_) {
      const std::string& line = lines_[at_];
      if (line.empty()) {
        in_key = false;
      } else if (line.starts_with("; ") && !in_key && file.keys.empty()) {
        file.comments.push_back(line.substr(2));
      } else if (line.starts_with("[") && line.ends_with("]") && !in_key) {
        auto key = key_line(line);
        if (!key) return key.error();
        file.keys.push_back(std::move(*key));
        in_key = true;
      } else if (in_key) {
        auto value = value_lines();
        if (!value) return value.error();
        file.keys.back().values.push_back(std::move(*value));
      } else {
        return bad(at_ + 1, "neither a comment, a key nor a blank line: " + line);
      }
    }
    return file;
  }

 private:
  Result<RegFileKey> key_line(const std::string& line) {
    const std::string_view inside = std::string_view(line).substr(1, line.size() - 2);
    const std::size_t slash = inside.find('\\');
    const auto root = root_named(inside.substr(0, slash));
    if (slash == std::string_view::npos || !root) return bad(at_ + 1, "a key line without a known root: " + line);
    return RegFileKey{*root, std::string(inside.substr(slash + 1)), {}};
  }

  // A value line, and its continuation lines when hex data wraps.
  Result<std::pair<std::string, RegistryValue>> value_lines() {
    std::string_view text = lines_[at_];
    std::string name;
    if (text.starts_with("@=")) {
      text.remove_prefix(1);
    } else if (auto n = quoted(text)) {
      name = std::move(*n);
    } else {
      return bad(at_ + 1, "a value line without @ or a quoted name: " + lines_[at_]);
    }
    if (text.empty() || text[0] != '=') return bad(at_ + 1, "no '=' after the value name");
    text.remove_prefix(1);
    if (text.starts_with("\"")) {
      auto s = quoted(text);
      if (!s || !text.empty()) return bad(at_ + 1, "a malformed string value");
      return std::pair{name, reg_sz(*s)};
    }
    if (text.starts_with("dword:")) {
      auto v = hex_number(text.substr(6), 8);
      if (!v || text.size() != 14) return bad(at_ + 1, "a malformed dword");
      return std::pair{name, reg_dword(*v)};
    }
    RegistryValue value;
    if (text.starts_with("hex:")) {
      value.type = reg_type::binary;
      text.remove_prefix(4);
    } else if (text.starts_with("hex(")) {
      const std::size_t close = text.find("):");
      auto type = close == std::string_view::npos ? std::nullopt : hex_number(text.substr(4, close - 4), 8);
      if (!type) return bad(at_ + 1, "a malformed hex(type)");
      value.type = *type;
      text.remove_prefix(close + 2);
    } else {
      return bad(at_ + 1, "unknown value data: " + std::string(text));
    }
    if (auto r = hex_bytes(text, value.data); !r) return r.error();
    return std::pair{name, std::move(value)};
  }

  // "xx,xx,...", wrapped with ",\" and continued on lines starting with two spaces.
  Result<void> hex_bytes(std::string_view text, std::vector<std::uint8_t>& data) {
    while (!text.empty()) {
      if (text.size() < 2 || hex_digit(text[0]) < 0 || hex_digit(text[1]) < 0) return bad(at_ + 1, "a malformed hex byte");
      data.push_back(static_cast<std::uint8_t>(hex_digit(text[0]) * 16 + hex_digit(text[1])));
      text.remove_prefix(2);
      if (text.empty()) break;
      if (text[0] != ',' || text.size() == 1) return bad(at_ + 1, "hex bytes not separated by ','");
      text.remove_prefix(1);
      if (text == "\\") {
        if (++at_ == lines_.size() || !lines_[at_].starts_with("  ")) return bad(at_ + 1, "a wrapped line without its continuation");
        text = std::string_view(lines_[at_]).substr(2);
      }
    }
    return success();
  }

  std::vector<std::string> lines_;
  std::size_t at_ = 0;
};

}  // namespace

Result<RegFile> read_reg_file(const std::string& bytes) {
  if (bytes.size() % 2 != 0 || !bytes.starts_with("\xFF\xFE")) return bad(0, "not UTF-16LE with a byte order mark");
  std::u16string units;
  for (std::size_t i = 2; i < bytes.size(); i += 2) {
    units.push_back(static_cast<char16_t>(static_cast<unsigned char>(bytes[i]) | (static_cast<unsigned char>(bytes[i + 1]) << 8)));
  }
  const std::string text = utf16_to_utf8(units);
  if (!text.ends_with("\r\n")) return bad(0, "the file does not end with CRLF");
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find("\r\n", start);
    std::string line = text.substr(start, end - start);
    if (line.find_first_of("\r\n") != std::string::npos) return bad(lines.size() + 1, "a CR or LF alone inside a line");
    lines.push_back(std::move(line));
    start = end + 2;
  }
  return Reader(std::move(lines)).read();
}

}  // namespace wsbkit::fuzz
