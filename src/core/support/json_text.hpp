// JSON text for wsbkit's strings, which are WTF-8 (platform/text.hpp): COM and Windows strings
// may hold unpaired UTF-16 surrogates, tool output is any bytes. Nothing here throws (except
// std::bad_alloc), whatever the input.
//
// Two ways to keep a COM string exactly:
//   - In JSON text that people and other tools read (call log, run logs): json_quote writes an
//     unpaired surrogate as its \uDXXX escape. JSON readers that keep lone surrogates (Python's
//     json, JavaScript's JSON.parse, json_unquote below) get back the same UTF-16 code units.
//     nlohmann::json::parse refuses such escapes: do not read these files back with it.
//   - In JSON that wsbkit reads back with nlohmann (the restore journal): exact_string_json keeps
//     valid UTF-8 as a plain JSON string and stores anything else as {"wtf8_hex": "..."}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wsbkit {

// A JSON string literal (quotes included) for any bytes. Valid UTF-8 is kept as is (non-ASCII
// unescaped); '"', '\' and the control characters U+0000..U+001F are escaped; an unpaired
// surrogate (WTF-8 ED A0..BF xx) becomes "\udxxx" (lower-case hex), so the literal decodes to the
// same UTF-16 as utf8_to_utf16(text). A byte that starts no UTF-8 sequence becomes U+FFFD (the
// character, as utf8_to_utf16 reads it): only bytes that never came from UTF-16 (a tool's output
// in an OEM code page, say) can be like that, so no COM string is changed.
std::string json_quote(std::string_view text);

// The inverse of json_quote: the WTF-8 string a JSON string literal (with its quotes, nothing
// around it) stands for, \uXXXX escapes of unpaired surrogates included; nullopt when `literal`
// is not a JSON string literal. json_unquote(json_quote(s)) == s for every s that
// utf16_to_utf8 can produce.
std::optional<std::string> json_unquote(std::string_view literal);

// JSON text of a value, like value.dump(indent) (compact for indent < 0), except that every string
// (keys included) is written by json_quote: it never throws on strings that are not UTF-8 (dump()
// does) and keeps COM strings exact.
std::string json_text(const nlohmann::json& value, int indent = -1);

// A string as a JSON value that nlohmann can dump and parse back without loss: valid UTF-8 as a
// JSON string, anything else (unpaired surrogates, arbitrary bytes) as {"wtf8_hex": "<hex bytes>"}.
nlohmann::json exact_string_json(std::string_view text);
// The string exact_string_json stored; nullopt for any other value (null, a number, a malformed
// or odd-length wtf8_hex).
std::optional<std::string> exact_string_from_json(const nlohmann::json& value);

}  // namespace wsbkit
