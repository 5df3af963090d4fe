// Clock contract: natively against mock::FakeClock (manual time) and the POSIX clock, under Wine
// against the Win32 clock. Real clocks and the fake agree on everything logic may rely on.
#include <boost/test/unit_test.hpp>

#include "platform/clock.hpp"
#include "tests/contract/backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;
using namespace std::chrono_literals;

namespace {
struct ClockUnderTest {
  ClockBackend backend = make_clock_backend();
  Clock& clock = *backend.clock;
  ClockUnderTest() { BOOST_TEST_MESSAGE("clock backend: " << backend.name); }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(clock_contract, ClockUnderTest)

// Steady time never goes backwards, however often it is read.
BOOST_AUTO_TEST_CASE(steady_time_never_goes_backwards) {
  auto previous = clock.steady_now();
  for (int i = 0; i < 10000; ++i) {
    const auto current = clock.steady_now();
    BOOST_REQUIRE(current >= previous);
    previous = current;
  }
}

// Sleeping 30 ms advances steady time by at least 30 ms (and not absurdly more).
BOOST_AUTO_TEST_CASE(sleep_advances_steady_time_by_at_least_the_duration) {
  const auto before = clock.steady_now();
  clock.sleep_for(30ms);
  const auto slept = clock.steady_now() - before;
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(slept).count() >= 30);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(slept).count() < 5000);
}

// Wall time moves forward with a sleep too (allowing 5 ms of wall-clock granularity).
BOOST_AUTO_TEST_CASE(sleep_advances_wall_time) {
  const auto before = clock.now();
  clock.sleep_for(30ms);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - before);
  BOOST_TEST(elapsed.count() >= 25);
  BOOST_TEST(elapsed.count() < 5000);
}

// Wall time is a plausible UTC date (after 2020), so timestamps and file names make sense.
BOOST_AUTO_TEST_CASE(wall_time_is_a_plausible_date) {
  const auto year_2020 = std::chrono::sys_days(std::chrono::year(2020) / 1 / 1);
  BOOST_TEST((clock.now() > year_2020));
}

// Zero and negative sleeps return at once instead of blocking or failing.
BOOST_AUTO_TEST_CASE(zero_and_negative_sleeps_return_immediately) {
  const auto before = clock.steady_now();
  clock.sleep_for(0ms);
  clock.sleep_for(-5ms);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now() - before).count() < 1000);
}

BOOST_AUTO_TEST_SUITE_END()
