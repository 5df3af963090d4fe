#include <boost/test/unit_test.hpp>

#include "core/simulator/file_restore.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_file_system.hpp"

using namespace wsbkit;

namespace {

const std::string shadow = "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\";

// The writer of the sample application, in VSS's wrapped form.
const std::string metadata = R"(<root><Schema name="VssWriterMetadataInfo" xmlns="urn:schemas-microsoft-com:xml-data"/>
<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1"><IDENTIFICATION friendlyName="Contoso Ledger"/>
<BACKUP_LOCATIONS>
  <DATABASE componentName="LedgerDB" logicalPath="Contoso\Ledger"><DATABASE_FILES path="D:\Ledger\data" filespec="*.ldb"/>
    <DATABASE_FILES path="D:\Ledger" filespec="MANIFEST.xxh128"/></DATABASE>
  <FILE_GROUP componentName="LedgerJournal" logicalPath="Contoso\Ledger"><FILE_LIST path="D:\Ledger\journal" filespec="*" recursive="yes"/></FILE_GROUP>
  <FILE_GROUP componentName="Elsewhere"><FILE_LIST path="Q:\Other" filespec="*"/></FILE_GROUP>
</BACKUP_LOCATIONS><RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED"/></WRITER_METADATA></root>)";

// An add-in that accepts every call and notes what the live files held when it was called.
class WatchingAddin : public WsbApplication {
 public:
  explicit WatchingAddin(FileSystem& files) : files_(files) {}
  std::vector<std::string> seen;
  std::function<void()> on_post_restore;

  ConsistencyResult check_consistency(const ConsistencyRequest&) override { return {hr::s_false, nullptr}; }
  Hresult pre_restore(const RestoreRequest& r) override {
    seen.push_back("PreRestore " + *r.component_name + ": a.ldb=" + live("D:\\Ledger\\data\\a.ldb"));
    return hr::ok;
  }
  Hresult post_restore(const RestoreRequest& r) override {
    seen.push_back("PostRestore " + *r.component_name + ": a.ldb=" + live("D:\\Ledger\\data\\a.ldb"));
    if (on_post_restore) on_post_restore();
    return hr::ok;
  }
  OrderResult order_components(const OrderRequest&) override { return {hr::s_false, std::nullopt, std::nullopt}; }
  Hresult is_roll_forward_supported(bool& supported) override {
    supported = false;
    return hr::ok;
  }

 private:
  std::string live(const std::string& path) {
    auto text = files_.read_file(path);
    return text ? *text : "(none)";
  }
  FileSystem& files_;
};

struct Fixture {
  mock::FakeFileSystem fs;
  mock::FakeClock clock;
  WatchingAddin addin{fs};

