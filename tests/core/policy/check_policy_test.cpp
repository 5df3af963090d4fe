#include <boost/test/unit_test.hpp>

#include "core/policy/policy.hpp"

using namespace wsbkit::policy;

namespace {

LoadResult load(const std::string& backup) {
  return parse_policy(R"({ "components": { "db": { "name": "LedgerDB" } }, "backup": )" + backup + "}");
}

bool has_problem(const LoadResult& r, const std::string& path, const std::string& fragment) {
  for (const auto& p : r.problems) {
    if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

std::string problems(const LoadResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.format("policy.json") + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check_policy)

// The three typed checks with their options parse into CheckStep actions with the step options.
BOOST_AUTO_TEST_CASE(three_typed_checks_parse_with_options) {
  const auto r = load(R"({ "check": [
    { "files.present": { "paths": ["D:\\Ledger\\data\\*.ldb", "\\\\?\\Volume{1b2c}\\x.cfg"], "non_empty": true, "min_size": 4096 } },
    { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128", "extra_files": "fail", "format": "xxh128",
                           "base_directory": "D:\\Ledger" }, "timeout": "10m", "on_error": "continue" },
    // the application's own checker
    { "run": { "executable": "C:\\Tools\\check.exe", "arguments": ["--quick"], "success_exit_codes": [0, 3] },
      "timeout": "5m", "retries": 2, "when": { "component": "db" } }
  ] })");
  BOOST_REQUIRE_MESSAGE(r.policy, problems(r));
  const auto& checks = r.policy->backup.checks;
  BOOST_REQUIRE_EQUAL(checks.size(), 3u);
  const auto& files = std::get<FilesPresent>(checks[0].action);
  BOOST_TEST(files.paths.size() == 2u);
  BOOST_TEST(files.non_empty);
  BOOST_TEST(files.min_size == 4096u);
  BOOST_TEST(checks[0].type() == "files.present");
  BOOST_TEST(checks[0].path == "backup.check[0]");
  const auto& manifest = std::get<ManifestVerify>(checks[1].action);
  BOOST_TEST(manifest.manifest == "D:\\Ledger\\MANIFEST.xxh128");
  BOOST_TEST((manifest.extra_files == ExtraFiles::fail));
  BOOST_TEST((manifest.format == ManifestFormat::xxh128));
  BOOST_TEST(manifest.base_directory.value_or("") == "D:\\Ledger");
  BOOST_TEST(checks[1].options.timeout.count() == 600000);
  BOOST_TEST((checks[1].options.on_error == OnError::continue_));
  const auto& run = std::get<RunChecker>(checks[2].action);
  BOOST_TEST(run.executable == "C:\\Tools\\check.exe");
  BOOST_TEST(run.success_exit_codes == (std::vector<std::int64_t>{0, 3}));
  BOOST_TEST(checks[2].options.retries == 2);
  BOOST_TEST(checks[2].options.when_components == std::vector<std::string>{"db"});
}

// A check's default timeout comes from "defaults" like a restore step's.
BOOST_AUTO_TEST_CASE(defaults_apply_to_checks) {
  const auto r = parse_policy(R"({ "defaults": { "timeout": "2m" },
    "backup": { "check": [ { "files.present": { "paths": "D:\\x" } } ] } })");
  BOOST_REQUIRE_MESSAGE(r.policy, problems(r));
  BOOST_TEST(r.policy->backup.checks.at(0).options.timeout.count() == 120000);
}

// Unknown actions, two actions in one step, and a non-object step are refused with their path.
BOOST_AUTO_TEST_CASE(malformed_steps_are_refused_with_their_path) {
  const auto r = load(R"({ "check": [ { "files.exist": {} },
    { "run": { "executable": "C:\\a.exe" }, "files.present": { "paths": "D:\\x" } }, 42 ] })");
  BOOST_TEST(!r.policy);
  BOOST_TEST(has_problem(r, "backup.check[0]", "needs one action key"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[0].files.exist", "unknown key"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[1]", "exactly one action"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[2]", "must be an object"), problems(r));
}

// Paths must be absolute live Windows paths; a manifest path may not hold wildcards.
BOOST_AUTO_TEST_CASE(relative_or_wildcard_paths_are_refused) {
  const auto r = load(R"({ "check": [ { "files.present": { "paths": ["data\\*.ldb"] } },
    { "manifest.verify": { "manifest": "D:\\Ledger\\*.xxh128" } },
    { "run": { "executable": "check.exe" } } ] })");
  BOOST_TEST(!r.policy);
  BOOST_TEST(has_problem(r, "backup.check[0].files.present.paths[0]", "absolute Windows path"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[1].manifest.verify.manifest", "without wildcards"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[2].run.executable", "absolute Windows path"), problems(r));
}

// Enumerated options reject unknown words; a missing manifest is reported.
BOOST_AUTO_TEST_CASE(bad_enumerations_and_missing_manifest_are_refused) {
  const auto r = load(R"({ "check": [ { "manifest.verify": { "manifest": "D:\\m", "format": "md5", "extra_files": "warn" } },
    { "manifest.verify": { } } ] })");
  BOOST_TEST(!r.policy);
  BOOST_TEST(has_problem(r, "backup.check[0].manifest.verify.format", "\"md5\""), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[0].manifest.verify.extra_files", "\"warn\""), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[1].manifest.verify", "missing required key 'manifest'"), problems(r));
}

// Restore-only options (once, when.no_roll_forward) and unknown components in `when` are refused.
BOOST_AUTO_TEST_CASE(restore_only_options_are_refused) {
  const auto r = load(R"({ "check": [ { "files.present": { "paths": "D:\\x" }, "once": true,
    "when": { "no_roll_forward": true, "component": "nope" } } ] })");
  BOOST_TEST(!r.policy);
  BOOST_TEST(has_problem(r, "backup.check[0].once", "unknown key"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[0].when.no_roll_forward", "restore steps only"), problems(r));
  BOOST_TEST(has_problem(r, "backup.check[0].when.component", "unknown component 'nope'"), problems(r));
}

// A bare-number timeout is refused here too (durations need units).
BOOST_AUTO_TEST_CASE(timeouts_need_units) {
  const auto r = load(R"({ "check": [ { "files.present": { "paths": "D:\\x" }, "timeout": 300 } ] })");
  BOOST_TEST(!r.policy);
  BOOST_TEST(has_problem(r, "backup.check[0].timeout", ""), problems(r));
}

// is_absolute_live_path accepts drive and volume GUID paths only.
BOOST_AUTO_TEST_CASE(live_path_shapes) {
  BOOST_TEST(is_absolute_live_path("D:\\a\\b", false));
  BOOST_TEST(is_absolute_live_path("\\\\?\\Volume{abc}\\a", false));
  BOOST_TEST(is_absolute_live_path("D:\\a\\*.x", true));
  BOOST_TEST(!is_absolute_live_path("D:\\a\\*.x", false));
  BOOST_TEST(!is_absolute_live_path("\\\\server\\share\\x", false));
  BOOST_TEST(!is_absolute_live_path("a\\b", true));
  BOOST_TEST(!is_absolute_live_path("\\\\?\\Volume{abc", true));
}

BOOST_AUTO_TEST_SUITE_END()
