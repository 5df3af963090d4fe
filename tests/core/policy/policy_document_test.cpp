#include <boost/test/unit_test.hpp>

#include "core/policy/policy.hpp"
#include "mock/fake_file_system.hpp"

using namespace wsbkit;
using namespace wsbkit::policy;

namespace {

// A valid policy of `components` components, one per line: component k is on line k + 4.
std::string policy_with_components(std::size_t components) {
  std::string text = "{\n  // generated\n  \"components\": {\n";
  for (std::size_t k = 0; k < components; ++k) {
    text += "    \"c" + std::to_string(k) + "\": { \"name\": \"Component" + std::to_string(k) + "*\" },\n";
  }
  text += "    \"last\": { \"name\": \"Last\" }\n  }\n}\n";
  return text;
}

// `text` padded with spaces (inside the final '}') to exactly `size` bytes.
std::string padded_to(std::string text, std::size_t size) {
  const auto brace = text.rfind('}');
  text.insert(brace, std::string(size - text.size(), ' '));
  return text;
}

std::string first_problem(const LoadResult& result) {
  return result.problems.empty() ? "" : result.problems.front().format("p.json");
}

// A fake file system that counts the bytes it hands out through read_chunks.
class CountingFiles final : public FileSystem {
 public:
  Result<std::string> read_file(const std::string& p) override { return inner.read_file(p); }
  Result<void> write_file(const std::string& p, std::string_view c) override { return inner.write_file(p, c); }
  Result<void> replace_file_atomically(const std::string& p, std::string_view c) override {
    return inner.replace_file_atomically(p, c);
  }
  Result<void> append_file(const std::string& p, std::string_view c) override { return inner.append_file(p, c); }
  Result<bool> exists(const std::string& p) override { return inner.exists(p); }
  Result<bool> is_directory(const std::string& p) override { return inner.is_directory(p); }
  Result<std::uint64_t> file_size(const std::string& p) override { return inner.file_size(p); }
  Result<std::vector<DirectoryEntry>> list_directory(const std::string& p) override { return inner.list_directory(p); }
  Result<bool> create_directories(const std::string& p) override { return inner.create_directories(p); }
  Result<void> remove(const std::string& p) override { return inner.remove(p); }
  Result<void> remove_tree(const std::string& p) override { return inner.remove_tree(p); }
  Result<void> read_chunks(const std::string& path, std::size_t chunk_size, const ChunkSink& sink) override {
    return inner.read_chunks(path, chunk_size, [&](std::string_view chunk) {
      bytes_read += chunk.size();
      return sink(chunk);
    });
  }
  Result<std::string> read_file_no_follow(const std::string& p) override { return inner.read_file_no_follow(p); }
  Result<void> append_file_no_follow(const std::string& p, std::string_view c) override {
    return inner.append_file_no_follow(p, c);
  }

