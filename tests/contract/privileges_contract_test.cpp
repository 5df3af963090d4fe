// Privileges contract: SeBackupPrivilege enabled and put back through the token (natively the
// fake, under Wine the Win32 backend), and BackupPrivilege's shared scopes on top of it: enabled
// while any scope lives, the state found by the first scope restored by the last.
#include <boost/test/unit_test.hpp>

#include "tests/contract/path_backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

struct Priv {
  PrivilegesBackend backend = make_privileges_backend();
  Privileges& privileges = *backend.privileges;
  bool initially = false;
  Priv() {
    BOOST_TEST_MESSAGE("privileges backend: " << backend.name);
    initially = privileges.backup_privilege_enabled().value();
  }
  ~Priv() {
    if (auto restored = privileges.set_backup_privilege(initially); !restored) BOOST_ERROR(restored.error().message());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(privileges_contract, Priv)

// Enabling answers the previous state, and the token then says enabled; disabling puts it back.
BOOST_AUTO_TEST_CASE(enabling_reports_the_previous_state_and_takes_effect) {
  BOOST_REQUIRE(privileges.set_backup_privilege(false).ok());
  BOOST_TEST(!privileges.backup_privilege_enabled().value());
  BOOST_TEST(privileges.set_backup_privilege(true).value() == false);
  BOOST_TEST(privileges.backup_privilege_enabled().value());
  BOOST_TEST(privileges.set_backup_privilege(true).value() == true);  // already enabled
  BOOST_TEST(privileges.set_backup_privilege(false).value() == true);
  BOOST_TEST(!privileges.backup_privilege_enabled().value());
}

// Two overlapping scopes (two checks at once): enabled until the last one ends, then disabled again.
BOOST_AUTO_TEST_CASE(overlapping_scopes_keep_it_enabled_until_the_last_ends) {
  BOOST_REQUIRE(privileges.set_backup_privilege(false).ok());
  BackupPrivilege shared(privileges);
  auto first = shared.enable();
  BOOST_REQUIRE(first.ok());
  auto second = shared.enable();
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(privileges.backup_privilege_enabled().value());
  BOOST_TEST((*first)->release().ok());
  BOOST_TEST(privileges.backup_privilege_enabled().value());
  BOOST_TEST((*second)->release().ok());
  BOOST_TEST(!privileges.backup_privilege_enabled().value());
}

// A privilege that was enabled before the first scope stays enabled after the last.
BOOST_AUTO_TEST_CASE(a_privilege_enabled_before_stays_enabled) {
  BOOST_REQUIRE(privileges.set_backup_privilege(true).ok());
  BackupPrivilege shared(privileges);
  {
    auto scope = shared.enable();
    BOOST_REQUIRE(scope.ok());
    BOOST_TEST((*scope)->release().ok());
  }
  BOOST_TEST(privileges.backup_privilege_enabled().value());
}

BOOST_AUTO_TEST_SUITE_END()
