// The state folder (issue 9, path 1): created protected, held, and refused when a user got there
// first (a junction, a folder they own, a DACL that lets them in, a file in the way). Against
// mock::FakeProtectedFolders, which models the owners, DACLs and junctions Wine does not keep.
#include <boost/test/unit_test.hpp>

#include "core/addin/addin_host.hpp"
#include "core/registration/doctor.hpp"
#include "core/restore/state_folder.hpp"
#include "mock/fake_protected_folders.hpp"
#include "tests/core/restore/restore_fixture.hpp"

using namespace wsbkit;
using namespace wsbkit::restore_test;

namespace {

const std::string root = "C:\\ProgramData\\wsbkit";
const std::string user = "S-1-5-21-1-2-3-1001";

struct Folders : Machine {
  mock::FakeProtectedFolders folders{files};
  Folders() { (void)files.remove(root); }  // the Machine made it: start before first use
  std::string refusal() {
    auto state = StateFolder::open(folders, root);
    return state ? std::string() : state.error().message();
  }
};

FolderFacts junction(const std::string& path) {
  FolderFacts f = mock::user_created_folder_facts(path, user);
  f.reparse_point = true;
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_folder)

// First use creates wsbkit, sessions and logs protected (owner Administrators, SYSTEM and
// Administrators only) and holds each while the StateFolder lives.
BOOST_AUTO_TEST_CASE(first_use_creates_the_folders_protected_and_holds_them) {
  Folders m;
  {
    auto state = StateFolder::open(m.folders, root);
    BOOST_REQUIRE_MESSAGE(state.ok(), (state.ok() ? std::string() : state.error().message()));
    for (const std::string& path : {root, root + "\\sessions", root + "\\logs"}) {
      const FolderFacts facts = m.folders.facts_of(path);
      BOOST_TEST(facts.security.owner_sid == std::string(well_known_sid::administrators));
      BOOST_TEST(state_folder_problem(path, facts, "S-1-5-18").empty());
      BOOST_TEST(m.folders.holds(path) == 1u);
      BOOST_TEST(!m.folders.replace(path, junction(path)).ok());  // held: cannot be swapped for a junction
    }
    BOOST_TEST(m.files.is_directory(root + "\\sessions").value());
  }
  BOOST_TEST(m.folders.holds(root) == 0u);
}

// A junction a user created as sessions before first use: refused, named as a junction.
BOOST_AUTO_TEST_CASE(a_junction_planted_as_sessions_is_refused) {
  Folders m;
  BOOST_REQUIRE(m.folders.create(root).ok());
  m.folders.plant(root + "\\sessions", junction(root + "\\sessions"));
  BOOST_TEST(m.refusal().find("junction or symbolic link") != std::string::npos, m.refusal());
}

// wsbkit itself created by a user (who owns it and has full control): refused.
BOOST_AUTO_TEST_CASE(a_state_folder_a_user_created_is_refused) {
  Folders m;
  m.folders.plant(root, mock::user_created_folder_facts(root, user));
  BOOST_TEST(m.refusal().find(user) != std::string::npos, m.refusal());
}

// Owned by Administrators but readable by Users (inherited from ProgramData): refused, since
// journals and logs are not theirs to read.
BOOST_AUTO_TEST_CASE(a_state_folder_users_may_read_is_refused) {
  Folders m;
  FolderFacts facts = mock::protected_folder_facts(root + "\\logs");
  facts.security.dacl->push_back({ace_type_allowed, 0x03, file_right::read_execute, std::string(well_known_sid::users)});
  BOOST_REQUIRE(m.folders.create(root).ok());
  m.folders.plant(root + "\\logs", facts);
  BOOST_TEST(m.refusal().find("S-1-5-32-545") != std::string::npos, m.refusal());
}

// A file named like the sessions folder (it would make every PreRestore fail): refused at start.
BOOST_AUTO_TEST_CASE(a_file_in_place_of_sessions_is_refused) {
  Folders m;
  BOOST_REQUIRE(m.folders.create(root).ok());
  BOOST_REQUIRE(m.files.write_file(root + "\\sessions", "x").ok());
  BOOST_TEST(m.refusal().find("is a file") != std::string::npos, m.refusal());
}

// inspect() (doctor) finds the same problems without creating anything.
BOOST_AUTO_TEST_CASE(inspect_reports_problems_and_creates_nothing) {
  Folders m;
  BOOST_TEST(StateFolder::inspect(m.folders, root).value().empty());
  BOOST_TEST(!m.files.exists(root).value());
  m.folders.plant(root, mock::user_created_folder_facts(root, user));
  BOOST_TEST(StateFolder::inspect(m.folders, root).value().size() == 1u);
}

// doctor's state folder check: ok before first use, a problem naming the junction and the fix after.
BOOST_AUTO_TEST_CASE(doctor_names_a_junction_in_the_state_folder_and_the_fix) {
  Folders m;
  BOOST_TEST((check_state_folder(m.folders, root).value().status == CheckStatus::ok));
  BOOST_REQUIRE(m.folders.create(root).ok());
  m.folders.plant(root + "\\logs", junction(root + "\\logs"));
  const DoctorCheck check = check_state_folder(m.folders, root).value();
  BOOST_TEST((check.status == CheckStatus::problem));
  BOOST_TEST(check.detail.find("logs is a junction") != std::string::npos, check.detail);
  BOOST_TEST(check.fix.find("icacls") != std::string::npos);
}

// The add-in with a refused state folder: every call refused (event 22), nothing stopped,
// nothing written into the folder.
BOOST_AUTO_TEST_CASE(the_addin_refuses_every_call_when_its_state_folder_was_refused) {
  Folders m;
  m.folders.plant(root, mock::user_created_folder_facts(root, user));
  RestoreEnvironment env = m.env();
  auto state = StateFolder::open(m.folders, root);
  BOOST_REQUIRE(!state.ok());
  env.state_problem = state.error().message();
  std::vector<std::string> lines;
  CallLog log([&](const std::string& l) { lines.push_back(l); });
  const auto before = m.files.snapshot();
  BOOST_REQUIRE(m.files.write_file("C:\\policy.json", ledger_policy).ok());
  AddinHost host(env, log, {std::string("C:\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  host.on_activation();
  auto app = host.make_application();
  BOOST_TEST(app->pre_restore(restore_of("DB")) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST(app->post_restore(restore_of("DB")) == hr::wsbapp_e_component_post_restore_failed);
  BOOST_TEST(m.all_back());
  auto after = m.files.snapshot();
  after.erase("C:/policy.json");
  BOOST_TEST((after == before));
  bool reported = false;
  for (const auto& e : m.events.entries()) reported = reported || e.event_id == event_id::state_folder_refused;
  BOOST_TEST(reported);
}

BOOST_AUTO_TEST_SUITE_END()
