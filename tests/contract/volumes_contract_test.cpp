// Volumes contract: what GetVolumePathNameW / GetVolumeNameForVolumeMountPointW answer on Windows,
// which the fake must answer too (natively the fake, under Wine the Win32 backend). Writer
// metadata paths reach these calls after environment expansion; a drive-less one must give the
// boot volume, not an error, and no path may be cut short by a buffer sized from its own length.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "tests/contract/path_backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

struct Vol {
  VolumesBackend backend = make_volumes_backend();
  Volumes& volumes = *backend.volumes;
  Vol() { BOOST_TEST_MESSAGE("volumes backend: " << backend.name); }
  std::string drive() const { return backend.boot_volume.substr(0, 2); }  // "C:"
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(volumes_contract, Vol)

// A path on the boot drive, existing or not, has the drive's root as its mount point.
BOOST_AUTO_TEST_CASE(a_drive_path_has_the_drive_root_as_mount_point) {
  BOOST_TEST(volumes.mount_point_of(drive() + "\\Windows").value() == backend.boot_volume);
  BOOST_TEST(volumes.mount_point_of(drive() + "\\no\\such\\folder\\file.ldb").value() == backend.boot_volume);
  BOOST_TEST(volumes.mount_point_of(drive() + "/no/such/folder").value() == backend.boot_volume);
}

// A path with no drive or volume (relative, or rooted without a drive) gives the boot volume, as
// GetVolumePathNameW is documented to do: never an error, never a buffer too small for the answer.
BOOST_AUTO_TEST_CASE(a_path_without_a_drive_gives_the_boot_volume) {
  BOOST_TEST(volumes.mount_point_of("x").value() == backend.boot_volume);
  BOOST_TEST(volumes.mount_point_of("Ledger\\data\\a.ldb").value() == backend.boot_volume);
  BOOST_TEST(volumes.mount_point_of("\\Ledger\\data").value() == backend.boot_volume);
}

// A path longer than MAX_PATH resolves too.
BOOST_AUTO_TEST_CASE(a_long_path_resolves) {
  std::string path = drive();
  for (int i = 0; i < 40; ++i) path += "\\folder-number-" + std::to_string(i);
  BOOST_TEST(path.size() > 260u);
  BOOST_TEST(volumes.mount_point_of(path).value() == backend.boot_volume);
}

// The boot volume has a \\?\Volume{GUID}\ name (ending in '\'); a plain folder is no mount point.
BOOST_AUTO_TEST_CASE(a_drive_root_has_a_volume_guid_path_and_a_folder_has_none) {
  const std::string guid = volumes.volume_guid_path(backend.boot_volume).value();
  BOOST_TEST(guid.rfind("\\\\?\\Volume{", 0) == 0u, guid);
  BOOST_TEST(guid.back() == '\\');
  BOOST_TEST(volumes.volume_guid_path(drive()).value() == guid);  // the trailing '\' is optional
  BOOST_TEST(!volumes.volume_guid_path(drive() + "\\Windows\\").ok());
}

// The boot volume's mount points (GetVolumePathNamesForVolumeNameW) include its drive root, each
// ending in '\'; a name that is no volume is an error, never an empty list.
BOOST_AUTO_TEST_CASE(a_volumes_mount_points_include_its_drive_root) {
  const std::string guid = volumes.volume_guid_path(backend.boot_volume).value();
  auto mount_points = volumes.mount_points_of_volume(guid);
  BOOST_REQUIRE_MESSAGE(mount_points.ok(), (mount_points.ok() ? "" : mount_points.error().message()));
  BOOST_TEST(std::count(mount_points->begin(), mount_points->end(), backend.boot_volume) == 1);
  for (const auto& m : *mount_points) BOOST_TEST(m.back() == '\\', m);
  BOOST_TEST(!volumes.mount_points_of_volume(drive() + "\\Windows\\").ok());
}

BOOST_AUTO_TEST_SUITE_END()
