// UTF-8 (portable code) <-> UTF-16 (what Windows stores and passes). Portable, so the encoding
// rules are tested natively. Invalid input is replaced with U+FFFD, never thrown on.
#pragma once

#include <string>
#include <string_view>

namespace wsbkit {

std::u16string utf8_to_utf16(std::string_view utf8);
std::string utf16_to_utf8(std::u16string_view utf16);

// ASCII case folding, the comparison Windows uses for registry names and GUIDs in practice.
bool iequals(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);

}  // namespace wsbkit
