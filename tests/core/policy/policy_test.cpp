#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

#include "core/policy/policy.hpp"

using namespace wsbkit::policy;

namespace {

const char* complete_policy = R"({
  // Contoso Ledger: stop the service for the restore, start it after.
  "application": { "writer_id": "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", "identifier": "Contoso Ledger" },
  "components": {
    "db":   { "name": "LedgerDB*" },
    "logs": { "name": "LedgerLogs", "logical_path": "Contoso\\Ledger" }
  },
  "roll_forward_supported": true,
  "defaults": { "timeout": "45s", "retries": 1 },
  "restore": {
    "order": ["db"],
    "after": [{ "component": "logs", "after": "db" }],
    "max_duration": "3h",
    "pre": [
      { "service.stop": { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "2m" },
      { "run": { "executable": "C:\\Contoso\\flush.exe", "arguments": ["--all"], "success_exit_codes": [0, 3] },
        "when": { "component": "db", "no_roll_forward": true }, "on_error": "continue" }
    ],
    "post": [
      { "wait.file": { "path": "C:\\Contoso\\ready.flag" }, "timeout": "10s" },
      { "service.start": { "service": "LedgerSvc" } },
      { "wait.port": { "port": 8443 }, "retries": 3, "retry_delay": "500ms" }
    ]
  }
})";

std::string first_problem(const std::string& text) {
  const auto result = parse_policy(text);
  return result.problems.empty() ? "" : result.problems[0].format("p.json");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(policy_file)

// A complete policy with comments parses into typed steps with defaults applied.
BOOST_AUTO_TEST_CASE(parses_a_complete_policy) {
  const auto result = parse_policy(complete_policy);
  BOOST_REQUIRE_MESSAGE(result.policy, (result.problems.empty() ? "" : result.problems[0].format("p")));
  const Policy& p = *result.policy;
  BOOST_TEST(p.writer_id == "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}");
  BOOST_TEST(p.roll_forward_supported);
  BOOST_TEST(p.restore.max_duration == std::chrono::hours(3));
  BOOST_REQUIRE_EQUAL(p.restore.pre.size(), 2u);
  const auto& stop = std::get<ServiceStop>(p.restore.pre[0].action);
  BOOST_TEST(stop.services == std::vector<std::string>{"LedgerSvc"});
  BOOST_TEST(stop.disable_during_restore);
  BOOST_TEST(p.restore.pre[0].options.once);  // service steps default to once per session
  BOOST_TEST(p.restore.pre[0].options.timeout == std::chrono::minutes(2));
  BOOST_TEST(p.restore.pre[0].options.retries == 1);  // from defaults
  const auto& run = std::get<Run>(p.restore.pre[1].action);
  BOOST_TEST(run.success_exit_codes == (std::vector<std::int64_t>{0, 3}));
  BOOST_TEST(!p.restore.pre[1].options.once);
  BOOST_TEST(p.restore.pre[1].options.timeout == std::chrono::seconds(45));
  BOOST_TEST((p.restore.pre[1].options.on_error == OnError::continue_));
  BOOST_TEST(*p.restore.pre[1].options.when_no_roll_forward);
  BOOST_TEST(std::get<WaitPort>(p.restore.post[2].action).host == "127.0.0.1");
  BOOST_TEST(p.restore.post[2].options.retry_delay == std::chrono::milliseconds(500));
}

// A bare number as a duration is refused, located at its key (unlike Velero, where "300" became 30 s).
BOOST_AUTO_TEST_CASE(bare_number_duration_is_an_error_with_location) {
  const std::string text = "{\n  \"defaults\": {\n    \"timeout\": 300\n  }\n}";
  BOOST_TEST(first_problem(text) ==
             "p.json:3:5: defaults.timeout: a duration needs a unit (e.g. \"30s\", \"5m\", \"250ms\"); got the bare number 300");
}

// Unknown keys are errors naming the allowed ones, located at the key.
BOOST_AUTO_TEST_CASE(unknown_key_is_an_error) {
  const std::string problem = first_problem("{\n \"restore\": { \"pre\": [], \"prre\": [] }\n}");
  BOOST_TEST(problem.find("p.json:2:26: restore.prre: unknown key") == 0u, problem);
  BOOST_TEST(problem.find("allowed here: after, max_duration, order, post, pre") != std::string::npos);
}

// Syntax errors carry the position where parsing stopped.
BOOST_AUTO_TEST_CASE(syntax_error_has_location) {
  const std::string problem = first_problem("{\n  \"restore\": {\n    \"pre\": [,]\n  }\n}");
  BOOST_TEST(problem.find("p.json:3:13: invalid JSON") == 0u, problem);
}

// Ranges, paths and names are checked.
BOOST_AUTO_TEST_CASE(out_of_range_and_implausible_values_are_refused) {
  BOOST_TEST(first_problem(R"({"defaults": {"retries": 11}})").find("must be between 0 and 10") != std::string::npos);
  BOOST_TEST(first_problem(R"({"defaults": {"timeout": "5h"}})").find("must be between 1ms and 4h") != std::string::npos);
  BOOST_TEST(first_problem(R"({"restore": {"pre": [{"run": {"executable": "flush.exe"}}]}})").find("absolute Windows path") !=
             std::string::npos);
  BOOST_TEST(first_problem(R"({"restore": {"pre": [{"service.stop": {"service": "a\\b"}}]}})").find("not a valid service name") !=
             std::string::npos);
  BOOST_TEST(first_problem(R"({"restore": {"pre": [{"service.stop": {"service": "a"}, "service.start": {"service": "a"}}]}})")
                 .find("exactly one action") != std::string::npos);
  BOOST_TEST(first_problem(R"({"restore": {"pre": [{"timeout": "1s"}]}})").find("needs one action key") != std::string::npos);
  BOOST_TEST(first_problem(R"({"restore": {"post": [{"wait.port": {"port": 70000}}]}})").find("between 1 and 65535") !=
             std::string::npos);
}

// Batch executables (restore steps and checks), UNC / device executables and working directories
// are validation errors naming the field; the batch message shows how to call cmd.exe instead.
BOOST_AUTO_TEST_CASE(batch_and_unc_paths_are_refused_at_validation) {
  const std::string batch = first_problem(R"({"restore": {"pre": [{"run": {"executable": "C:\\t\\Flush.Cmd."}}]}})");
  BOOST_TEST(batch.find("restore.pre[0].run.executable") != std::string::npos, batch);
  BOOST_TEST(batch.find("C:\\\\Windows\\\\System32\\\\cmd.exe") != std::string::npos, batch);
  const std::string check = first_problem(R"({"backup": {"check": [{"run": {"executable": "C:\\t\\c.bat"}}]}})");
  BOOST_TEST(check.find("batch file") != std::string::npos, check);
  const std::string unc = first_problem(R"({"restore": {"pre": [{"run": {"executable": "\\\\srv\\s\\x.exe"}}]}})");
  BOOST_TEST(unc.find("UNC") != std::string::npos, unc);
  const std::string device = first_problem(R"({"restore": {"pre": [{"run": {"executable": "\\\\.\\C:\\x.exe"}}]}})");
  BOOST_TEST(device.find("device") != std::string::npos, device);
  const std::string directory =
      first_problem(R"({"restore": {"pre": [{"run": {"executable": "C:\\x.exe", "working_directory": "\\\\srv\\s"}}]}})");
  BOOST_TEST(directory.find("working_directory") != std::string::npos, directory);
  BOOST_TEST(parse_policy(R"({"restore": {"pre": [{"run": {"executable": "C:\\Windows\\System32\\cmd.exe",
                 "arguments": ["/d", "/c", "C:\\t\\flush.cmd"], "working_directory": "C:\\t"}}]}})").policy.has_value());
}

