#include "platform/event_log.hpp"

#include "platform/text.hpp"

namespace wsbkit {
namespace {

bool is_high_surrogate(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

bool representable(char16_t u) {
  if (u < 0x20) return u == u'\t' || u == u'\n' || u == u'\r';
  return u != 0xFFFE && u != 0xFFFF;
}

}  // namespace

std::string event_message_text(std::string_view message) {
  std::u16string units = utf8_to_utf16(message);  // bytes that are not UTF-8 are U+FFFD already
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (is_high_surrogate(units[i]) && i + 1 < units.size() && is_low_surrogate(units[i + 1])) {
      ++i;  // a pair: one character
    } else if (is_high_surrogate(units[i]) || is_low_surrogate(units[i]) || !representable(units[i])) {
      units[i] = 0xFFFD;
    }
  }
  if (units.size() > max_event_message_units) {
    std::u16string note = u"\n[... ";
    const std::u16string count = utf8_to_utf16(std::to_string(units.size()));
    note += count + u" characters in all; the rest was cut]";
    std::size_t keep = max_event_message_units - note.size();
    if (is_high_surrogate(units[keep - 1])) --keep;  // never half a pair
    units.resize(keep);
    units += note;
  }
  return utf16_to_utf8(units);
}

}  // namespace wsbkit
