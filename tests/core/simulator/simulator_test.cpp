#include <boost/test/unit_test.hpp>

#include <atomic>

#include "core/simulator/simulator.hpp"
#include "mock/fake_clock.hpp"
#include "platform/text.hpp"

using namespace wsbkit;

namespace {

// A scripted add-in: records the calls it receives and answers as configured.
class ScriptedAddin : public WsbApplication {
 public:
  struct Async : WsbAsync {
    std::atomic<int> polls_left;
    std::atomic<bool> aborted{false};
    explicit Async(int polls) : polls_left(polls) {}
    Hresult query_status(Hresult& result) override {
      if (aborted) result = hr::e_abort;
      else result = polls_left-- > 0 ? hr::wsbapp_async_in_progress : hr::ok;
      return hr::ok;
    }
    Hresult abort() override {
      aborted = true;
      return hr::ok;
    }
  };

  std::vector<std::string> received;
  int polls = -1;  // <0: no check (S_FALSE)
  bool reverse_order = false;
  std::function<OrderResult(const OrderRequest&)> order;  // set: answers OrderComponents
  std::shared_ptr<Async> last_async;

  ConsistencyResult check_consistency(const ConsistencyRequest& r) override {
    received.push_back("CheckConsistency " + r.component_name.value_or("NULL") + " " + std::to_string(r.volume_count));
    if (polls < 0) return {hr::s_false, nullptr};
    last_async = std::make_shared<Async>(polls);
    return {hr::ok, last_async};
  }
  Hresult pre_restore(const RestoreRequest& r) override {
    received.push_back("PreRestore " + r.component_name.value_or("NULL") + (r.no_roll_forward ? " nrf" : ""));
    return hr::ok;
  }
  Hresult post_restore(const RestoreRequest& r) override {
    received.push_back("PostRestore " + r.component_name.value_or("NULL"));
    return hr::ok;
  }
  OrderResult order_components(const OrderRequest& r) override {
    received.push_back("OrderComponents " + std::to_string(r.component_count));
    if (order) return order(r);
    if (!reverse_order) return {hr::s_false, std::nullopt, std::nullopt};
    return {hr::ok, StringArray(r.names.rbegin(), r.names.rend()),
            StringArray(r.logical_paths.rbegin(), r.logical_paths.rend())};
  }
  Hresult is_roll_forward_supported(bool& supported) override {
    received.push_back("IsRollForwardSupported");
    supported = true;
    return hr::ok;
  }
};

SimulationOptions two_components() {
  SimulationOptions o;
  o.components = {{"A", std::string("App\\A")}, {"B", std::nullopt}};
  o.source_volumes = {"\\\\?\\Volume{1}\\"};
  o.snapshot_volumes = {"\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\"};
  o.poll_interval = std::chrono::milliseconds(1);
  return o;
}

// Runs the simulator on manual time: its polls and timeouts take no real time.
std::vector<SimulatedCall> simulate(WsbApplication& addin, const SimulationOptions& options,
                                    mock::FakeClock* clock = nullptr) {
  mock::FakeClock own;
  return Simulator(addin, clock ? *clock : own, nullptr).run(options);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simulator)

// WSB's order: CheckConsistency per component, then OrderComponents, IsRollForwardSupported and
// Pre/PostRestore per component in the given order when the add-in has no preference.
BOOST_AUTO_TEST_CASE(drives_calls_in_wsb_order) {
  ScriptedAddin addin;
  const auto calls = simulate(addin, two_components());
  const std::vector<std::string> expected = {"CheckConsistency A 1", "CheckConsistency B 1", "OrderComponents 2",
                                             "IsRollForwardSupported", "PreRestore A", "PostRestore A",
                                             "PreRestore B", "PostRestore B"};
  BOOST_TEST(addin.received == expected, boost::test_tools::per_element());
  BOOST_TEST(calls.size() == expected.size());
  for (const auto& c : calls) BOOST_TEST(c.ok, c.method << " flagged");
}

// An S_OK order is followed: components are restored in the order the add-in returned.
BOOST_AUTO_TEST_CASE(restores_in_the_order_the_addin_returns) {
  ScriptedAddin addin;
  addin.reverse_order = true;
  auto options = two_components();
  options.backup = false;
  options.no_roll_forward = true;
  simulate(addin, options);
  const std::vector<std::string> expected = {"OrderComponents 2", "IsRollForwardSupported", "PreRestore B nrf",
                                             "PostRestore B", "PreRestore A nrf", "PostRestore A"};
  BOOST_TEST(addin.received == expected, boost::test_tools::per_element());
}

// A running check is polled with QueryStatus until it reports its result.
BOOST_AUTO_TEST_CASE(polls_a_running_check_until_done) {
  ScriptedAddin addin;
  addin.polls = 3;
  auto options = two_components();
  options.components.resize(1);
  options.restore = false;
  const auto calls = simulate(addin, options);
  BOOST_REQUIRE_EQUAL(calls.size(), 2u);
  BOOST_TEST(calls[1].method == "QueryStatus");
  BOOST_TEST(calls[1].outcome == "result S_OK");
  BOOST_TEST(addin.last_async->polls_left.load() < 0);
}

// Cancelling: past abort_after the simulator calls Abort and expects the check to settle (E_ABORT).
BOOST_AUTO_TEST_CASE(aborts_a_check_that_runs_too_long) {
  ScriptedAddin addin;
  addin.polls = 1000000;
  auto options = two_components();
  options.components.resize(1);
  options.restore = false;
  options.abort_after = std::chrono::seconds(5);
  mock::FakeClock clock;
  const auto calls = simulate(addin, options, &clock);
  BOOST_REQUIRE_EQUAL(calls.size(), 4u);
  // Five seconds of polling every millisecond, on the Clock: 5000 sleeps, no real time.
  BOOST_TEST(clock.sleeps().size() == 5000u);
  BOOST_TEST((clock.total_slept() == std::chrono::seconds(5)));
  BOOST_TEST(calls[2].method == "Abort");
  BOOST_TEST(calls[3].outcome == "result E_ABORT");
  BOOST_TEST(calls[3].ok);
  BOOST_TEST(addin.last_async->aborted.load());
}

// A broken answer (S_OK from OrderComponents without arrays) is flagged as one WSB would reject.
BOOST_AUTO_TEST_CASE(flags_protocol_violations) {
  struct Broken : ScriptedAddin {
    OrderResult order_components(const OrderRequest&) override { return {hr::ok, std::nullopt, std::nullopt}; }
  } addin;
  auto options = two_components();
  options.backup = false;
  const auto calls = simulate(addin, options);
  BOOST_TEST(!calls.at(0).ok);
}

// Names print as JSON literals: quotes, control characters and unpaired surrogates show exactly
// (\udXXX) and the printed line stays valid UTF-8.
BOOST_AUTO_TEST_CASE(prints_names_exactly_as_json_literals) {
  ScriptedAddin addin;
  addin.reverse_order = true;
  SimulationOptions options;
  const char16_t lone[] = {u'D', u'B', 0xD800, 0};
  options.components = {{utf16_to_utf8(lone), std::string("a\"b\nc %s%n")}, {"Logs", std::nullopt}};
  std::vector<SimulatedCall> seen;
  mock::FakeClock clock;
  Simulator(addin, clock, [&](const SimulatedCall& c) { seen.push_back(c); }).run(options);
  BOOST_REQUIRE(seen.size() >= 6u);
  BOOST_TEST(seen[0].arguments == "component=\"DB\\ud800\", volumes=0");
  BOOST_TEST(seen[2].outcome == "order: \"Logs\", \"DB\\ud800\"");
  BOOST_TEST(seen[6].arguments == "component=\"DB\\ud800\", logical_path=\"a\\\"b\\nc %s%n\", no_roll_forward=FALSE");
  for (const auto& c : seen) BOOST_TEST((is_valid_utf8(c.arguments) && is_valid_utf8(c.outcome)));
}

// S_OK with out arrays that are not exactly the components given (pairs split, one dropped and
// one doubled) is flagged, and the restore goes on in the order WSB gave.
BOOST_AUTO_TEST_CASE(flags_an_order_that_is_not_a_permutation_of_the_pairs) {
  auto options = two_components();
  options.backup = false;
  const std::vector<std::function<OrderResult(const OrderRequest&)>> answers = {
      [](const OrderRequest& r) {  // names reversed, paths not: pairs split
        return OrderResult{hr::ok, StringArray(r.names.rbegin(), r.names.rend()), r.logical_paths};
      },
      [](const OrderRequest& r) {  // the first pair twice, the second dropped
        return OrderResult{hr::ok, StringArray(2, r.names[0]), StringArray(2, r.logical_paths[0])};
      }};
  for (const auto& answer : answers) {
    ScriptedAddin addin;
    addin.order = answer;
    const auto calls = simulate(addin, options);
    BOOST_TEST(!calls[0].ok);
    BOOST_TEST(calls[0].outcome == "S_OK with out arrays that are not the components given (protocol violation)");
    const std::vector<std::string> expected = {"OrderComponents 2", "IsRollForwardSupported", "PreRestore A",
                                               "PostRestore A", "PreRestore B", "PostRestore B"};
    BOOST_TEST(addin.received == expected, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()
