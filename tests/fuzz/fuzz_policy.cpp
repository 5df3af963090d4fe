// Fuzz target `policy`: the policy parser and validator (core/policy) on any bytes: JSON with
// comments, every typed reader, durations, wildcards. Properties: a policy comes back exactly when
// there are no problems; every problem says what is wrong; the first line as a duration is never
// negative (sums saturate); the parsed components match (or not) without a crash.
#include "core/policy/policy.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace wsbkit;
using namespace wsbkit::policy;
using wsbkit::fuzz::require;

namespace {

// Any text as a duration: a sum of parts saturates, never overflows (UBSan watches).
void check_duration(const std::string& text) {
  const auto d = parse_duration(text);
  require(!d || d->count() >= 0, "a duration is never negative", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::bytes_of(data, size));
  ParseOptions options;
  options.file_exists = [](const std::string& path) { return path.size() % 2 == 0; };
  const LoadResult result = parse_policy(text, options);
  require(result.policy.has_value() == result.problems.empty(), "a policy comes back exactly when there are no problems");
  for (const Problem& p : result.problems) {
    require(!p.message.empty(), "every problem says what is wrong", p.format("policy.json"));
  }
  if (result.policy) {
    for (const auto& entry : result.policy->components) {
      const auto matched = matching_components(*result.policy, entry.first, text.substr(0, 64));
      require(matched.size() <= result.policy->components.size(), "a component matches each policy component at most once");
    }
  }
  std::string_view rest = text;
  check_duration(std::string(fuzz::take_line(rest)));
  return 0;
}
