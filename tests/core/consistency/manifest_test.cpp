#include <boost/test/unit_test.hpp>

#include "core/consistency/manifest_verifier.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/forwarding_file_system.hpp"

using namespace wsbkit;
using namespace wsbkit::consistency;
using wsbkit::policy::ManifestFormat;

namespace {

// Reference digests from `xxhsum -H2` (xxHash 0.8.1).
const std::string xxh_empty = "99aa06d3014798d86001c324468d497f";
const std::string xxh_abc = "06b05ab6733a618578af5f94892f3950";
const std::string xxh_hello = "eefac9d87100cd1336b2e733a5484425";  // "hello world\n"

std::vector<ManifestEntry> parse_all(const std::string& text, std::vector<ManifestLineError>* errors = nullptr,
                                     std::size_t piece = 0) {
  std::vector<ManifestEntry> entries;
  ManifestParser parser(
      ManifestFormat::automatic, [&](ManifestEntry&& e) { entries.push_back(std::move(e)); },
      [&](ManifestLineError&& e) {
        if (errors) errors->push_back(std::move(e));
      });
  if (piece == 0) {
    parser.feed(text);
  } else {
    for (std::size_t i = 0; i < text.size(); i += piece) parser.feed(std::string_view(text).substr(i, piece));
  }
  parser.finish();
  return entries;
}

bool never_stop() { return false; }

struct VerifyFixture {
  mock::FakeFileSystem fs;
  const std::string base = "C:\\snap\\Ledger";
  VerifyFixture() {
    BOOST_REQUIRE(fs.create_directories(base + "\\data").ok());
    BOOST_REQUIRE(fs.write_file(base + "\\data\\a.ldb", "abc").ok());
    BOOST_REQUIRE(fs.write_file(base + "\\data\\empty.ldb", "").ok());
    BOOST_REQUIRE(fs.write_file(base + "\\hello world.txt", "hello world\n").ok());
  }
  Result<VerifyReport> verify(const std::string& manifest_text, VerifyOptions options = {}) {
    BOOST_REQUIRE(fs.write_file(base + "\\MANIFEST.xxh128", manifest_text).ok());
    VerifyTarget target;
    target.manifest = base + "\\MANIFEST.xxh128";
    target.base_directory = base;
    target.resolve = [this](const std::string& name) { return join_below(base, name); };
    return verify_manifest(fs, target, options, never_stop, nullptr);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest)

// xxhsum -H2 lines, with text and binary markers, give the name and the 16-byte digest.
BOOST_AUTO_TEST_CASE(xxhsum_lines_parse) {
  const auto entries = parse_all(xxh_abc + "  data/a.ldb\n" + xxh_empty + " *data/empty.ldb\n");
  BOOST_REQUIRE_EQUAL(entries.size(), 2u);
  BOOST_TEST(entries[0].name == "data/a.ldb");
  BOOST_TEST(entries[0].digest.hex() == xxh_abc);
  BOOST_TEST((entries[0].digest.kind == DigestKind::xxh128));
  BOOST_TEST(entries[1].name == "data/empty.ldb");
  BOOST_TEST(entries[1].line == 2u);
}

// BSD tag lines ("XXH128 (name) = hex"), names holding ") = " included.
BOOST_AUTO_TEST_CASE(bsd_tag_lines_parse) {
  const auto entries = parse_all("XXH128 (odd) = name.txt) = " + xxh_abc + "\n");
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  BOOST_TEST(entries[0].name == "odd) = name.txt");
  BOOST_TEST(entries[0].digest.hex() == xxh_abc);
}

// CRLF line ends, a byte order mark, spaces and unicode in names, no final newline.
BOOST_AUTO_TEST_CASE(crlf_bom_spaces_and_unicode) {
  const auto entries = parse_all("\xEF\xBB\xBF" + xxh_abc + "  dir with spaces/a b.ldb\r\n" + xxh_empty +
                                 "  donn\xC3\xA9""es/\xE6\x97\xA5\xE6\x9C\xAC.ldb\r\n" + xxh_hello + "  last  two spaces ");
  BOOST_REQUIRE_EQUAL(entries.size(), 3u);
  BOOST_TEST(entries[0].name == "dir with spaces/a b.ldb");
  BOOST_TEST(entries[1].name == "donn\xC3\xA9""es/\xE6\x97\xA5\xE6\x9C\xAC.ldb");
  BOOST_TEST(entries[2].name == "last  two spaces ");
}

// Escaped names (leading '\'): \\ and \n decode; a bad escape is a malformed line.
BOOST_AUTO_TEST_CASE(escaped_names_decode) {
  std::vector<ManifestLineError> errors;
  const auto entries = parse_all("\\" + xxh_abc + "  a\\\\b\\nc\n\\" + xxh_abc + "  bad\\q\n", &errors);
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  BOOST_TEST(entries[0].name == "a\\b\nc");
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].line == 2u);
}

