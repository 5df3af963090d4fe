// Strings from COM round-trip exactly through the add-in core and the policy restore engine:
// names and logical paths with unpaired surrogates (WTF-8), 64k-character names, printf format
// strings, NULL entries and empty strings.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include "core/addin/addin_core.hpp"
#include "core/restore/policy_restore_engine.hpp"
#include "core/support/json_text.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_service_control.hpp"
#include "mock/host_digests.hpp"
#include "platform/text.hpp"

using namespace wsbkit;
using namespace std::chrono_literals;

namespace {

std::string wtf8(std::u16string_view units) { return utf16_to_utf8(units); }

// 65,536 UTF-16 code units cycling through everything hard: lone and reversed surrogates, a pair,
// controls, quotes, backslashes, format directives.
std::string long_name(char16_t seed) {
  const char16_t pattern[] = {seed, 0xD800, u'%', u's', 0xDC00, 0xDBFF, u'"', u'\\', 0x0001,
                              0xD83D, 0xDE00, 0xDFFF, 0xD800, u'n', 0xFFFF, u'x'};
  std::u16string w(65536, u'\0');
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = pattern[i % std::size(pattern)];
  return wtf8(w);
}

using Pair = std::pair<OptionalString, OptionalString>;

// What WSB may hand over: every awkward kind of string, one duplicate pair, and components the
// policy knows (so that the ordering rules move things around).
std::vector<Pair> awkward_components() {
  return {
      {std::string("Logs"), std::string("Ledger\\Logs")},
      {wtf8(u"\xD800"), wtf8(u"\xDC00")},
      {wtf8(u"\xDC00\xD800"), std::nullopt},
      {wtf8(u"Index\xDBFF"), wtf8(u"C:\\\xD800\\%n")},
      {long_name(u'a'), long_name(u'b')},
      {std::string("%s%n%x%p%%"), std::string("%s\\%n\\%99999999d")},
      {std::nullopt, std::string("NullName\\Path")},
      {std::nullopt, std::nullopt},
      {std::string(""), std::string("")},
      {std::string(""), std::nullopt},
      {wtf8(u"\xD800"), wtf8(u"\xDC00")},  // the same pair twice
      {std::string("DB"), std::string("Ledger\\DB")},
      {std::string("Index1"), std::string("caf\xC3\xA9 \xF0\x9F\x98\x80")},
  };
}

OrderRequest request_of(const std::vector<Pair>& pairs) {
  OrderRequest r;
  r.component_count = static_cast<std::uint32_t>(pairs.size());
  for (const auto& [name, path] : pairs) {
    r.names.push_back(name);
    r.logical_paths.push_back(path);
  }
  return r;
}

// The pairs as a multiset, compared code unit by code unit (std::string compares bytes, and
// WTF-8 bytes are equal exactly when the UTF-16 is).
std::map<Pair, int> multiset_of(const StringArray& names, const StringArray& paths) {
  std::map<Pair, int> out;
  for (std::size_t i = 0; i < names.size(); ++i) ++out[{names[i], paths[i]}];
  return out;
}

const char* ordering_policy = R"({
  "components": { "db": { "name": "DB" }, "logs": { "name": "Logs" }, "idx": { "name": "Index*" } },
  "restore": {
    "order": ["db"],
    "after": [{ "component": "idx", "after": "logs" }],
    "pre": [{ "service.stop": { "service": "LedgerSvc" } }],
    "post": [{ "service.start": { "service": "LedgerSvc" } }]
  }
})";

const char* unordered_policy = R"({
  "restore": {
    "pre": [{ "service.stop": { "service": "LedgerSvc" } }],
    "post": [{ "service.start": { "service": "LedgerSvc" } }]
  }
})";

struct Addin {
  mock::FakeServiceControl scm;
  mock::FakeFileSystem files;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& line) { lines.push_back(line); }};
  std::unique_ptr<Digests> digests = mock::make_host_digests();
  std::string journal_key = std::string(32, 'k');
  std::unique_ptr<PolicyRestoreEngine> engine;
  std::unique_ptr<AddinCore> core;

  explicit Addin(const char* policy_text) {
    scm.install({"LedgerSvc", "Ledger", "C:\\l.exe", ServiceStartType::automatic, {}}, ServiceState::running);
    BOOST_REQUIRE(files.create_directories("C:\\ProgramData\\wsbkit").ok());
    auto parsed = policy::parse_policy(policy_text);
    BOOST_REQUIRE(parsed.policy);
    RestoreEnvironment env{files, scm, clock, events, nullptr, nullptr, "C:\\ProgramData\\wsbkit", "\\", 50ms};
    env.digests = digests.get();
    env.journal_key = journal_key;
    engine = std::make_unique<PolicyRestoreEngine>(std::make_shared<const policy::Policy>(*parsed.policy), env, "ledger");
    core = std::make_unique<AddinCore>(log, nullptr, engine.get());
  }
};

// The JSON string literal that starts at `from` in `line` (quotes included).
std::string literal_at(const std::string& line, std::size_t from) {
  std::size_t i = from + 1;
  while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
  return line.substr(from, i + 1 - from);
}

