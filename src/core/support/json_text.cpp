#include "core/support/json_text.hpp"

#include "platform/text.hpp"

namespace wsbkit {
namespace {

bool is_high_surrogate(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

constexpr char hex_digits[] = "0123456789abcdef";

void append_unicode_escape(std::string& out, char16_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(unit >> shift) & 0xF];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the four hex digits at text[at, at + 4); nullopt when they are not that.
std::optional<char16_t> hex_unit(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return std::nullopt;
  unsigned unit = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const int v = hex_value(text[k]);
    if (v < 0) return std::nullopt;
    unit = (unit << 4) | static_cast<unsigned>(v);
  }
  return static_cast<char16_t>(unit);
}

// The escape JSON requires (or allows, for readability) for one code unit; "" when it goes as is.
const char* short_escape(char16_t u) {
  switch (u) {
    case u'"': return "\\\"";
    case u'\\': return "\\\\";
    case u'\n': return "\\n";
    case u'\r': return "\\r";
    case u'\t': return "\\t";
    default: return "";
  }
}

// Like nlohmann's dump(indent): compact when indent < 0, else one member per line.
void write_json(const nlohmann::json& value, std::string& out, int indent, int depth) {
  const auto new_line = [&](int level) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(level) * static_cast<std::size_t>(indent), ' ');
  };
  if (value.is_structured()) {
    const bool object = value.is_object();
    out += object ? '{' : '[';
    if (value.empty()) {
      out += object ? '}' : ']';
      return;
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) out += ',';
      new_line(depth + 1);
      if (object) {
        out += json_quote(it.key());
        out += indent < 0 ? ":" : ": ";
      }
      write_json(it.value(), out, indent, depth + 1);
    }
    new_line(depth);
    out += object ? '}' : ']';
  } else if (value.is_string()) {
    out += json_quote(value.get_ref<const std::string&>());
  } else {
    out += value.dump();  // numbers, true/false, null, binary: no text inside, nothing to throw on
  }
}

}  // namespace

std::string json_quote(std::string_view text) {
  // Through UTF-16, the form the string had in COM: pairs are characters, unpaired surrogates are
  // escaped, bytes that are not UTF-8 already read as U+FFFD (utf8_to_utf16's one rule for them).
  const std::u16string units = utf8_to_utf16(text);
  const std::u16string_view view(units);
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  std::size_t written = 0;  // units[0, written) are in `out`
  for (std::size_t i = 0; i < units.size(); ++i) {
    const char16_t u = units[i];
    if (is_high_surrogate(u) && i + 1 < units.size() && is_low_surrogate(units[i + 1])) {
      ++i;  // a pair: one character, written as is
      continue;
    }
    const bool as_is = u >= 0x20 && *short_escape(u) == '\0' && !is_high_surrogate(u) && !is_low_surrogate(u);
    if (as_is) continue;
    out += utf16_to_utf8(view.substr(written, i - written));
    if (*short_escape(u) != '\0') {
      out += short_escape(u);
    } else {
      append_unicode_escape(out, u);  // a control character or an unpaired surrogate
    }
    written = i + 1;
  }
  out += utf16_to_utf8(view.substr(written));
  out += '"';
  return out;
}

std::optional<std::string> json_unquote(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
  const std::string_view body = literal.substr(1, literal.size() - 2);
  std::u16string units;
  units.reserve(body.size());
  std::size_t run = 0;  // start of the raw text not yet decoded
  std::size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c == '"' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;  // must be escaped
    if (c != '\\') {
      ++i;
      continue;
    }
    units += utf8_to_utf16(body.substr(run, i - run));
    if (i + 1 >= body.size()) return std::nullopt;
    const char e = body[i + 1];
    std::size_t length = 2;
    switch (e) {
      case '"': units += u'"'; break;
      case '\\': units += u'\\'; break;
      case '/': units += u'/'; break;
      case 'b': units += u'\b'; break;
      case 'f': units += u'\f'; break;
      case 'n': units += u'\n'; break;
      case 'r': units += u'\r'; break;
      case 't': units += u'\t'; break;
      case 'u': {
        const auto unit = hex_unit(body, i + 2);
        if (!unit) return std::nullopt;
        units += *unit;
        length = 6;
        break;
      }
      default: return std::nullopt;
    }
    i += length;
    run = i;
  }
  units += utf8_to_utf16(body.substr(run));
  return utf16_to_utf8(units);  // an escaped pair becomes one 4-byte character again
}

std::string json_text(const nlohmann::json& value, int indent) {
  std::string out;
  write_json(value, out, indent, 0);
  return out;
}

nlohmann::json exact_string_json(std::string_view text) {
  if (is_valid_utf8(text)) return nlohmann::json(std::string(text));
  std::string hex;
  hex.reserve(text.size() * 2);
  for (const unsigned char c : text) {
    hex += hex_digits[c >> 4];
    hex += hex_digits[c & 0xF];
  }
  return nlohmann::json{{"wtf8_hex", hex}};
}

std::optional<std::string> exact_string_from_json(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object() || value.size() != 1) return std::nullopt;
  const auto it = value.find("wtf8_hex");
  if (it == value.end() || !it->is_string()) return std::nullopt;
  const auto& hex = it->get_ref<const std::string&>();
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t k = 0; k < hex.size(); k += 2) {
    const int high = hex_value(hex[k]);
    const int low = hex_value(hex[k + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes += static_cast<char>((high << 4) | low);
  }
  return bytes;
}

}  // namespace wsbkit