// Blank and comment lines are skipped; malformed lines are reported with their numbers.
BOOST_AUTO_TEST_CASE(malformed_lines_are_reported_by_number) {
  std::vector<ManifestLineError> errors;
  const auto entries = parse_all("\n# comment\n" + xxh_abc + "  ok\nnot a line\n" + xxh_abc.substr(1) +
                                     "  short digest\nzz" + xxh_abc.substr(2) + "  not hex\n" + xxh_abc + " single space\n",
                                 &errors);
  BOOST_TEST(entries.size() == 1u);
  BOOST_REQUIRE_EQUAL(errors.size(), 4u);
  BOOST_TEST(errors[0].line == 4u);
  BOOST_TEST(errors[1].line == 5u);
  BOOST_TEST(errors[2].line == 6u);
  BOOST_TEST(errors[3].line == 7u);
}

// A 64-digit digest is SHA-256 (sha256sum); a fixed xxh128 format refuses it.
BOOST_AUTO_TEST_CASE(sha256_lines_are_recognised) {
  const std::string sha = std::string(64, 'a');
  const auto entries = parse_all(sha + "  x\n");
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  BOOST_TEST((entries[0].digest.kind == DigestKind::sha256));
  const auto fixed = parse_manifest_line(sha + "  x", ManifestFormat::xxh128);
  BOOST_TEST(!fixed.entry);
  BOOST_TEST(fixed.error.has_value());
}

// Fed one byte at a time, the stream parser gives the same entries as fed whole.
BOOST_AUTO_TEST_CASE(byte_by_byte_feeding_gives_the_same_entries) {
  const std::string text = xxh_abc + "  a\r\n" + xxh_empty + "  b c\n\n" + xxh_hello + "  d";
  const auto whole = parse_all(text);
  const auto bytes = parse_all(text, nullptr, 1);
  BOOST_REQUIRE_EQUAL(whole.size(), 3u);
  BOOST_REQUIRE_EQUAL(bytes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(whole[i].name == bytes[i].name);
    BOOST_TEST(whole[i].line == bytes[i].line);
  }
}

// An endless line is reported once and skipped; the next lines still parse.
BOOST_AUTO_TEST_CASE(overlong_line_is_reported_and_skipped) {
  std::vector<ManifestLineError> errors;
  const auto entries = parse_all(std::string(ManifestParser::max_line_bytes + 10, 'x') + "\n" + xxh_abc + "  next\n", &errors, 4096);
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  BOOST_TEST(entries[0].line == 2u);
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].line == 1u);
}

// hash_file gives xxhsum's digests, whatever the chunk size.
BOOST_AUTO_TEST_CASE(hash_file_matches_xxhsum) {
  mock::FakeFileSystem fs;
  BOOST_REQUIRE(fs.write_file("C:\\e", "").ok());
  BOOST_REQUIRE(fs.write_file("C:\\h", "hello world\n").ok());
  for (std::size_t chunk : {1u, 5u, 4096u}) {
    BOOST_TEST(hash_file(fs, "C:\\e", DigestKind::xxh128, chunk, never_stop, nullptr)->hex() == xxh_empty);
    BOOST_TEST(hash_file(fs, "C:\\h", DigestKind::xxh128, chunk, never_stop, nullptr)->hex() == xxh_hello);
  }
}

BOOST_FIXTURE_TEST_CASE(clean_manifest_passes, VerifyFixture) {
  // Every listed file matches: passed, counts and bytes add up.
  auto report = verify(xxh_abc + "  data/a.ldb\n" + xxh_empty + "  data\\empty.ldb\r\n" + xxh_hello + "  hello world.txt\n");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->passed(), report->summary());
  BOOST_TEST(report->files_listed == 3u);
  BOOST_TEST(report->files_ok == 3u);
  BOOST_TEST(report->bytes_hashed == 15u);
}

// Counts the folders the verifier holds open.
class FolderCountingFileSystem final : public mock::ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Result<std::unique_ptr<OpenFolder>> open_folder(const std::string& folder) override {
    opened.push_back(folder);
    return ForwardingFileSystem::open_folder(folder);
  }
  std::vector<std::string> opened;
};

