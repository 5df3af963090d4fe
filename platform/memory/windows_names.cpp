#include "platform/memory/windows_names.hpp"

#include "platform/text.hpp"

namespace wsbkit {

char16_t windows_upcase(char16_t c) {
  auto minus = [c](int d) { return static_cast<char16_t>(c - d); };
  if (c >= u'a' && c <= u'z') return minus(0x20);
  if (c < 0x80) return c;
  if (c == 0xB5) return 0x39C;                                   // micro sign -> capital mu
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return minus(0x20);   // Latin-1 (not the division sign)
  if (c == 0xFF) return 0x178;                                   // y diaeresis
  if (c >= 0x100 && c <= 0x137) return (c & 1) ? minus(1) : c;   // Latin Extended-A pairs...
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c : minus(1);   // ...whose parity shifts twice
  if (c >= 0x14A && c <= 0x177) return (c & 1) ? minus(1) : c;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c : minus(1);
  if (c == 0x3C2) return 0x3A3;                                  // final sigma
  if ((c >= 0x3B1 && c <= 0x3C1) || (c >= 0x3C3 && c <= 0x3CB)) return minus(0x20);  // Greek
  if (c >= 0x430 && c <= 0x44F) return minus(0x20);              // Cyrillic
  if (c >= 0x450 && c <= 0x45F) return minus(0x50);
  if (c >= 0xFF41 && c <= 0xFF5A) return minus(0x20);            // fullwidth Latin
  return c;
}

std::u16string fold_name(std::string_view utf8) {
  std::u16string folded = utf8_to_utf16(utf8);
  for (char16_t& c : folded) c = windows_upcase(c);
  return folded;
}

bool names_equal(std::string_view a, std::string_view b) { return fold_name(a) == fold_name(b); }

}  // namespace wsbkit
