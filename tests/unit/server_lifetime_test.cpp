#include <boost/test/unit_test.hpp>

#include <thread>

#include "platform/com_server_lifetime.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(server_lifetime)

// Started by COM but never used: exits after the idle timeout.
BOOST_AUTO_TEST_CASE(exits_after_idle_timeout_when_nobody_connects) {
  ServerLifetime lifetime(20ms);
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::idle_timeout));
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 20ms));
}

// Used: stays while a reference is held (longer than the idle timeout), exits on the last release.
BOOST_AUTO_TEST_CASE(stays_while_referenced_and_exits_on_last_release) {
  ServerLifetime lifetime(10ms);
  lifetime.add_ref();
  lifetime.add_ref();
  std::thread client([&] {
    std::this_thread::sleep_for(50ms);
    lifetime.release();
    std::this_thread::sleep_for(10ms);
    BOOST_TEST(lifetime.count() == 1);
    lifetime.release();
  });
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 60ms));
  client.join();
  BOOST_TEST(lifetime.count() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
