// Privileges contract: SeBackupPrivilege enabled and put back through the token (natively the
// fake, under Wine the Win32 backend), and BackupPrivilege's shared scopes on top of it: enabled
// while any scope lives, the state found by the first scope restored by the last; a put-back that
// fails in a scope's destructor reaches the owner's report function.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

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

// The backend under test, whose put-back (disabling) fails as a token adjustment may: always, or
// only the first `failures` times.
class FailingPutBack final : public Privileges {
 public:
  explicit FailingPutBack(Privileges& real, int failures = -1) : real_(real), failures_(failures) {}
  Result<bool> set_backup_privilege(bool enabled) override {
    if (!enabled && failures_ != 0) {
      if (failures_ > 0) --failures_;
      return Error::win32(5, "AdjustTokenPrivileges", "SeBackupPrivilege", "refused by the test");
    }
    return real_.set_backup_privilege(enabled);
  }
  Result<bool> backup_privilege_enabled() override { return real_.backup_privilege_enabled(); }

 private:
  Privileges& real_;
  int failures_;
};

void no_failure_expected(const Error& error) { BOOST_ERROR("unexpected put-back failure: " << error.message()); }

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
  BackupPrivilege shared(privileges, no_failure_expected);
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
  BackupPrivilege shared(privileges, no_failure_expected);
  {
    auto scope = shared.enable();
    BOOST_REQUIRE(scope.ok());
    BOOST_TEST((*scope)->release().ok());
  }
  BOOST_TEST(privileges.backup_privilege_enabled().value());
}

// BackupPrivilege over the backend whose put-back fails, recording what reaches its report function.
struct FailingShared {
  FailingPutBack failing;
  std::vector<std::string> reported;
  BackupPrivilege shared{failing, [this](const Error& error) { reported.push_back(error.message()); }};
  explicit FailingShared(Privileges& real) : failing(real) { BOOST_REQUIRE(real.set_backup_privilege(false).ok()); }
};

// A scope destroyed without release() whose put-back fails: the failure reaches the report function
// (the add-in's warning event 34), never dropped.
BOOST_AUTO_TEST_CASE(a_put_back_failing_in_a_scopes_destructor_is_reported) {
  FailingShared f(privileges);
  BOOST_REQUIRE(f.shared.enable().ok());  // the scope is destroyed at once, without release()
  BOOST_REQUIRE(f.reported.size() == 1u);
  BOOST_TEST(f.reported[0].find("AdjustTokenPrivileges") != std::string::npos, f.reported[0]);
}

// release() returns the put-back's failure to its caller; the report function is not called then.
BOOST_AUTO_TEST_CASE(a_put_back_failing_in_release_is_returned_not_reported_twice) {
  FailingShared f(privileges);
  {
    auto scope = f.shared.enable();
    BOOST_REQUIRE(scope.ok());
    BOOST_TEST(!(*scope)->release().ok());
  }  // the released scope destroyed: nothing more to report
  BOOST_TEST(f.reported.empty());
}

// A put-back that failed once leaves the privilege enabled by wsbkit, not "found enabled": the next
// scopes' put-back disables it again.
BOOST_AUTO_TEST_CASE(after_a_failed_put_back_the_next_scope_still_puts_the_privilege_back) {
  BOOST_REQUIRE(privileges.set_backup_privilege(false).ok());
  FailingPutBack fails_once(privileges, 1);
  BackupPrivilege shared(fails_once, no_failure_expected);
  {
    auto scope = shared.enable();
    BOOST_REQUIRE(scope.ok());
    BOOST_TEST(!(*scope)->release().ok());
  }
  BOOST_TEST(privileges.backup_privilege_enabled().value());  // left enabled by the failure
  {
    auto scope = shared.enable();
    BOOST_REQUIRE(scope.ok());
    BOOST_TEST((*scope)->release().ok());
  }
  BOOST_TEST(!privileges.backup_privilege_enabled().value());
}

BOOST_AUTO_TEST_SUITE_END()