// The decoded value of `"field":"..."` in a call log line; nullopt when the field is null/absent.
OptionalString field_of(const std::string& line, const std::string& field) {
  const std::string key = "\"" + field + "\":";
  const auto at = line.find(key);
  if (at == std::string::npos || line.compare(at + key.size(), 4, "null") == 0) return std::nullopt;
  const auto value = json_unquote(literal_at(line, at + key.size()));
  BOOST_REQUIRE_MESSAGE(value, "field " << field << " is not a JSON string in " << line.substr(0, 200));
  return value;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(addin_strings)

// With ordering rules: S_OK and an exact permutation of the input pairs (same multiset, each
// name still with its own logical path), the known components moved as the policy says.
BOOST_AUTO_TEST_CASE(order_components_returns_an_exact_permutation_of_the_pairs_with_rules) {
  Addin addin(ordering_policy);
  const auto pairs = awkward_components();
  const OrderRequest request = request_of(pairs);
  const OrderResult result = addin.core->order_components(request);
  BOOST_TEST(result.hr == hr::ok);
  BOOST_REQUIRE(result.names && result.logical_paths);
  BOOST_REQUIRE_EQUAL(result.names->size(), pairs.size());
  BOOST_REQUIRE_EQUAL(result.logical_paths->size(), pairs.size());
  BOOST_TEST((multiset_of(*result.names, *result.logical_paths) == multiset_of(request.names, request.logical_paths)));
  BOOST_TEST(((*result.names)[0] == OptionalString("DB")));  // restore.order puts db first
  const auto position = [&](const OptionalString& name) {
    return std::find(result.names->begin(), result.names->end(), name) - result.names->begin();
  };
  BOOST_TEST(position(std::string("Logs")) < position(wtf8(u"Index\xDBFF")));  // idx after logs
  BOOST_TEST(position(std::string("Logs")) < position(std::string("Index1")));
  BOOST_TEST(addin.lines.back().find("\"method\":\"OrderComponents\",\"components\":13,") != std::string::npos);
}

// Without ordering rules: S_FALSE with both outs NULL, and the session still knows the components.
BOOST_AUTO_TEST_CASE(order_components_without_rules_is_s_false_and_keeps_the_session) {
  Addin addin(unordered_policy);
  const OrderResult result = addin.core->order_components(request_of(awkward_components()));
  BOOST_TEST(result.hr == hr::s_false);
  BOOST_TEST(!result.names);
  BOOST_TEST(!result.logical_paths);
  for (const auto& e : addin.events.entries()) BOOST_TEST((e.severity == EventSeverity::information), e.message);
  // The session's journal holds the components exactly (its replay finds the last one).
  Journal journal(addin.files, addin.engine->journal_path(), {addin.digests.get(), addin.journal_key, "ledger"});
  const auto loaded = journal.load();
  BOOST_REQUIRE(loaded.ok());
  BOOST_TEST(!loaded->problem.has_value());
  BOOST_REQUIRE(!loaded->records.empty());
}

// The whole restore with these strings: every PreRestore/PostRestore succeeds, the service comes
// back after the last component in restore order, and each call log line is valid UTF-8 JSON
// whose component and logical path decode to the same UTF-16 as the call's.
BOOST_AUTO_TEST_CASE(restore_with_awkward_strings_succeeds_and_logs_them_exactly) {
  for (const char* policy_text : {ordering_policy, unordered_policy}) {
    Addin addin(policy_text);
    const auto pairs = awkward_components();
    const OrderResult ordered = addin.core->order_components(request_of(pairs));
    std::vector<Pair> sequence = pairs;
    if (ordered.hr == hr::ok) {
      sequence.clear();
      for (std::size_t i = 0; i < ordered.names->size(); ++i) sequence.emplace_back((*ordered.names)[i], (*ordered.logical_paths)[i]);
    }
    for (const auto& [name, path] : sequence) {
      const RestoreRequest request{long_name(u'm'), name, path, false};
      BOOST_TEST(addin.core->pre_restore(request) == hr::ok);
      BOOST_TEST((addin.scm.service("LedgerSvc")->state == ServiceState::stopped));
      BOOST_TEST(addin.core->post_restore(request) == hr::ok);
      for (const auto& line : {addin.lines[addin.lines.size() - 2], addin.lines.back()}) {
        BOOST_TEST_REQUIRE(is_valid_utf8(line));
        BOOST_TEST_REQUIRE((field_of(line, "component") == name));
        BOOST_TEST_REQUIRE((field_of(line, "logical_path") == path));
      }
    }
    BOOST_TEST((addin.scm.service("LedgerSvc")->state == ServiceState::running));
    BOOST_TEST(!addin.files.exists(addin.engine->journal_path()).value());
  }
}

// CheckConsistency logs its strings the same way.
BOOST_AUTO_TEST_CASE(check_consistency_logs_awkward_strings_exactly) {
  Addin addin(unordered_policy);
  for (const auto& [name, path] : awkward_components()) {
    ConsistencyRequest request;
    request.component_name = name;
    request.component_logical_path = path;
    BOOST_TEST(addin.core->check_consistency(request).hr == hr::s_false);
    BOOST_TEST_REQUIRE(is_valid_utf8(addin.lines.back()));
    BOOST_TEST_REQUIRE((field_of(addin.lines.back(), "component") == name));
    BOOST_TEST_REQUIRE((field_of(addin.lines.back(), "logical_path") == path));
  }
  // The metadata's length is logged in UTF-16 code units, as WSB passed it: 65,536, not its bytes.
  ConsistencyRequest request;
  request.writer_metadata = long_name(u'w');
  BOOST_TEST(addin.core->check_consistency(request).hr == hr::s_false);
  BOOST_TEST(addin.lines.back().find("\"metadata_chars\":65536,") != std::string::npos, addin.lines.back().substr(0, 200));
}

BOOST_AUTO_TEST_SUITE_END()
