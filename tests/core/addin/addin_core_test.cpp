#include <boost/test/unit_test.hpp>

#include "core/addin/addin_core.hpp"

using namespace wsbkit;

namespace {
struct Fixture {
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& line) { lines.push_back(line); }};
  AddinCore core{log};
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(addin_core, Fixture)

// Without a policy there is no check: S_FALSE and no async object; the call is logged.
BOOST_AUTO_TEST_CASE(check_consistency_without_policy_is_s_false_without_async) {
  ConsistencyRequest r;
  r.component_name = "Ledger";
  r.volume_count = 1;
  r.source_volumes = StringArray{std::string("\\\\?\\Volume{1}\\")};
  r.snapshot_volumes = StringArray{std::string("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\")};
  const auto result = core.check_consistency(r);
  BOOST_TEST(result.hr == hr::s_false);
  BOOST_TEST(!result.async);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].find("\"method\":\"CheckConsistency\"") != std::string::npos);
  BOOST_TEST(lines[0].find("\"component\":\"Ledger\"") != std::string::npos);
  BOOST_TEST(lines[0].find("\"result\":\"S_FALSE\"") != std::string::npos);
}

// NULL strings and NULL volume arrays are legal (`unique`): still S_FALSE, logged as null.
BOOST_AUTO_TEST_CASE(check_consistency_accepts_null_strings_and_arrays) {
  ConsistencyRequest r;
  r.volume_count = 3;
  BOOST_TEST(core.check_consistency(r).hr == hr::s_false);
  BOOST_TEST(lines.at(0).find("\"component\":null") != std::string::npos);
}

// More than MAX_VOLUMES volumes, or arrays that disagree with the count, are E_INVALIDARG.
BOOST_AUTO_TEST_CASE(check_consistency_refuses_too_many_or_inconsistent_volumes) {
  ConsistencyRequest r;
  r.volume_count = 1001;
  BOOST_TEST(core.check_consistency(r).hr == hr::e_invalidarg);
  r.volume_count = 2;
  r.source_volumes = StringArray{std::string("a")};
  BOOST_TEST(core.check_consistency(r).hr == hr::e_invalidarg);
  r.volume_count = 1000;
  r.source_volumes = StringArray(1000);
  BOOST_TEST(core.check_consistency(r).hr == hr::s_false);
}

// Pre/PostRestore have nothing to do yet: S_OK, each logged with its arguments.
BOOST_AUTO_TEST_CASE(pre_and_post_restore_succeed_and_log) {
  RestoreRequest r{std::nullopt, std::string("Ledger"), std::string("App\\Ledger"), true};
  BOOST_TEST(core.pre_restore(r) == hr::ok);
  BOOST_TEST(core.post_restore(r) == hr::ok);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[1].find("\"method\":\"PostRestore\"") != std::string::npos);
  BOOST_TEST(lines[1].find("\"logical_path\":\"App\\\\Ledger\"") != std::string::npos);
  BOOST_TEST(lines[1].find("\"no_roll_forward\":true") != std::string::npos);
}

// No ordering policy: S_FALSE with both outs NULL; too many components: E_INVALIDARG.
BOOST_AUTO_TEST_CASE(order_components_without_policy_is_s_false_with_null_outs) {
  OrderRequest r{3, StringArray(3, std::string("c")), StringArray(3)};
  const auto result = core.order_components(r);
  BOOST_TEST(result.hr == hr::s_false);
  BOOST_TEST(!result.names);
  BOOST_TEST(!result.logical_paths);
  OrderRequest too_many{10001, StringArray(10001), StringArray(10001)};
  BOOST_TEST(core.order_components(too_many).hr == hr::e_invalidarg);
  OrderRequest mismatched{2, StringArray(1), StringArray(2)};
  BOOST_TEST(core.order_components(mismatched).hr == hr::e_invalidarg);
}

// Roll-forward is not supported without a policy saying so: S_OK and FALSE.
BOOST_AUTO_TEST_CASE(roll_forward_is_not_supported_by_default) {
  bool supported = true;
  BOOST_TEST(core.is_roll_forward_supported(supported) == hr::ok);
  BOOST_TEST(!supported);
}

// Log lines are valid JSON strings even for quotes, backslashes and control characters.
BOOST_AUTO_TEST_CASE(log_escapes_json_special_characters) {
  BOOST_TEST(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
}

BOOST_AUTO_TEST_SUITE_END()
