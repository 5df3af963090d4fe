#include <boost/test/unit_test.hpp>

#include "core/addin/addin_host.hpp"
#include "core/steps/event_ids.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/host_digests.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"

using namespace wsbkit;

namespace {

const std::vector<FileAce> admin_only = mock::admin_only_dacl();
const std::vector<FileAce> users_may_write = mock::users_may_write_dacl();

struct Machine {
  mock::FakeFileSystem files;
  mock::FakeServiceControl services;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  mock::FakeProcessRunner processes;
  mock::FakeFileSecurity security;
  std::unique_ptr<Digests> digests = mock::make_host_digests();
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& l) { lines.push_back(l); }};

  Machine() {
    security.read_contents_from(&files);
    services.install({"LedgerSvc", "Ledger", "C:\\l.exe", ServiceStartType::automatic, {}}, ServiceState::running);
    BOOST_REQUIRE(files.create_directories("C:\\ProgramData\\Ledger").ok());
    BOOST_REQUIRE(files.write_file("C:\\ProgramData\\Ledger\\policy.json", R"({"restore": {
      "pre": [{"service.stop": {"service": "LedgerSvc"}}, {"run": {"executable": "C:\\Tools\\flush.exe"}}],
      "post": [{"service.start": {"service": "LedgerSvc"}}]}})").ok());
    security.set("C:\\ProgramData\\Ledger\\policy.json", std::string(well_known_sid::administrators), admin_only);
    security.set("C:\\Tools\\flush.exe", std::string(well_known_sid::administrators), admin_only);
  }
  RestoreEnvironment env() {
    RestoreEnvironment e{files, services, clock, events, &processes, nullptr, "C:\\ProgramData\\wsbkit", "\\"};
    e.security = &security;
    e.digests = digests.get();
    e.journal_key = std::string(32, 'k');
    return e;
  }
  bool reported(std::uint32_t id, const std::string& text) {
    for (const auto& e : events.entries()) {
      if (e.event_id == id && e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

const RestoreRequest db{std::nullopt, std::string("DB"), std::nullopt, false};

}  // namespace

BOOST_AUTO_TEST_SUITE(addin_security)

// Policy and executable writable only by SYSTEM/Administrators: the steps run.
BOOST_AUTO_TEST_CASE(trusted_policy_and_executable_run) {
  Machine m;
  m.processes.expect("flush.exe", ProcessOutcome{0, "", "", false, {}});
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(host.policy_loaded());
  auto app = host.make_application();
  BOOST_TEST(app->pre_restore(db) == hr::ok);
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::stopped));
  BOOST_TEST(app->post_restore(db) == hr::ok);
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::running));
}

// A policy file Users may change: refused whole, nothing stopped, event 18 says who may write.
BOOST_AUTO_TEST_CASE(policy_writable_by_users_is_refused) {
  Machine m;
  m.security.set("C:\\ProgramData\\Ledger\\policy.json", std::string(well_known_sid::administrators), users_may_write);
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(m.reported(event_id::step_refused_insecure, "S-1-5-32-545"));
  auto app = host.make_application();
  BOOST_TEST(app->pre_restore(db) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::running));
  BOOST_TEST(m.processes.requests().empty());
}

// An executable Users may replace: the run step is refused (never started), PreRestore fails
// and gives back the service it had stopped.
BOOST_AUTO_TEST_CASE(executable_writable_by_users_is_refused) {
  Machine m;
  m.security.set("C:\\Tools\\flush.exe", std::string(well_known_sid::administrators), users_may_write);
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_REQUIRE(host.policy_loaded());
  auto app = host.make_application();
  BOOST_TEST(app->pre_restore(db) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST(m.processes.requests().empty());
  BOOST_TEST(m.reported(event_id::step_refused_insecure, "restore.pre[1]"));
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::running));
}

// A policy reached through a link Users own (C:\ProgramData\Ledger is their junction to an
// admin-only folder): refused whole, the link named, nothing run (before, only the final path was
// examined and the policy was used).
BOOST_AUTO_TEST_CASE(policy_behind_a_link_users_own_is_refused) {
  Machine m;
  BOOST_REQUIRE(m.files.create_directories("C:\\Secure").ok());
  BOOST_REQUIRE(m.files.write_file("C:\\Secure\\policy.json", *m.files.read_file("C:\\ProgramData\\Ledger\\policy.json")).ok());
  m.security.set("C:\\Secure\\policy.json", std::string(well_known_sid::administrators), admin_only);
  m.security.set_reparse_point("C:\\ProgramData\\Ledger", std::string(well_known_sid::users), admin_only, "C:\\Secure");
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(m.reported(event_id::step_refused_insecure, "C:\\ProgramData\\Ledger "));
  BOOST_TEST(host.make_application()->pre_restore(db) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::running));
}

