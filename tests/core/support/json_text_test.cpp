#include <boost/test/unit_test.hpp>

#include <iterator>
#include <random>

#include "core/support/json_text.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

namespace {

std::string wtf8(std::u16string_view units) { return utf16_to_utf8(units); }

// Random UTF-16 strings made mostly of what is hard to keep: surrogates alone, in pairs and
// reversed, control characters, quotes, backslashes.
std::u16string random_utf16(std::mt19937& random, std::size_t max_length) {
  const char16_t interesting[] = {0x0000, 0x0001, 0x001F, u'"', u'\\', u'/', u'\n', 0x007F, 0x00E9, 0x2028,
                                  0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFD, 0xFFFF};
  std::u16string w(random() % (max_length + 1), u'\0');
  for (auto& unit : w) {
    unit = random() % 2 ? interesting[random() % std::size(interesting)] : static_cast<char16_t>(random());
  }
  return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_text_suite)

// Valid UTF-8 goes into the literal as is; only '"', '\' and control characters are escaped.
BOOST_AUTO_TEST_CASE(quotes_valid_text_escaping_only_quotes_backslashes_and_controls) {
  BOOST_TEST(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
  BOOST_TEST(json_quote(std::string("nul\0end", 7)) == "\"nul\\u0000end\"");
  BOOST_TEST(json_quote("\t\r\x1F\x7F") == "\"\\t\\r\\u001f\x7F\"");
  BOOST_TEST(json_quote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 %s%n%x") ==
             "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 %s%n%x\"");
  BOOST_TEST(json_quote("") == "\"\"");
}

// An unpaired surrogate (0xD800 alone, 0xDC00 alone, a reversed pair) becomes its \u escape; a
// real pair stays one 4-byte character.
BOOST_AUTO_TEST_CASE(escapes_each_unpaired_surrogate_and_keeps_pairs_as_characters) {
  BOOST_TEST(json_quote(wtf8(u"\xD800")) == "\"\\ud800\"");
  BOOST_TEST(json_quote(wtf8(u"a\xDC00z")) == "\"a\\udc00z\"");
  BOOST_TEST(json_quote(wtf8(u"\xDC00\xD800")) == "\"\\udc00\\ud800\"");
  BOOST_TEST(json_quote(wtf8(u"\xD83D\xDE00")) == "\"\xF0\x9F\x98\x80\"");
  BOOST_TEST(json_quote(wtf8(u"\xD800\xD83D\xDE00\xDFFF")) == "\"\\ud800\xF0\x9F\x98\x80\\udfff\"");
  // Two WTF-8 halves of a pair written separately are the pair's code units: one character.
  BOOST_TEST(json_quote("\xED\xA0\xBD\xED\xB8\x80") == "\"\xF0\x9F\x98\x80\"");
}

// Bytes that are not UTF-8 at all (tool output in an OEM code page) become U+FFFD; the rest stays.
BOOST_AUTO_TEST_CASE(turns_bytes_that_are_not_utf8_into_replacement_characters) {
  BOOST_TEST(json_quote("caf\x82!") == "\"caf\xEF\xBF\xBD!\"");
  BOOST_TEST(json_quote("\xC0\xAF\xFF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

// Every UTF-16 string comes back from json_unquote(json_quote(...)) as the same code units, and
// the literal is always valid UTF-8.
BOOST_AUTO_TEST_CASE(every_utf16_string_round_trips_through_a_literal) {
  std::mt19937 random(20261203);
  for (int round = 0; round < 20000; ++round) {
    const std::u16string w = random_utf16(random, 16);
    const std::string literal = json_quote(wtf8(w));
    BOOST_TEST_REQUIRE(is_valid_utf8(literal), "round " << round);
    const auto back = json_unquote(literal);
    BOOST_TEST_REQUIRE(back.has_value(), "round " << round << ": " << literal);
    BOOST_TEST_REQUIRE((utf8_to_utf16(*back) == w), "round " << round << ": " << literal);
    BOOST_TEST_REQUIRE((*back == wtf8(w)), "round " << round);
  }
}

// Any bytes at all give a valid literal, read back as utf8_to_utf16 reads the bytes.
BOOST_AUTO_TEST_CASE(any_bytes_give_a_literal_that_reads_back_as_utf16_reads_them) {
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(random() % 24, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() % 3 ? random() % 256 : 0xED);
    const std::string literal = json_quote(bytes);
    BOOST_TEST_REQUIRE(is_valid_utf8(literal));
    const auto back = json_unquote(literal);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST_REQUIRE((utf8_to_utf16(*back) == utf8_to_utf16(bytes)), "round " << round);
  }
}

// A literal without surrogate escapes is read by nlohmann as json_unquote reads it.
BOOST_AUTO_TEST_CASE(literals_of_valid_text_parse_with_nlohmann_to_the_same_string) {
  for (const std::string& s : {std::string("plain"), std::string("q\"b\\s/\n\t\x01", 9), std::string("\0", 1),
                              std::string("\xF0\x9F\x98\x80 caf\xC3\xA9")}) {
    const std::string literal = json_quote(s);
    BOOST_TEST(nlohmann::json::parse(literal).get<std::string>() == s);
    BOOST_TEST((json_unquote(literal) == s));
  }
  BOOST_TEST((json_unquote("\"\\ud83d\\ude00 \\/\\b\\f\\u00E9\"") == "\xF0\x9F\x98\x80 /\b\f\xC3\xA9"));
}

// What is not exactly one JSON string literal is refused, not half read.
BOOST_AUTO_TEST_CASE(refuses_what_is_not_one_string_literal) {
  for (const std::string& bad : std::vector<std::string>{"", "\"", "abc", "\"abc", "abc\"", "\"a\"b\"", "\"\\\"", "\"\\x\"", "\"\\u12\"",
                                "\"\\u12g4\"", "\"tab\there\"", "\"a\" ", std::string("\"\0\"", 3)}) {
    BOOST_TEST(!json_unquote(bad).has_value(), "accepted: " << bad);
  }
}

// json_text writes what dump() writes for valid UTF-8, and keeps WTF-8 strings (keys included)
// exact where dump() throws.
BOOST_AUTO_TEST_CASE(json_text_matches_dump_and_never_throws_on_wtf8) {
  const nlohmann::json valid = {{"t", "session"}, {"n", 12}, {"f", 1.5}, {"ok", true}, {"none", nullptr},
                                {"list", {"a\"b", "caf\xC3\xA9", 3, nlohmann::json::array()}},
                                {"empty", nlohmann::json::object()}};
  BOOST_TEST(json_text(valid) == valid.dump());
  BOOST_TEST(json_text(valid, 2) == valid.dump(2));
  BOOST_TEST(json_text(valid, 0) == valid.dump(0));

  const std::string lone = wtf8(u"C:\\\xD800\\x");
  const nlohmann::json odd = {{"component", lone}, {lone, {"\x82 tool output", lone}}};
  BOOST_CHECK_THROW((void)odd.dump(), nlohmann::json::type_error);  // the failure json_text avoids
  const std::string text = json_text(odd);
  BOOST_TEST(text == "{\"C:\\\\\\ud800\\\\x\":[\"\xEF\xBF\xBD tool output\",\"C:\\\\\\ud800\\\\x\"],"
                     "\"component\":\"C:\\\\\\ud800\\\\x\"}");
}

// exact_string_json keeps valid UTF-8 a plain JSON string and anything else as hex, and both
// come back exactly through nlohmann's dump and parse.
BOOST_AUTO_TEST_CASE(exact_string_json_round_trips_every_string_through_nlohmann) {
  BOOST_TEST(exact_string_json("Ledger \xC3\xA9").is_string());
  BOOST_TEST(exact_string_json(wtf8(u"\xD800")) == (nlohmann::json{{"wtf8_hex", "eda080"}}));
  std::mt19937 random(11);
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    if (round % 2) {
      s = wtf8(random_utf16(random, 12));
    } else {
      s.resize(random() % 12);
      for (auto& b : s) b = static_cast<char>(random());
    }
    const auto stored = nlohmann::json::parse(exact_string_json(s).dump());
    BOOST_TEST_REQUIRE((exact_string_from_json(stored) == s), "round " << round);
  }
}

// Anything exact_string_json cannot have written is refused.
BOOST_AUTO_TEST_CASE(exact_string_from_json_refuses_other_values) {
  for (const nlohmann::json& bad : {nlohmann::json(nullptr), nlohmann::json(5), nlohmann::json::array(),
                                    nlohmann::json{{"wtf8_hex", "abc"}}, nlohmann::json{{"wtf8_hex", "zz"}},
                                    nlohmann::json{{"wtf8_hex", 12}}, nlohmann::json{{"hex", "00"}},
                                    nlohmann::json{{"wtf8_hex", "00"}, {"x", 1}}}) {
    BOOST_TEST(!exact_string_from_json(bad).has_value(), "accepted: " << bad.dump());
  }
  BOOST_TEST(!exact_string_from_json(nlohmann::json{{"wtf8_hex", "ED A0"}}).has_value());
  BOOST_TEST((exact_string_from_json(nlohmann::json{{"wtf8_hex", "EDa080"}}) == std::string("\xED\xA0\x80")));
}

BOOST_AUTO_TEST_SUITE_END()
