#include <boost/test/unit_test.hpp>

#include "platform/event_log.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

BOOST_AUTO_TEST_SUITE(event_log_text)

// Valid text, tabs and line ends included, is reported unchanged (format directives too).
BOOST_AUTO_TEST_CASE(valid_text_is_reported_unchanged) {
  const std::string text = "wsbkit PreRestore failed for component caf\xC3\xA9 \xF0\x9F\x98\x80 %s%n%x %1:\n\tdetail\r\n";
  BOOST_TEST(event_message_text(text) == text);
  BOOST_TEST(event_message_text("") == "");
}

// Unpaired surrogates, bytes that are not UTF-8, NULs, other control characters and the
// non-characters U+FFFE/U+FFFF become U+FFFD, one per code unit or bad byte.
BOOST_AUTO_TEST_CASE(what_an_event_cannot_hold_becomes_replacement_characters) {
  const std::string r = "\xEF\xBF\xBD";
  const char16_t lone[] = {u'a', 0xD800, u'b', 0xDC00, 0xDC00, 0xD800, u'c', 0};
  BOOST_TEST(event_message_text(utf16_to_utf8(lone)) == "a" + r + "b" + r + r + r + "c");
  BOOST_TEST(event_message_text(std::string("n\0u\x01l\x1F", 6)) == "n" + r + "u" + r + "l" + r);
  BOOST_TEST(event_message_text("cp437 \x82t\xFF") == "cp437 " + r + "t" + r);
  BOOST_TEST(event_message_text("\xEF\xBF\xBE\xEF\xBF\xBF") == r + r);
  BOOST_TEST(is_valid_utf8(event_message_text(utf16_to_utf8(lone))));
}

// A message past ReportEventW's 31,839 characters is cut between characters, with a note, and
// fits the limit exactly.
BOOST_AUTO_TEST_CASE(long_messages_are_cut_to_the_limit_with_a_note) {
  const std::string at_limit(max_event_message_units, 'x');
  BOOST_TEST(event_message_text(at_limit) == at_limit);
  std::u16string pairs;
  for (int i = 0; i < 40000; ++i) pairs += u"\xD83D\xDE00";  // 80,000 code units
  const std::u16string cut = utf8_to_utf16(event_message_text(utf16_to_utf8(pairs)));
  BOOST_TEST(cut.size() <= max_event_message_units);
  BOOST_TEST(cut.size() >= max_event_message_units - 1);
  const std::u16string note = u"\n[... 80000 characters in all; the rest was cut]";
  BOOST_TEST((cut.substr(cut.size() - note.size()) == note));
  const std::u16string kept = cut.substr(0, cut.size() - note.size());
  BOOST_TEST(kept.size() % 2 == 0u);  // whole pairs only
  BOOST_TEST((kept == pairs.substr(0, kept.size())));
}

BOOST_AUTO_TEST_SUITE_END()
