#include <boost/test/unit_test.hpp>

#include "core/consistency/snapshot_paths.hpp"
#include "mock/fake_volumes.hpp"

using namespace wsbkit;
using namespace wsbkit::consistency;

namespace {
const std::string vol_d = "\\\\?\\Volume{dddddddd-0000-0000-0000-000000000000}\\";
const std::string vol_m = "\\\\?\\Volume{mmmmmmmm-0000-0000-0000-000000000000}\\";
const std::string shadow_d = "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy5\\";
const std::string shadow_m = "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy6\\";

struct Fixture {
  mock::FakeVolumes volumes;
  Fixture() {
    volumes.add("D:\\", vol_d);
    volumes.add("D:\\Mounts\\Data\\", vol_m);
    volumes.add("C:\\", "\\\\?\\Volume{cccccccc-0000-0000-0000-000000000000}\\");
  }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(snapshot_paths, Fixture)

// Mapping table: each live path lands under its volume's snapshot root.
BOOST_AUTO_TEST_CASE(mapping_table) {
  SnapshotPaths paths({{vol_d, shadow_d}, {vol_m, shadow_m}}, volumes);
  const std::vector<std::pair<std::string, std::string>> table = {
      {"D:\\Ledger\\data\\*.ldb", shadow_d + "Ledger\\data\\*.ldb"},       // drive path, wildcard kept
      {"d:\\ledger\\x", shadow_d + "ledger\\x"},                           // drive letters are case-insensitive
      {"D:/Ledger/x", shadow_d + "Ledger\\x"},                             // either separator
      {"D:\\Mounts\\Data\\db\\a.ldb", shadow_m + "db\\a.ldb"},             // the deeper mount point wins
      {vol_d + "Ledger\\y", shadow_d + "Ledger\\y"},                       // a volume GUID path
      {"\\\\?\\volume{DDDDDDDD-0000-0000-0000-000000000000}\\z", shadow_d + "z"},  // GUIDs compare without case
      {"D:\\Ledger\\.\\data\\..\\conf", shadow_d + "Ledger\\conf"},        // . and .. inside the volume
      {"D:\\", shadow_d},                                                  // the root itself
  };
  for (const auto& [live, expected] : table) {
    auto mapped = paths.to_snapshot(live);
    BOOST_TEST_REQUIRE(mapped.ok(), live << ": " << (mapped.ok() ? "" : mapped.error().message()));
    BOOST_TEST(*mapped == expected, live);
  }
}

// A path on a volume WSB did not pass fails with a message naming the path and the volumes.
BOOST_AUTO_TEST_CASE(path_on_no_given_volume_is_an_error_naming_it) {
  SnapshotPaths paths({{vol_d, shadow_d}}, volumes);
  auto mapped = paths.to_snapshot("C:\\Windows\\x.dll");
  BOOST_REQUIRE(!mapped.ok());
  BOOST_TEST(mapped.error().object() == "C:\\Windows\\x.dll");
  BOOST_TEST(mapped.error().system_message().find("no volume being backed up") != std::string::npos);
  BOOST_TEST(mapped.error().system_message().find(vol_d) != std::string::npos);
  auto unknown = paths.to_snapshot("Q:\\x");  // a drive the platform does not know
  BOOST_TEST(!unknown.ok());
}

// ".." that climbs out of the volume root is refused: the live side is never reached that way.
BOOST_AUTO_TEST_CASE(dot_dot_out_of_the_root_is_refused) {
  SnapshotPaths paths({{vol_d, shadow_d}}, volumes);
  auto mapped = paths.to_snapshot("D:\\..\\..\\Windows");
  BOOST_REQUIRE(!mapped.ok());
  BOOST_TEST(mapped.error().system_message().find("only the snapshot may be read") != std::string::npos);
}

// Sources given as drive roots or folders match directly, without asking the platform.
BOOST_AUTO_TEST_CASE(drive_root_sources_match_directly) {
  SnapshotPaths paths({{"E:\\", "C:\\snap\\"}}, volumes);
  auto mapped = paths.to_snapshot("E:\\Ledger\\a b.ldb");
  BOOST_REQUIRE(mapped.ok());
  BOOST_TEST(*mapped == "C:\\snap\\Ledger\\a b.ldb");
  BOOST_TEST(volumes.calls() == 0u);
}

// A POSIX snapshot root (native tests, benchmark) gets '/' separators.
BOOST_AUTO_TEST_CASE(posix_snapshot_root_uses_slashes) {
  SnapshotPaths paths({{vol_d, "/tmp/snap/"}}, volumes);
  auto mapped = paths.to_snapshot("D:\\Ledger\\data\\a.ldb");
  BOOST_REQUIRE(mapped.ok());
  BOOST_TEST(*mapped == "/tmp/snap/Ledger/data/a.ldb");
}

// The volume of a mount point is asked once, then cached.
BOOST_AUTO_TEST_CASE(volume_lookups_are_cached) {
  SnapshotPaths paths({{vol_d, shadow_d}}, volumes);
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(paths.to_snapshot("D:\\f" + std::to_string(i)).ok());
  BOOST_TEST(volumes.calls() == 11u);  // 10 mount point lookups + 1 GUID lookup
}

// A \\?\ prefix before a drive letter names the same volume: the path maps like the plain one.
BOOST_AUTO_TEST_CASE(a_long_path_prefix_before_a_drive_maps_like_the_plain_path) {
  SnapshotPaths paths({{vol_d, shadow_d}}, volumes);
  BOOST_TEST(paths.to_snapshot("\\\\?\\D:\\Ledger\\data\\a.ldb").value() == shadow_d + "Ledger\\data\\a.ldb");
  BOOST_TEST(paths.to_snapshot("\\\\?\\d:\\Ledger").value() == shadow_d + "Ledger");
}

// A relative path (an unexpanded "%SystemRoot%\X", a relative name) lies on the boot volume for
// Windows; it is not cut by the boot volume's "C:\" length into "ystemRoot%\X" but refused,
// naming the path, even when C: is being backed up.
BOOST_AUTO_TEST_CASE(a_path_is_cut_only_by_a_mount_point_that_begins_it) {
  const std::string vol_c = "\\\\?\\Volume{cccccccc-0000-0000-0000-000000000000}\\";
  SnapshotPaths paths({{vol_c, shadow_m}, {vol_d, shadow_d}}, volumes);
  for (const std::string live : {"%SystemRoot%\\Ledger\\*.ldb", "Ledger\\data\\a.ldb"}) {
    auto mapped = paths.to_snapshot(live);
    BOOST_TEST(!mapped.ok(), live << " -> " << (mapped.ok() ? *mapped : ""));
    if (!mapped.ok()) {
      BOOST_TEST(mapped.error().object() == live);
      BOOST_TEST(mapped.error().system_message().find("does not begin the path") != std::string::npos,
                 mapped.error().system_message());
    }
  }
}

// A rooted path without a drive ("\Ledger\data", as writer metadata may hold) is on the system
// volume for the add-in (SYSTEM): mapped under that volume's snapshot, not refused; on a system
// volume WSB did not pass, the error names the volume.
BOOST_AUTO_TEST_CASE(a_rooted_path_without_a_drive_maps_on_the_system_volume) {
  const std::string vol_c = "\\\\?\\Volume{cccccccc-0000-0000-0000-000000000000}\\";
  SnapshotPaths paths({{vol_c, shadow_m}, {vol_d, shadow_d}}, volumes);
  for (const std::string live : {"\\Ledger\\data", "/Ledger/data"}) {
    auto mapped = paths.to_snapshot(live);
    BOOST_TEST((mapped.ok() ? *mapped : "error: " + mapped.error().message()) == shadow_m + "Ledger\\data");
  }
  volumes.set_boot_volume("D:\\");
  auto on_d = paths.to_snapshot("\\Ledger\\*.ldb");
  BOOST_TEST((on_d.ok() ? *on_d : "error: " + on_d.error().message()) == shadow_d + "Ledger\\*.ldb");
  SnapshotPaths only_m({{vol_m, shadow_m}}, volumes);
  auto missing = only_m.to_snapshot("\\Ledger\\data");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().system_message().find(vol_d) != std::string::npos, missing.error().system_message());
}

// A reparse point in a snapshot where a passed volume is mounted leads to that volume's snapshot;
// where a volume WSB did not pass is mounted, an error names it; any other is no mount point.
BOOST_AUTO_TEST_CASE(a_mounted_folder_in_a_snapshot_leads_to_its_volume_snapshot) {
  SnapshotPaths both({{vol_d, shadow_d}, {vol_m, shadow_m}}, volumes);
  auto mounted = both.mounted_volume_snapshot(shadow_d + "Mounts\\Data");
  BOOST_REQUIRE_MESSAGE(mounted.ok(), (mounted.ok() ? "" : mounted.error().message()));
  BOOST_TEST(mounted->value_or("none") == shadow_m);
  BOOST_TEST(!both.mounted_volume_snapshot(shadow_d + "Ledger\\junction").value().has_value());
  SnapshotPaths only_d({{vol_d, shadow_d}}, volumes);
  auto missing = only_d.mounted_volume_snapshot(shadow_d + "Mounts\\Data");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().system_message().find(vol_m) != std::string::npos, missing.error().system_message());
}