  mock::FakeFileSystem inner;
  std::uint64_t bytes_read = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(policy_document)

// A policy of exactly 4 MiB is read; one byte more is refused before parsing, with its size.
BOOST_AUTO_TEST_CASE(accepts_exactly_4_mib_and_refuses_one_byte_more) {
  const std::string limit = padded_to(policy_with_components(1000), max_policy_bytes);
  BOOST_REQUIRE_EQUAL(limit.size(), 4u * 1024 * 1024);
  const auto accepted = parse_policy(limit);
  BOOST_TEST(accepted.policy.has_value(), first_problem(accepted));
  BOOST_TEST(accepted.policy->components.size() == 1001u);

  const auto refused = parse_policy(limit + " ");
  BOOST_TEST(!refused.policy.has_value());
  BOOST_REQUIRE_EQUAL(refused.problems.size(), 1u);
  BOOST_TEST(first_problem(refused) == "p.json: policy is 4194305 bytes, more than the 4 MiB limit");
}

// From a file the same limit holds, and a huge file is not read beyond the limit.
BOOST_AUTO_TEST_CASE(loading_a_file_refuses_it_over_4_mib_without_reading_it_all) {
  CountingFiles files;
  const std::string limit = padded_to(policy_with_components(10), max_policy_bytes);
  BOOST_REQUIRE(files.write_file("C:\\limit.json", limit).ok());
  BOOST_REQUIRE(files.write_file("C:\\over.json", limit + "\n").ok());
  BOOST_REQUIRE(files.write_file("C:\\huge.json", std::string(64u * 1024 * 1024, ' ')).ok());

  const auto accepted = load_policy_file(files, "C:\\limit.json");
  BOOST_REQUIRE(accepted.ok());
  BOOST_TEST(accepted->policy.has_value(), first_problem(*accepted));

  const auto over = load_policy_file(files, "C:\\over.json");
  BOOST_REQUIRE(over.ok());
  BOOST_TEST(first_problem(*over) == "p.json: policy is 4194305 bytes, more than the 4 MiB limit");

  files.bytes_read = 0;
  const auto huge = load_policy_file(files, "C:\\huge.json");
  BOOST_REQUIRE(huge.ok());
  BOOST_TEST(first_problem(*huge) == "p.json: policy is 67108864 bytes, more than the 4 MiB limit");
  BOOST_TEST(files.bytes_read <= max_policy_bytes + 64 * 1024);

  const auto missing = load_policy_file(files, "C:\\missing.json");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().is_win32(win32_error::file_not_found));
}

// Locations stay exact far into a large document: every component at its line, a problem near
// the end at its line and column, and a syntax error at the very end.
BOOST_AUTO_TEST_CASE(locations_are_exact_in_a_large_document) {
  const std::size_t n = 40000;  // ~1.9 MB
  std::string text = policy_with_components(n);
  const Document doc(text);
  BOOST_REQUIRE(doc.parsed());
  for (std::size_t k = 0; k < n; k += 997) {
    const Location at = doc.where("components.c" + std::to_string(k));
    BOOST_TEST_REQUIRE(at.line == static_cast<int>(k + 4), "component " << k);
    BOOST_TEST_REQUIRE(at.column == 5, "component " << k);
    const Location name = doc.where("components.c" + std::to_string(k) + ".name");
    BOOST_TEST_REQUIRE(name.line == static_cast<int>(k + 4));
    BOOST_TEST_REQUIRE(name.column == static_cast<int>(12 + std::to_string(k).size()));
  }

  // An unknown key on the last component line.
  const std::string bad = text.substr(0, text.rfind("\"last\"")) + "\"last\": { \"name\": \"Last\", \"nome\": 1 }\n  }\n}\n";
  const auto refused = parse_policy(bad);
  BOOST_TEST(first_problem(refused) ==
                 "p.json:" + std::to_string(n + 4) + ":31: components.last.nome: unknown key (allowed here: logical_path, name)",
             first_problem(refused));

  // Missing the final brace: the syntax error is at the end of the text, after the last newline.
  const auto cut = parse_policy(text.substr(0, text.size() - 2));
  BOOST_TEST(first_problem(cut).find("p.json:" + std::to_string(n + 6) + ":1: invalid JSON") == 0u, first_problem(cut));
  // A stray character in the middle of the last component line.
  std::string stray = text;
  stray.insert(text.rfind("\"Last\"") + 6, "?");
  const auto at_stray = parse_policy(stray);
  BOOST_TEST(first_problem(at_stray).find("p.json:" + std::to_string(n + 4) + ":29: invalid JSON") == 0u,
             first_problem(at_stray));
}

// Locating is linear: the counted work per byte is the same for 1 MB and 2 MB (it grew with the
// offset before), and stays a small multiple of the size.
BOOST_AUTO_TEST_CASE(locating_work_grows_linearly_with_the_document) {
  const Document one(policy_with_components(22000));
  const Document two(policy_with_components(44000));
  const std::size_t one_size = policy_with_components(22000).size();
  const std::size_t two_size = policy_with_components(44000).size();
  BOOST_REQUIRE(one.parsed() && two.parsed());
  BOOST_TEST_MESSAGE("work " << one.locating_work() << " for " << one_size << " bytes, " << two.locating_work()
                              << " for " << two_size);
  const double per_byte_one = static_cast<double>(one.locating_work()) / one_size;
  const double per_byte_two = static_cast<double>(two.locating_work()) / two_size;
  BOOST_TEST(per_byte_two <= per_byte_one * 1.1);
  BOOST_TEST(per_byte_two <= 16.0);
}

// A long key above many values cannot make the located paths quadratic: past a budget
// proportional to the text nothing more is located, and the problems still come out.
BOOST_AUTO_TEST_CASE(a_long_key_above_many_values_stays_linear) {
  std::string text = "{\"" + std::string(1 << 20, 'k') + "\": [";
  for (int k = 0; k < 1000000; ++k) text += k ? ",0" : "0";
  text += "]}";
  BOOST_REQUIRE(text.size() < max_policy_bytes);
  const auto result = parse_policy(text);
  BOOST_TEST(!result.policy.has_value());
  BOOST_TEST(first_problem(result).find("unknown key") != std::string::npos);
  const Document doc(text);
  BOOST_TEST(doc.locating_work() <= 40 * text.size());
}

// Nesting deeper than 64 levels is refused at the first bracket too deep; 64 levels parse.
BOOST_AUTO_TEST_CASE(nesting_deeper_than_64_levels_is_refused_at_its_bracket) {
  const std::string deep64 = std::string(64, '[') + std::string(64, ']');
  BOOST_TEST(Document(deep64).parsed());
  const std::string deep65 = "\n " + std::string(65, '[') + std::string(65, ']');
  const auto refused = parse_policy(deep65);
  BOOST_TEST(first_problem(refused) == "p.json:2:66: nested deeper than 64 levels of objects and lists");
  // 4 MiB of brackets: refused as quickly, without holding a path per level.
  const auto brackets = parse_policy(std::string(max_policy_bytes, '['));
  BOOST_TEST(first_problem(brackets) == "p.json:1:65: nested deeper than 64 levels of objects and lists");
}

BOOST_AUTO_TEST_SUITE_END()
