#include <boost/test/unit_test.hpp>

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

// Malformed UTF-8 and lone surrogates become U+FFFD instead of throwing or being dropped silently.
BOOST_AUTO_TEST_CASE(replaces_invalid_sequences_with_replacement_character) {
  BOOST_TEST((utf8_to_utf16("a\xFF" "b") == u"a\uFFFDb"));
  BOOST_TEST((utf8_to_utf16("\xC0\xAF") == u"\uFFFD\uFFFD"));  // overlong '/'
  const char16_t lone[] = {u'x', 0xD800, u'y', 0};
  BOOST_TEST(utf16_to_utf8(lone) == "x\xEF\xBF\xBDy");
}

// Registry names and GUIDs compare case-insensitively.
BOOST_AUTO_TEST_CASE(compares_ascii_case_insensitively) {
  BOOST_TEST(iequals("Application Support", "APPLICATION support"));
  BOOST_TEST(!iequals("CLSID", "CLSID2"));
  BOOST_TEST(to_upper_ascii("{abc-d}") == "{ABC-D}");
}

BOOST_AUTO_TEST_SUITE_END()
