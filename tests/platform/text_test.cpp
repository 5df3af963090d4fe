#include <boost/test/unit_test.hpp>

#include <iterator>
#include <random>

#include "platform/text.hpp"

using namespace wsbkit;

BOOST_AUTO_TEST_SUITE(text)

// ASCII, BMP and astral characters survive UTF-8 -> UTF-16 -> UTF-8 unchanged.
BOOST_AUTO_TEST_CASE(round_trips_ascii_bmp_and_astral_characters) {
  const std::string s = "Ledger \xC3\xA9\xE2\x82\xAC \xF0\x9F\x98\x80 end";
  const std::u16string w = utf8_to_utf16(s);
  BOOST_TEST(w.size() == 16u);  // the emoji takes a surrogate pair
  BOOST_TEST((w[8] == u'\u20AC'));
  BOOST_TEST(utf16_to_utf8(w) == s);
}

// Malformed UTF-8 becomes U+FFFD instead of throwing or being dropped silently.
BOOST_AUTO_TEST_CASE(replaces_invalid_sequences_with_replacement_character) {
  BOOST_TEST((utf8_to_utf16("a\xFF" "b") == u"a\uFFFDb"));
  BOOST_TEST((utf8_to_utf16("\xC0\xAF") == u"\uFFFD\uFFFD"));  // overlong '/'
  BOOST_TEST((utf8_to_utf16("\xF4\x90\x80\x80") == u"\uFFFD\uFFFD\uFFFD\uFFFD"));  // above U+10FFFF
}

// An unpaired surrogate (legal in Windows names and COM strings) is kept as its own WTF-8
// sequence and comes back as the same code unit.
BOOST_AUTO_TEST_CASE(keeps_an_unpaired_surrogate_through_both_conversions) {
  const char16_t lone[] = {u'x', 0xD800, u'y', 0xDFFF, 0};
  const std::string wtf8 = utf16_to_utf8(lone);
  BOOST_TEST(wtf8 == "x\xED\xA0\x80y\xED\xBF\xBF");
  BOOST_TEST((utf8_to_utf16(wtf8) == std::u16string(lone)));
  BOOST_TEST(!is_valid_utf8(wtf8));
  BOOST_TEST(to_valid_utf8(wtf8) == "x\xEF\xBF\xBDy\xEF\xBF\xBD");
}

// Every UTF-16 string, however malformed, survives UTF-16 -> WTF-8 -> UTF-16 bit for bit.
BOOST_AUTO_TEST_CASE(every_utf16_string_round_trips_exactly) {
  std::mt19937 random(20261202);
  const char16_t interesting[] = {0x0000, 0x0041, 0x00E9, 0x07FF, 0x0800, 0xD7FF, 0xD800, 0xDBFF,
                                  0xDC00, 0xDFFF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF};
  for (int round = 0; round < 20000; ++round) {
    std::u16string w(random() % 12, u'\0');
    for (auto& unit : w) {
      unit = random() % 2 ? interesting[random() % std::size(interesting)] : static_cast<char16_t>(random());
    }
    const std::u16string back = utf8_to_utf16(utf16_to_utf8(w));
    BOOST_TEST_REQUIRE((back == w), "round " << round << " changed the string");
  }
}

// Tool output in an OEM code page or UTF-16 is made valid UTF-8 without losing its valid parts.
BOOST_AUTO_TEST_CASE(makes_arbitrary_bytes_valid_utf8_keeping_valid_characters) {
  BOOST_TEST(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  BOOST_TEST(!is_valid_utf8("caf\x82"));  // CP437 e-acute
  BOOST_TEST(to_valid_utf8("caf\x82!") == "caf\xEF\xBF\xBD!");
  const std::string utf16le("o\0k\0", 4);
  BOOST_TEST(to_valid_utf8(utf16le) == utf16le);  // NULs are valid UTF-8: JSON escapes them
  BOOST_TEST(to_valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

// Cutting text never splits a multi-byte character.
BOOST_AUTO_TEST_CASE(cuts_only_between_characters) {
  const std::string s = "a\xE2\x82\xAC" "b";  // a EURO b
  BOOST_TEST(utf8_cut_before(s, 2) == 1u);
  BOOST_TEST(utf8_cut_before(s, 3) == 1u);
  BOOST_TEST(utf8_cut_before(s, 4) == 4u);
  BOOST_TEST(utf8_cut_before(s, 99) == s.size());
  BOOST_TEST(utf8_cut_after(s, 2) == 4u);
  BOOST_TEST(utf8_cut_after(s, 1) == 1u);
}

// Registry names and GUIDs compare case-insensitively.
BOOST_AUTO_TEST_CASE(compares_ascii_case_insensitively) {
  BOOST_TEST(iequals("Application Support", "APPLICATION support"));
  BOOST_TEST(!iequals("CLSID", "CLSID2"));
  BOOST_TEST(to_upper_ascii("{abc-d}") == "{ABC-D}");
}

BOOST_AUTO_TEST_SUITE_END()
