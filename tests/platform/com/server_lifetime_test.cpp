#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "mock/fake_clock.hpp"
#include "platform/com/com_server_lifetime.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(server_lifetime)

// Started by COM but never used: exits once the idle timeout has passed on its Clock, having slept
// through it in slices of the poll interval (manual time: no real time passes).
BOOST_AUTO_TEST_CASE(exits_after_idle_timeout_when_nobody_connects) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 20s, 50ms);
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::idle_timeout));
  BOOST_TEST((clock.total_slept() == 20s));
  BOOST_TEST(clock.sleeps().size() == 400u);
}

// Used: stays while a reference is held, however far past the idle timeout, and exits on the last
// release only.
BOOST_AUTO_TEST_CASE(stays_while_referenced_and_exits_on_last_release) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 10ms);
  lifetime.add_ref();
  lifetime.add_ref();
  std::atomic<bool> returned{false};
  std::thread client([&] {
    clock.advance(1h);
    lifetime.release();
    std::this_thread::sleep_for(20ms);  // (real time: the server's wait must still be blocked)
    BOOST_TEST(!returned.load());
    clock.advance(1h);
    lifetime.release();
  });
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  returned = true;
  client.join();
  BOOST_TEST(lifetime.count() == 0);
  BOOST_TEST(clock.sleeps().empty());  // nothing is timed while referenced
}

// An exit request ends the wait, referenced or not.
BOOST_AUTO_TEST_CASE(exit_request_ends_the_wait) {
  mock::FakeClock clock;
  ServerLifetime idle(clock, 1h);
  idle.request_exit();
  BOOST_TEST((idle.wait() == ServerLifetime::ExitReason::requested));
  ServerLifetime held(clock, 1h);
  held.add_ref();
  std::thread stopper([&] { held.request_exit(); });
  BOOST_TEST((held.wait() == ServerLifetime::ExitReason::requested));
  stopper.join();
}

// An open restore session holds the server past its last client; letting go then ends it.
BOOST_AUTO_TEST_CASE(a_session_hold_outlives_the_last_client) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 10ms);
  lifetime.add_ref();  // WSB's object
  lifetime.hold();     // the session PreRestore opened
  lifetime.release();  // WSB lets go between PreRestore and PostRestore
  std::atomic<bool> returned{false};
  std::thread session([&] {
    clock.advance(3h);
    std::this_thread::sleep_for(20ms);  // (real time: the server's wait must still be blocked)
    BOOST_TEST(!returned.load());
    BOOST_TEST(lifetime.count() == 1);
    lifetime.let_go();
  });
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  returned = true;
  session.join();
}

// A hold taken and let go before any client (the expiry check at activation) is not a client:
// the server still waits for one until the idle timeout.
BOOST_AUTO_TEST_CASE(a_hold_before_any_client_keeps_the_idle_timeout) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 30ms);
  lifetime.hold();
  lifetime.let_go();
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::idle_timeout));
}

// The last release decides the exit: an activation after it is refused (CO_E_SERVER_STOPPING at
// the factory), never handed an object of a server that is unwinding.
BOOST_AUTO_TEST_CASE(no_activation_is_accepted_after_the_last_release) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 1h);
  BOOST_REQUIRE(lifetime.activate());
  lifetime.release();
  BOOST_TEST(!lifetime.activate());
  BOOST_TEST(!lifetime.enter_call());
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  BOOST_TEST(lifetime.count() == 0);
}

// Clients activating and releasing on several threads while the count keeps touching zero: every
// activation either comes before the exit decision (and is released) or is refused after it; when
// wait() returns nothing is counted and nothing is accepted any more.
BOOST_AUTO_TEST_CASE(activations_racing_the_last_release_are_counted_or_refused) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 1h);
  BOOST_REQUIRE(lifetime.activate());
  std::atomic<bool> go{false};
  std::atomic<int> accepted{0}, refused{0}, refused_calls{0};  // Boost.Test is not thread-safe: checked after join
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < 2000; ++i) {
        if (!lifetime.activate()) {
          ++refused;
          continue;
        }
        ++accepted;
        CallScope call(lifetime);  // the object's calls work while it is alive
        if (!call.ok()) ++refused_calls;
        lifetime.release();
      }
    });
  }
  go = true;
  lifetime.release();  // the first client lets go: the count races through zero
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::last_release));
  for (auto& c : clients) c.join();
  BOOST_TEST(lifetime.count() == 0);
  BOOST_TEST(!lifetime.activate());
  BOOST_TEST(accepted + refused == 8000);
  BOOST_TEST(refused_calls == 0);
}

// A service STOP with a call in flight: the wait returns only once that call has finished, and
// calls arriving after the STOP are refused.
BOOST_AUTO_TEST_CASE(an_exit_request_drains_the_calls_in_flight) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 1h);
  BOOST_REQUIRE(lifetime.activate());
  BOOST_REQUIRE(lifetime.enter_call());
  std::atomic<bool> returned{false};
  std::thread server([&] {
    BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::requested));
    returned = true;
  });
  lifetime.request_exit();
  std::this_thread::sleep_for(50ms);  // (real time: the wait must still be blocked by the call)
  BOOST_TEST(!returned.load());
  BOOST_TEST(!lifetime.enter_call());
  lifetime.leave_call();
  server.join();
  BOOST_TEST(returned.load());
}

// The idle timeout decides the exit too: a first client arriving after it is refused.
BOOST_AUTO_TEST_CASE(no_activation_is_accepted_after_the_idle_timeout) {
  mock::FakeClock clock;
  ServerLifetime lifetime(clock, 10ms);
  BOOST_TEST((lifetime.wait() == ServerLifetime::ExitReason::idle_timeout));
  BOOST_TEST(!lifetime.activate());
}

BOOST_AUTO_TEST_SUITE_END()