BOOST_FIXTURE_TEST_CASE(files_are_read_through_their_folder_held_open_once_per_run_of_entries, VerifyFixture) {
  // A hashing thread opens a folder when the next entry is in another one, not for every file, and
  // opens a folder met again anew; an entry behind a missing folder is still reported missing.
  FolderCountingFileSystem counting(fs);
  BOOST_REQUIRE(fs.write_file(base + "\\MANIFEST.xxh128", xxh_abc + "  data/a.ldb\n" + xxh_empty + "  data/empty.ldb\n" +
                                                             xxh_abc + "  gone/a.ldb\n" + xxh_hello + "  hello world.txt\n" +
                                                             xxh_abc + "  data/a.ldb\n").ok());
  VerifyTarget target;
  target.manifest = base + "\\MANIFEST.xxh128";
  target.base_directory = base;
  target.resolve = [this](const std::string& name) { return join_below(base, name); };
  VerifyOptions one_thread;
  one_thread.threads = 1;
  auto report = verify_manifest(counting, target, one_thread, never_stop, nullptr);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->files_ok == 4u, report->summary());
  BOOST_TEST(report->missing == 1u, report->summary());
  BOOST_TEST(report->summary().find("1 missing (gone/a.ldb)") != std::string::npos, report->summary());
  const std::vector<std::string> expected = {base + "\\data\\", base + "\\gone\\", base + "\\", base + "\\data\\"};
  BOOST_TEST(counting.opened == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(mismatch_and_missing_are_named, VerifyFixture) {
  // One corrupted file and one missing file fail the verification, both named in the summary.
  BOOST_REQUIRE(fs.write_file(base + "\\data\\a.ldb", "abd").ok());
  auto report = verify(xxh_abc + "  data/a.ldb\n" + xxh_empty + "  data/gone.ldb\n" + xxh_hello + "  hello world.txt\n");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report->passed());
  BOOST_TEST(report->mismatched == 1u);
  BOOST_TEST(report->missing == 1u);
  BOOST_TEST(report->files_ok == 1u);
  BOOST_TEST(report->summary().find("1 mismatched (data/a.ldb)") != std::string::npos, report->summary());
  BOOST_TEST(report->summary().find("1 missing (data/gone.ldb)") != std::string::npos, report->summary());
}

BOOST_FIXTURE_TEST_CASE(first_twenty_names_and_counts, VerifyFixture) {
  // 25 missing files: the report names the first 20 and counts the other 5.
  std::string text;
  for (int i = 0; i < 25; ++i) text += xxh_abc + "  missing" + std::to_string(i) + "\n";
  auto report = verify(text);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->missing == 25u);
  BOOST_TEST(report->missing_names.size() == 20u);
  BOOST_TEST(report->summary().find("... 5 more") != std::string::npos, report->summary());
}

BOOST_FIXTURE_TEST_CASE(extra_files_fail_when_asked, VerifyFixture) {
  // A file the manifest does not list fails only with extra_files: fail; the manifest itself is not extra.
  BOOST_REQUIRE(fs.write_file(base + "\\data\\stray.tmp", "x").ok());
  const std::string text = xxh_abc + "  data/a.ldb\n" + xxh_empty + "  DATA/EMPTY.LDB\n" + xxh_hello + "  hello world.txt\n";
  auto lenient = verify(text);
  BOOST_REQUIRE(lenient.ok());
  BOOST_TEST(lenient->passed(), lenient->summary());
  VerifyOptions strict;
  strict.extra_files_fail = true;
  auto report = verify(text, strict);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report->passed());
  BOOST_TEST(report->extra == 1u);
  BOOST_TEST(report->summary().find("data\\stray.tmp") != std::string::npos, report->summary());
}

BOOST_FIXTURE_TEST_CASE(escaping_entries_are_refused, VerifyFixture) {
  // "../" out of the base folder is counted as outside the snapshot, not read.
  BOOST_REQUIRE(fs.write_file("C:\\snap\\secret", "abc").ok());
  auto report = verify(xxh_abc + "  ../secret\n");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->outside == 1u);
  BOOST_TEST(!report->passed());
}

BOOST_FIXTURE_TEST_CASE(malformed_lines_fail_the_verification, VerifyFixture) {
  // A manifest with a broken line does not pass, even if every listed file matches.
  auto report = verify(xxh_abc + "  data/a.ldb\ngarbage\n");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->malformed_lines == 1u);
  BOOST_TEST(!report->passed());
  BOOST_TEST(report->summary().find("line 2") != std::string::npos, report->summary());
}

BOOST_FIXTURE_TEST_CASE(empty_manifest_does_not_pass, VerifyFixture) {
  // A manifest listing nothing proves nothing: it fails.
  auto report = verify("");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(!report->passed());
}

BOOST_FIXTURE_TEST_CASE(missing_manifest_is_an_error, VerifyFixture) {
  // The manifest itself missing is an error (ERROR_FILE_NOT_FOUND), not an empty report.
  VerifyTarget target;
  target.manifest = base + "\\nope.xxh128";
  target.base_directory = base;
  target.resolve = [this](const std::string& name) { return join_below(base, name); };
  auto report = verify_manifest(fs, target, {}, never_stop, nullptr);
  BOOST_REQUIRE(!report.ok());
  BOOST_TEST(report.error().win32_code() == win32_error::file_not_found);
}

BOOST_FIXTURE_TEST_CASE(stop_request_ends_early, VerifyFixture) {
  // A stop request makes the report partial and not passed.
  std::string text;
  for (int i = 0; i < 100; ++i) text += xxh_abc + "  data/a.ldb\n";
  BOOST_REQUIRE(fs.write_file(base + "\\MANIFEST.xxh128", text).ok());
  VerifyTarget target;
  target.manifest = base + "\\MANIFEST.xxh128";
  target.base_directory = base;
  target.resolve = [this](const std::string& name) { return join_below(base, name); };
  auto report = verify_manifest(fs, target, {}, [] { return true; }, nullptr);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->stopped);
  BOOST_TEST(!report->passed());
}

BOOST_AUTO_TEST_SUITE_END()