// Mount points that cannot be read are named, not remembered: the next call (a step's retry) asks
// again, and once they are read an entry behind the mounted folder leads into its volume's snapshot.
BOOST_AUTO_TEST_CASE(mounted_folders_not_learnt_are_asked_for_again) {
  SnapshotPaths paths({{vol_d, shadow_d}, {vol_m, shadow_m}}, volumes);
  volumes.fail_mount_points_of_volume(5);
  const auto gaps = paths.learn_mounted_folders();
  BOOST_REQUIRE_EQUAL(gaps.size(), 2u);
  BOOST_TEST(gaps[0].volume == vol_d);
  BOOST_TEST(gaps[1].volume == vol_m);
  BOOST_TEST(gaps[1].reason.find("GetVolumePathNamesForVolumeNameW") != std::string::npos, gaps[1].reason);
  BOOST_TEST(paths.through_mounted_folders(shadow_d + "Mounts\\Data\\x.ldb") == shadow_d + "Mounts\\Data\\x.ldb");
  volumes.fail_mount_points_of_volume(0);
  BOOST_TEST(paths.learn_mounted_folders().empty());
  BOOST_TEST(paths.through_mounted_folders(shadow_d + "Mounts\\Data\\x.ldb") == shadow_m + "x.ldb");
  const std::size_t calls = volumes.calls();
  BOOST_TEST(paths.learn_mounted_folders().empty());
  BOOST_TEST(volumes.calls() == calls);  // learnt once complete
}

// join_below and parent_directory, the helpers every check uses.
BOOST_AUTO_TEST_CASE(join_and_parent_helpers) {
  BOOST_TEST(*join_below("C:\\base", "a/b\\c.txt") == "C:\\base\\a\\b\\c.txt");
  BOOST_TEST(*join_below("/base/", "a\\b") == "/base/a/b");
  BOOST_TEST(!join_below("/base", "a/../../x").ok());
  BOOST_TEST(parent_directory("D:\\a\\b.txt") == "D:\\a");
  BOOST_TEST(without_trailing_separator("C:\\x\\\\") == "C:\\x");
}

BOOST_AUTO_TEST_SUITE_END()