// A policy on a UNC path is refused before anything is opened (event 18 says UNC).
BOOST_AUTO_TEST_CASE(policy_on_a_unc_path_is_refused) {
  Machine m;
  AddinHost host(m.env(), m.log, {std::string("\\\\srv\\share\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(m.reported(event_id::step_refused_insecure, "UNC"));
}

// An invalid policy: refused with the first problem's location in event 17.
BOOST_AUTO_TEST_CASE(invalid_policy_is_reported_with_location) {
  Machine m;
  BOOST_REQUIRE(m.files.write_file("C:\\ProgramData\\Ledger\\policy.json", "{\n \"restore\": {\"pre\": 5}\n}").ok());
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(m.reported(event_id::policy_invalid, "policy.json:2:"));
  ConsistencyRequest check;
  BOOST_TEST(host.make_application()->check_consistency(check).hr == hr::wsbapp_e_component_consistency_check_failed);
}

// A policy over 4 MiB: refused before parsing, event 17 gives its size.
BOOST_AUTO_TEST_CASE(policy_over_4_mib_is_refused_with_its_size) {
  Machine m;
  BOOST_REQUIRE(m.files.write_file("C:\\ProgramData\\Ledger\\policy.json", "{}" + std::string(4 * 1024 * 1024 - 1, ' ')).ok());
  AddinHost host(m.env(), m.log, {std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"});
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(m.reported(event_id::policy_invalid,
                        "C:\\ProgramData\\Ledger\\policy.json: policy is 4194305 bytes, more than the 4 MiB limit"));
}

// A policy whose application block names another writer than the one the add-in is registered
// for (the README's example copied unchanged): refused with an event and WSBAPP_E codes, nothing
// stopped, and the journal named after the registered writer.
BOOST_AUTO_TEST_CASE(a_policy_naming_another_writer_is_refused) {
  Machine m;
  BOOST_REQUIRE(m.files.write_file("C:\\ProgramData\\Ledger\\policy.json", R"({
    "application": {"writer_id": "{AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7}"},
    "restore": {"pre": [{"service.stop": {"service": "LedgerSvc"}}], "post": [{"service.start": {"service": "LedgerSvc"}}]}})").ok());
  AddinSettings settings{std::string("C:\\ProgramData\\Ledger\\policy.json"), "{E759F65B-9371-515A-8397-AB5B1CCD6E96}"};
  settings.writer_id = "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
  AddinHost host(m.env(), m.log, settings);
  BOOST_TEST(!host.policy_loaded());
  BOOST_TEST(host.policy_problem().find("application.writer_id: the policy names writer {AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7} but "
                                        "it is given to the application registered for writer "
                                        "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}") != std::string::npos,
             host.policy_problem());
  BOOST_TEST(m.reported(event_id::policy_invalid, "application.writer_id"));
  BOOST_TEST(host.session_key() == "76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7");
  auto app = host.make_application();
  BOOST_TEST(app->pre_restore(db) == hr::wsbapp_e_component_pre_restore_failed);
  BOOST_TEST((m.services.service("LedgerSvc")->state == ServiceState::running));
  // The same policy naming the registered writer is used.
  settings.writer_id = "{AAAAAAAA-15F7-4BCD-987E-8E1ACB462FB7}";
  AddinHost matching(m.env(), m.log, settings);
  BOOST_TEST(matching.policy_loaded(), matching.policy_problem());
}

// The writer an add-in serves is the one whose Application Support entry names its CLSID.
BOOST_AUTO_TEST_CASE(the_add_in_finds_its_writer_by_its_clsid) {
  mock::FakeRegistry registry;
  const std::string app = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\WindowsServerBackup\\Application Support\\"
                          "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
  BOOST_TEST(!writer_for_clsid(registry, "{E759F65B-9371-515A-8397-AB5B1CCD6E96}").value().has_value());
  BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, app).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, app, "Application Identifier", reg_sz("Ledger")).ok());
  BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, app, "CLSID", reg_sz("{e759f65b-9371-515a-8397-ab5b1ccd6e96}")).ok());
  BOOST_TEST(writer_for_clsid(registry, "{E759F65B-9371-515A-8397-AB5B1CCD6E96}").value().value_or("") ==
             "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}");
  BOOST_TEST(!writer_for_clsid(registry, "{00000000-9371-515A-8397-AB5B1CCD6E96}").value().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
