// Text encodings, portable so the rules are tested natively.
//
// Inside wsbkit strings are WTF-8: UTF-8, except that a UTF-16 code unit that is an unpaired
// surrogate (which Windows allows in names, paths and COM strings) is kept as its own 3-byte
// sequence (ED A0..BF 80..BF). So every UTF-16 string Windows or COM hands over converts to
// std::string and back bit for bit: utf8_to_utf16(utf16_to_utf8(w)) == w for every w.
// Bytes that are not WTF-8 at all (a tool's output in an OEM code page, say) become U+FFFD on the
// way to UTF-16; nothing here throws on any input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wsbkit {

std::u16string utf8_to_utf16(std::string_view wtf8);
std::string utf16_to_utf8(std::u16string_view utf16);

// Strict UTF-8 (no surrogates, no overlongs, nothing above U+10FFFF): what JSON, event messages
// and logs may carry as is.
bool is_valid_utf8(std::string_view bytes);
// The bytes as valid UTF-8: every byte that does not start a valid sequence, and every encoded
// surrogate, becomes U+FFFD. Valid input comes back unchanged.
std::string to_valid_utf8(std::string_view bytes);
// The largest n <= max such that bytes[0, n) does not end inside a UTF-8 sequence (so cutting
// there never splits a character); for bytes that are not UTF-8, any cut is as good.
std::size_t utf8_cut_before(std::string_view bytes, std::size_t max);
// The smallest n >= min such that bytes[n, end) does not start inside a UTF-8 sequence.
std::size_t utf8_cut_after(std::string_view bytes, std::size_t min);

// ASCII case folding, the comparison Windows uses for registry names and GUIDs in practice.
bool iequals(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);

}  // namespace wsbkit