  Fixture() {
    write("D:\\Ledger\\data\\a.ldb", "DAMAGED");
    write(shadow + "Ledger\\data\\a.ldb", "abc");
    write(shadow + "Ledger\\data\\b.ldb", "hello world\n");
    write(shadow + "Ledger\\data\\notes.txt", "not a database file");
    write(shadow + "Ledger\\MANIFEST.xxh128", "manifest");
    write(shadow + "Ledger\\journal\\2026\\12\\0001.jnl", "entry");
  }
  void write(const std::string& path, const std::string& contents) {
    BOOST_REQUIRE(fs.create_directories(path.substr(0, path.find_last_of('\\'))).ok());
    BOOST_REQUIRE(fs.write_file(path, contents).ok());
  }
  std::string read(const std::string& path) {
    auto text = fs.read_file(path);
    return text ? *text : "(none)";
  }
  SimulationOptions options(std::vector<SimulatedComponent> components) {
    SimulationOptions o;
    o.components = std::move(components);
    o.writer_metadata = metadata;
    o.source_volumes = {"D:\\"};
    o.snapshot_volumes = {shadow};
    o.backup = false;
    return o;
  }
  std::vector<SimulatedCall> run(const SimulationOptions& o) {
    SnapshotFileRestore files(fs, *o.writer_metadata, o.source_volumes, o.snapshot_volumes);
    Simulator simulator(addin, clock, nullptr);
    simulator.restore_files_with(&files);
    return simulator.run(o);
  }
};

const SimulatedComponent db{"LedgerDB", std::string("Contoso\\Ledger")};
const SimulatedComponent journal{"LedgerJournal", std::string("Contoso\\Ledger")};

const SimulatedCall* find(const std::vector<SimulatedCall>& calls, const std::string& method, std::size_t nth = 0) {
  for (const auto& c : calls) {
    if (c.method == method && nth-- == 0) return &c;
  }
  return nullptr;
}

std::vector<std::string> methods(const std::vector<SimulatedCall>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls) out.push_back(c.method);
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(simulator_file_restore, Fixture)

// Between a component's PreRestore and its PostRestore the files its writer file groups name are
// copied from the backup into place (sub-folders of a recursive group created); the add-in sees
// the damaged file at PreRestore and the restored one at PostRestore; afterwards every restored
// file matches the backup.
BOOST_AUTO_TEST_CASE(the_writers_files_are_restored_between_pre_and_post_restore_and_compared) {
  const auto calls = run(options({db, journal}));
  BOOST_TEST(methods(calls) == (std::vector<std::string>{"OrderComponents", "IsRollForwardSupported", "PreRestore",
                                                         "(file restore)", "PostRestore", "PreRestore", "(file restore)",
                                                         "PostRestore", "(file compare)"}),
             boost::test_tools::per_element());
  BOOST_TEST(addin.seen[0] == "PreRestore LedgerDB: a.ldb=DAMAGED");
  BOOST_TEST(addin.seen[1] == "PostRestore LedgerDB: a.ldb=abc");
  BOOST_TEST(read("D:\\Ledger\\data\\b.ldb") == "hello world\n");
  BOOST_TEST(read("D:\\Ledger\\MANIFEST.xxh128") == "manifest");
  BOOST_TEST(read("D:\\Ledger\\data\\notes.txt") == "(none)");  // not in a file group
  BOOST_TEST(read("D:\\Ledger\\journal\\2026\\12\\0001.jnl") == "entry");
  const SimulatedCall* restored = find(calls, "(file restore)");
  BOOST_REQUIRE(restored);
  BOOST_TEST(restored->hr == hr::ok);
  BOOST_REQUIRE_EQUAL(restored->files.size(), 3u);
  BOOST_TEST(restored->files[0].path == "D:\\Ledger\\data\\a.ldb");
  BOOST_TEST(restored->files[0].source == shadow + "Ledger\\data\\a.ldb");
  BOOST_TEST(restored->files[0].bytes == 3u);
  BOOST_TEST(restored->outcome == "3 file(s), 23 bytes restored");
  const SimulatedCall* compared = find(calls, "(file compare)");
  BOOST_REQUIRE(compared);
  BOOST_TEST(compared->hr == hr::ok);
  BOOST_TEST(compared->files.size() == 4u);
  BOOST_TEST(compared->outcome == "4 file(s) match the backup");
}

// A run that makes only the PostRestores (--calls post: the second half of an interrupted restore)
// restores no file: the files came with the PreRestores of the earlier run.
BOOST_AUTO_TEST_CASE(a_post_restore_only_run_restores_no_file) {
  auto o = options({db});
  o.restore_calls = {"post"};
  const auto calls = run(o);
  BOOST_TEST(methods(calls) == (std::vector<std::string>{"PostRestore", "(file compare)"}), boost::test_tools::per_element());
  BOOST_TEST(read("D:\\Ledger\\data\\a.ldb") == "DAMAGED");
}

// A file that cannot be written fails its component's file restore, naming the file and the
// reason; the other component is restored; with skip_post_after_failure its PostRestore is not made.
BOOST_AUTO_TEST_CASE(a_file_that_cannot_be_restored_fails_its_component_with_the_reason) {
  fs.fail_when(mock::file_writes_under("D:\\Ledger\\journal"));
  auto o = options({journal, db});
  o.skip_post_after_failure = true;
  const auto calls = run(o);
  BOOST_TEST(methods(calls) == (std::vector<std::string>{"OrderComponents", "IsRollForwardSupported", "PreRestore",
                                                         "(file restore)", "PreRestore", "(file restore)", "PostRestore",
                                                         "(file compare)"}),
             boost::test_tools::per_element());
  const SimulatedCall* failed = find(calls, "(file restore)");
  BOOST_REQUIRE(failed);
  BOOST_TEST(failed->hr == hr::e_fail);
  BOOST_REQUIRE_EQUAL(failed->files.size(), 1u);
  BOOST_TEST(!failed->files[0].ok);
  BOOST_TEST(failed->files[0].path == "D:\\Ledger\\journal\\2026\\12\\0001.jnl");
  BOOST_TEST(failed->files[0].reason.find("creating D:\\Ledger\\journal\\2026\\12") != std::string::npos, failed->files[0].reason);
  BOOST_TEST(failed->outcome.find("1 could not be") != std::string::npos, failed->outcome);
  BOOST_TEST(read("D:\\Ledger\\data\\a.ldb") == "abc");
  BOOST_TEST(find(calls, "(file compare)")->files.size() == 3u);  // only what was restored
}

// A restored file the application changes before the comparison (here at PostRestore) is reported
// as differing from the backup, with both sizes.
BOOST_AUTO_TEST_CASE(a_file_changed_after_the_restore_is_reported_by_the_comparison) {
  addin.on_post_restore = [&] { BOOST_REQUIRE(fs.write_file("D:\\Ledger\\data\\b.ldb", "rewritten").ok()); };
  const auto calls = run(options({db}));
  const SimulatedCall* compared = find(calls, "(file compare)");
  BOOST_REQUIRE(compared);
  BOOST_TEST(compared->hr == hr::e_fail);
  BOOST_TEST(compared->outcome.find("1 of 3 file(s) differ from the backup (first: D:\\Ledger\\data\\b.ldb: differs from the backup "
                                    "(9 bytes, the backup 12))") != std::string::npos,
             compared->outcome);
}

// Metadata that cannot be read, and a file group on a volume not in the backup, fail the
// component's file restore with the reason; nothing is written.
BOOST_AUTO_TEST_CASE(unreadable_metadata_or_a_group_outside_the_backup_fails_with_the_reason) {
  auto o = options({{"Elsewhere", std::nullopt}});
  auto calls = run(o);
  const SimulatedCall* outside = find(calls, "(file restore)");
  BOOST_REQUIRE(outside);
  BOOST_TEST(outside->hr == hr::e_fail);
  BOOST_REQUIRE_EQUAL(outside->files.size(), 1u);
  BOOST_TEST(outside->files[0].path == "Q:\\Other");
  o = options({db});
  o.writer_metadata = "<html/>";
  calls = run(o);
  const SimulatedCall* unreadable = find(calls, "(file restore)");
  BOOST_REQUIRE(unreadable);
  BOOST_TEST(unreadable->hr == hr::e_fail);
  BOOST_TEST(unreadable->files[0].reason.find("writer metadata: the root element is <html>") != std::string::npos,
             unreadable->files[0].reason);
  BOOST_TEST(read("D:\\Ledger\\data\\a.ldb") == "DAMAGED");
}

// A link inside the backup is not followed (it would lead to the live side): it is reported as a
// file that could not be restored.
BOOST_AUTO_TEST_CASE(a_link_in_the_backup_is_not_followed) {
  write("D:\\Ledger\\elsewhere\\x.ldb", "live");
  fs.create_link(shadow + "Ledger\\journal\\live", "D:\\Ledger\\elsewhere", true);
  const auto calls = run(options({journal}));
  const SimulatedCall* restored = find(calls, "(file restore)");
  BOOST_REQUIRE(restored);
  BOOST_TEST(restored->hr == hr::e_fail);
  BOOST_TEST(restored->outcome.find("a reparse point in the backup, not followed") != std::string::npos, restored->outcome);
  BOOST_TEST(read("D:\\Ledger\\journal\\live\\x.ldb") == "(none)");
}

BOOST_AUTO_TEST_SUITE_END()