// Executables referenced must exist when the check can be made (on the target machine).
BOOST_AUTO_TEST_CASE(missing_executable_is_refused_when_checkable) {
  ParseOptions options;
  options.file_exists = [](const std::string& path) { return path == "C:\\ok.exe"; };
  BOOST_TEST(parse_policy(R"({"restore": {"pre": [{"run": {"executable": "C:\\ok.exe"}}]}})", options).policy.has_value());
  const auto result = parse_policy(R"({"restore": {"pre": [{"run": {"executable": "C:\\gone.exe"}}]}})", options);
  BOOST_REQUIRE(!result.problems.empty());
  BOOST_TEST(result.problems[0].message == "does not exist: C:\\gone.exe");
}

// success_exit_codes hold 32-bit exit codes, signed or unsigned: exactly INT32_MIN..UINT32_MAX is
// accepted (restore steps and checks alike); anything else is refused naming the range.
BOOST_AUTO_TEST_CASE(exit_codes_are_accepted_in_exactly_the_32_bit_range) {
  const auto codes = [](const std::string& list, const char* section = "restore") {
    const std::string step = R"({"run": {"executable": "C:\\t\\x.exe", "success_exit_codes": )" + list + "}}";
    return parse_policy(std::string(section) == "restore" ? R"({"restore": {"pre": [)" + step + "]}}"
                                                          : R"({"backup": {"check": [)" + step + "]}}");
  };
  const auto ok = codes("[-2147483648, -1, 0, 4294967295]");
  BOOST_REQUIRE(ok.policy);
  BOOST_TEST(std::get<Run>(ok.policy->restore.pre[0].action).success_exit_codes ==
             (std::vector<std::int64_t>{-2147483648ll, -1, 0, 4294967295ll}));
  for (const char* section : {"restore", "backup"}) {
    for (const std::string bad : {"[-2147483649]", "[4294967296]", "[18446744073709551615]", "[-9223372036854775808]"}) {
      const auto refused = codes(bad, section);
      BOOST_TEST(!refused.policy, section << " " << bad);
      BOOST_REQUIRE(!refused.problems.empty());
      BOOST_TEST(refused.problems[0].message.find("out of range: an exit code is a 32-bit value, from -2147483648 to 4294967295") !=
                     std::string::npos,
                 refused.problems[0].message);
      BOOST_TEST(refused.problems[0].path.find("success_exit_codes[0]") != std::string::npos, refused.problems[0].path);
    }
    BOOST_TEST(!codes("[1.5]", section).policy);
    BOOST_TEST(!codes("[]", section).policy);
  }
}

