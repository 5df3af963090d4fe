// Event log contract: natively against mock::FakeEventLog, under Wine against the Win32 backend
// (ReportEventW, source "wsbkit"; Wine accepts the events and keeps them nowhere).
#include <boost/test/unit_test.hpp>

#include "platform/event_log.hpp"
#include "tests/contract/backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {
struct EventLogUnderTest {
  EventLogBackend backend = make_event_log_backend();
  EventLog& log = *backend.event_log;
  EventLogUnderTest() { BOOST_TEST_MESSAGE("event log backend: " << backend.name); }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(event_log_contract, EventLogUnderTest)

// Reports of every severity succeed.
BOOST_AUTO_TEST_CASE(reports_every_severity) {
  BOOST_TEST(log.report(EventSeverity::information, 1000, "wsbkit contract test: information").ok());
  BOOST_TEST(log.report(EventSeverity::warning, 2000, "wsbkit contract test: warning").ok());
  BOOST_TEST(log.report(EventSeverity::error, 3000, "wsbkit contract test: error").ok());
}

// Non-ASCII text, an empty message and a long (8000 characters) message are accepted.
BOOST_AUTO_TEST_CASE(accepts_unicode_empty_and_long_messages) {
  BOOST_TEST(log.report(EventSeverity::information, 1001, "Ledger \xC3\xA9t\xC3\xA9 \xE2\x82\xAC").ok());
  BOOST_TEST(log.report(EventSeverity::information, 1002, "").ok());
  BOOST_TEST(log.report(EventSeverity::warning, 2001, std::string(8000, 'x')).ok());
}

// Text no event can hold as is is reported all the same: unpaired surrogates, NULs, bytes that are
// not UTF-8, format directives and 100,000 characters (the Win32 backend makes it valid and cuts it).
BOOST_AUTO_TEST_CASE(accepts_messages_with_text_an_event_cannot_hold) {
  BOOST_TEST(log.report(EventSeverity::warning, 2002, "lone \xED\xA0\x80 and \xED\xB0\x80 surrogates").ok());
  BOOST_TEST(log.report(EventSeverity::warning, 2003, std::string("nul\0inside \x82\xFF %s%n%x %1 %%1", 27)).ok());
  BOOST_TEST(log.report(EventSeverity::warning, 2004, std::string(100000, 'y')).ok());
}

BOOST_AUTO_TEST_SUITE_END()
