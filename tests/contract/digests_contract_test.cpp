// The digest facility (SHA-256) on this host's backend: FIPS 180 test vectors, and a manifest in
// sha256sum's format verified through it (the consistency checks' manifest.verify).
#include <boost/test/unit_test.hpp>

#include "core/consistency/manifest_verifier.hpp"
#include "core/consistency/snapshot_paths.hpp"
#include "mock/fake_file_system.hpp"
#include "tests/contract/digests_backend.hpp"

using namespace wsbkit;

namespace {

std::string hex(const std::array<std::uint8_t, 32>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string sha256_of(Digests& digests, const std::string& data, std::size_t piece) {
  auto sha = digests.sha256();
  BOOST_REQUIRE(sha.ok());
  for (std::size_t i = 0; i < data.size(); i += piece) {
    (*sha)->update(data.data() + i, std::min(piece, data.size() - i));
  }
  auto digest = (*sha)->finish();
  BOOST_REQUIRE(digest.ok());
  return hex(*digest);
}

struct Fixture {
  DigestsBackend backend = make_digests_backend();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(digests_contract, Fixture)

// FIPS 180-2 vectors ("", "abc", a million 'a' fed in uneven pieces) give the published digests.
BOOST_AUTO_TEST_CASE(sha256_test_vectors) {
  BOOST_TEST_MESSAGE("backend: " << backend.name);
  auto& d = *backend.digests;
  BOOST_TEST(sha256_of(d, "", 1) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256_of(d, "abc", 1) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_of(d, std::string(1000000, 'a'), 4097) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// HMAC-SHA-256 over the backend's SHA-256 gives RFC 4231's results (test cases 1, 2 and 6: a short
// key, a text key, and a 131-byte key that is hashed first).
BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_vectors) {
  auto& d = *backend.digests;
  BOOST_TEST(hex(hmac_sha256(d, std::string(20, '\x0b'), "Hi There").value()) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(hex(hmac_sha256(d, "Jefe", "what do ya want for nothing?").value()) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(hex(hmac_sha256(d, std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First").value()) ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Hashes are independent: two in flight at once do not mix.
BOOST_AUTO_TEST_CASE(two_hashes_at_once) {
  auto a = backend.digests->sha256();
  auto b = backend.digests->sha256();
  BOOST_REQUIRE(a.ok() && b.ok());
  (*a)->update("ab", 2);
  (*b)->update("abc", 3);
  (*a)->update("c", 1);
  BOOST_TEST(hex(*(*a)->finish()) == hex(*(*b)->finish()));
}

// A sha256sum manifest verifies through this backend; a changed byte is named as mismatched.
BOOST_AUTO_TEST_CASE(sha256sum_manifest_verifies) {
  mock::FakeFileSystem fs;
  BOOST_REQUIRE(fs.create_directories("C:\\snap\\data").ok());
  BOOST_REQUIRE(fs.write_file("C:\\snap\\data\\a.ldb", "abc").ok());
  BOOST_REQUIRE(fs.write_file("C:\\snap\\hello world.txt", "hello world\n").ok());
  BOOST_REQUIRE(fs.write_file("C:\\snap\\SHA256SUMS",
                              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  data/a.ldb\r\n"
                              "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447 *hello world.txt\r\n")
                    .ok());
  consistency::VerifyTarget target;
  target.manifest = "C:\\snap\\SHA256SUMS";
  target.base_directory = "C:\\snap";
  target.resolve = [](const std::string& name) { return consistency::join_below("C:\\snap", name); };
  consistency::VerifyOptions options;
  options.digests = backend.digests.get();
  const auto never = [] { return false; };
  auto report = consistency::verify_manifest(fs, target, options, never, nullptr);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->passed(), report->summary());
  BOOST_TEST(report->files_ok == 2u);

  BOOST_REQUIRE(fs.write_file("C:\\snap\\data\\a.ldb", "abd").ok());
  report = consistency::verify_manifest(fs, target, options, never, nullptr);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->summary().find("1 mismatched (data/a.ldb)") != std::string::npos, report->summary());

  options.digests = nullptr;  // no facility: unreadable, saying why
  report = consistency::verify_manifest(fs, target, options, never, nullptr);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->unreadable == 2u);
  BOOST_TEST(report->summary().find("digest facility") != std::string::npos, report->summary());
}

BOOST_AUTO_TEST_SUITE_END()
