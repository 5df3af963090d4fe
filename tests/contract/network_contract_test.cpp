// Network contract, loopback only: natively the fake and the POSIX backend, under Wine the
// Winsock backend. Each case opens its own listener (nobody accepts: the backlog takes the
// connection, which is all try_connect needs).
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "platform/network_errors.hpp"
#include "tests/contract/contract_support.hpp"
#include "tests/contract/facility_backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Net {
  NetworkBackend backend = make_network_backend();
  Network& network = *backend.network;
  Net() { BOOST_TEST_MESSAGE("network backend: " << backend.name); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(network_contract, Net)

// A listening loopback port accepts: true, well within the timeout.
BOOST_AUTO_TEST_CASE(listening_port_accepts) {
  const auto listener = backend.listen();
  const auto started = Clock::now();
  BOOST_TEST(network.try_connect("127.0.0.1", listener->port(), 5s).value());
  BOOST_TEST((Clock::now() - started < 2s));
}

// "localhost" resolves and reaches the same listener (whichever of ::1 / 127.0.0.1 comes first).
BOOST_AUTO_TEST_CASE(localhost_reaches_the_loopback_listener) {
  const auto listener = backend.listen();
  BOOST_TEST(network.try_connect("localhost", listener->port(), 5s).value());
}

// A port nobody listens on any more: false, answered at once (refused), not after the timeout.
BOOST_AUTO_TEST_CASE(closed_port_is_refused_quickly) {
  std::uint16_t port = 0;
  {
    const auto listener = backend.listen();
    port = listener->port();
    BOOST_TEST(network.try_connect("127.0.0.1", port, 5s).value());  // control: it was open
  }
  const auto started = Clock::now();
  const auto connected = network.try_connect("127.0.0.1", port, 5s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  BOOST_TEST_MESSAGE("refused after " << took.count() << " ms");
  BOOST_TEST(!connected.value());
  BOOST_TEST((took < 1s));
}

// A name that cannot exist (.invalid, RFC 6761) is an error, WSAHOST_NOT_FOUND, naming the host.
BOOST_AUTO_TEST_CASE(unresolvable_name_is_an_error) {
  const auto result = network.try_connect("wsbkit-no-such-host.invalid", 80, 2s);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().win32_code() == network_error::host_not_found);
  BOOST_TEST(result.error().object().find("wsbkit-no-such-host.invalid") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