// Ordering rules must be acyclic and name declared components.
BOOST_AUTO_TEST_CASE(ordering_cycles_and_unknown_components_are_refused) {
  const std::string cycle = first_problem(R"({"components": {"a": {"name": "A"}, "b": {"name": "B"}},
    "restore": {"after": [{"component": "a", "after": "b"}, {"component": "b", "after": "a"}]}})");
  BOOST_TEST(cycle.find("ordering rules form a cycle: a -> b -> a") != std::string::npos, cycle);
  BOOST_TEST(first_problem(R"({"restore": {"order": ["ghost"]}})").find("unknown component 'ghost'") != std::string::npos);
}

// Every problem is reported, not only the first.
BOOST_AUTO_TEST_CASE(collects_all_problems) {
  const auto result = parse_policy(R"({"defaults": {"timeout": 1, "retries": -1}, "bogus": 1})");
  BOOST_TEST(result.problems.size() == 3u);
  BOOST_TEST(!result.policy);
}

// Durations: units required, combinations allowed.
BOOST_AUTO_TEST_CASE(duration_syntax) {
  BOOST_TEST(parse_duration("1m30s")->count() == 90000);
  BOOST_TEST(parse_duration("250ms")->count() == 250);
  BOOST_TEST(!parse_duration("300"));
  BOOST_TEST(!parse_duration("5 m"));
  BOOST_TEST(!parse_duration("5d"));
  BOOST_TEST(format_duration(std::chrono::minutes(5)) == "5m");
}

// A duration of many large parts saturates instead of overflowing (signed overflow, found under
// UBSan while writing the fuzz target policy; its input is in tests/fuzz/regressions/policy/):
// the step's range check then refuses it with a message.
BOOST_AUTO_TEST_CASE(a_huge_duration_saturates_and_is_refused_by_the_range_check) {
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "999999999h";
  BOOST_TEST((parse_duration(huge) == Duration::max()));
  const auto result = parse_policy(R"({ "defaults": { "timeout": ")" + huge + R"(" } })");
  BOOST_TEST(!result.policy);
  BOOST_REQUIRE_EQUAL(result.problems.size(), 1u);
  BOOST_TEST(result.problems[0].message.find("must be between") != std::string::npos);
}

// A number too large for a double is invalid JSON with a location, not an exception (found by the
// fuzz target policy: nlohmann throws out_of_range for it; input in tests/fuzz/regressions/policy/).
BOOST_AUTO_TEST_CASE(a_number_beyond_a_double_is_a_located_problem) {
  const auto result = parse_policy("{\n  \"restore\": { \"max_duration\": 887e887 } }");
  BOOST_TEST(!result.policy);
  BOOST_REQUIRE_EQUAL(result.problems.size(), 1u);
  BOOST_TEST(result.problems[0].format("p.json") == "p.json:2:39: invalid JSON: number overflow parsing '887e887'");
  BOOST_TEST(!parse_policy("887e887").policy);
}

// Wildcards are case-insensitive and anchored.
BOOST_AUTO_TEST_CASE(wildcards) {
  BOOST_TEST(wildcard_match("Ledger*", "ledgerdb"));
  BOOST_TEST(wildcard_match("L?dger", "Ledger"));
  BOOST_TEST(wildcard_match("*\\Data\\*.ldb", "D:\\Ledger\\Data\\main.LDB"));
  BOOST_TEST(!wildcard_match("Ledger", "LedgerDB"));
  BOOST_TEST(!wildcard_match("*a*b*c*d*e*f*g*", std::string(5000, 'a')));  // no exponential backtracking
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(policy_docs)

// The complete example in README.md ("Writing a policy") is a valid policy: the docs cannot drift.
BOOST_AUTO_TEST_CASE(readme_example_policy_is_valid) {
  const auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc >= 2, "pass README.md's path as the first argument");
  std::ifstream in(suite.argv[suite.argc - 1], std::ios::binary);
  BOOST_REQUIRE(in);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto section = readme.find("## Writing a policy");
  BOOST_REQUIRE(section != std::string::npos);
  const auto start = readme.find("```jsonc\n", section);
  BOOST_REQUIRE(start != std::string::npos);
  const auto end = readme.find("```", start + 9);
  const auto result = parse_policy(readme.substr(start + 9, end - start - 9));
  BOOST_TEST(result.problems.empty(), (result.problems.empty() ? "" : result.problems[0].format("README example")));
  BOOST_REQUIRE(result.policy);
  BOOST_TEST(result.policy->restore.pre.size() == 2u);
  BOOST_TEST(std::get<ServiceStop>(result.policy->restore.pre[0].action).services.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
