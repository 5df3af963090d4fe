// The fakes' test controls (not part of any interface contract): failure injection at the N-th
// call and by predicate, the not-elevated mode, call counting and snapshots; plus the Windows
// behaviours of the fakes that the Win32 contract cannot exercise under Wine.
#include <boost/test/unit_test.hpp>

#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"

using namespace wsbkit;
using namespace wsbkit::mock;
using namespace std::chrono_literals;

namespace {

constexpr RegistryRoot hklm = RegistryRoot::local_machine;
constexpr RegistryRoot hkcu = RegistryRoot::current_user;
constexpr RegistryRoot hkcr = RegistryRoot::classes_root;

template <class T>
std::uint32_t code_of(const Result<T>& r) { return r ? 0u : r.error().win32_code(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(fake_registry)

// Every interface call is counted, reads and failed calls included; test controls are not.
BOOST_AUTO_TEST_CASE(counts_every_interface_call) {
  FakeRegistry reg;
  BOOST_TEST(reg.call_count() == 0u);
  (void)reg.key_exists(hklm, "SOFTWARE");
  (void)reg.get_value(hklm, "SOFTWARE\\Missing", "v");  // fails: still a call
  (void)reg.snapshot();
  BOOST_TEST(reg.call_count() == 2u);
  BOOST_TEST(reg.calls().at(1).path == "SOFTWARE\\Missing");
  BOOST_TEST((reg.calls().at(1).operation == RegistryOperation::get_value));
}

// fail_at_call(n) fails exactly the n-th call with the chosen code and changes nothing; the calls
// before and after it succeed.
BOOST_AUTO_TEST_CASE(fails_exactly_the_nth_call_without_side_effects) {
  FakeRegistry reg;
  reg.fail_at_call(2, win32_error::not_enough_memory);
  BOOST_TEST(reg.create_key(hkcu, "Software\\A").ok());
  const auto before = reg.snapshot();
  const auto failed = reg.create_key(hkcu, "Software\\B");
  BOOST_TEST(code_of(failed) == win32_error::not_enough_memory);
  BOOST_TEST(failed.error().api() == "RegCreateKeyExW");
  BOOST_TEST(failed.error().system_message().find("injected") != std::string::npos);
  BOOST_TEST((reg.snapshot() == before));
  BOOST_TEST(reg.create_key(hkcu, "Software\\B").ok());
}

// A predicate fault (writes under a key) fails matching writes only: reads there and writes
// elsewhere succeed; clear_faults lifts it.
BOOST_AUTO_TEST_CASE(predicate_fails_only_matching_writes) {
  FakeRegistry reg;
  BOOST_REQUIRE(reg.create_key(hklm, "SOFTWARE\\Vendor\\App").ok());
  reg.fail_when(writes_under(hklm, "software\\vendor"));
  BOOST_TEST(code_of(reg.set_value(hklm, "SOFTWARE\\Vendor\\App", "v", reg_dword(1))) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_tree(hklm, "SOFTWARE\\Vendor")) == win32_error::access_denied);
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Vendor\\App").value());
  BOOST_TEST(reg.create_key(hklm, "SOFTWARE\\VendorOther").ok());  // a sibling, not below
  reg.clear_faults();
  BOOST_TEST(reg.set_value(hklm, "SOFTWARE\\Vendor\\App", "v", reg_dword(1)).ok());
}

// Not elevated: writes to HKLM and HKCR are ERROR_ACCESS_DENIED, HKCU writes and all reads work.
BOOST_AUTO_TEST_CASE(not_elevated_denies_machine_writes_only) {
  FakeRegistry reg;
  BOOST_REQUIRE(reg.create_key(hklm, "SOFTWARE\\Existing").ok());
  BOOST_REQUIRE(reg.set_value(hklm, "SOFTWARE\\Existing", "v", reg_sz("x")).ok());
  reg.set_elevated(false);
  BOOST_TEST(code_of(reg.create_key(hklm, "SOFTWARE\\New")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.create_key(hkcr, "CLSID\\{x}")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.set_value(hklm, "SOFTWARE\\Existing", "v", reg_sz("y"))) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_value(hklm, "SOFTWARE\\Existing", "v")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_key(hklm, "SOFTWARE\\Existing")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_tree(hklm, "SOFTWARE\\Existing")) == win32_error::access_denied);
  BOOST_TEST(get_string(reg, hklm, "SOFTWARE\\Existing", "v").value() == "x");
  BOOST_TEST(reg.create_key(hkcu, "Software\\Mine").value());
  reg.set_elevated(true);
  BOOST_TEST(reg.create_key(hklm, "SOFTWARE\\New").value());
}

// Not elevated, a key that already exists can still be "created" (opened for query), and a
// missing key is ERROR_FILE_NOT_FOUND before any access check, as on Windows.
BOOST_AUTO_TEST_CASE(not_elevated_checks_existence_before_access) {
  FakeRegistry reg;
  reg.set_elevated(false);
  BOOST_TEST(reg.create_key(hklm, "SOFTWARE").value() == false);
  BOOST_TEST(code_of(reg.set_value(hklm, "SOFTWARE\\Missing", "v", reg_dword(1))) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.delete_key(hklm, "SOFTWARE\\Missing")) == win32_error::file_not_found);
}

// A snapshot taken before and after a failed multi-step change compares equal; after a real change
// the difference is described line by line.
BOOST_AUTO_TEST_CASE(snapshots_compare_and_describe_differences) {
  FakeRegistry reg;
  BOOST_REQUIRE(reg.create_key(hklm, "SOFTWARE\\App").ok());
  BOOST_REQUIRE(reg.set_value(hklm, "SOFTWARE\\App", "Version", reg_sz("1")).ok());
  const auto before = reg.snapshot();
  BOOST_TEST((reg.snapshot() == before));
  BOOST_TEST(describe_differences(before, reg.snapshot()).empty());
  BOOST_REQUIRE(reg.set_value(hklm, "SOFTWARE\\App", "Version", reg_sz("2")).ok());
  BOOST_REQUIRE(reg.create_key(hklm, "SOFTWARE\\App\\New").ok());
  BOOST_REQUIRE(reg.delete_key(hklm, "SOFTWARE\\App\\New").ok());
  BOOST_REQUIRE(reg.create_key(hkcu, "Software\\Added").ok());
  const auto after = reg.snapshot();
  BOOST_TEST(!(after == before));
  const std::string diff = describe_differences(before, after);
  BOOST_TEST(diff.find("~ value HKLM\\SOFTWARE\\App, value \"Version\"") != std::string::npos, diff);
  BOOST_TEST(diff.find("+ key HKCU\\Software\\Added") != std::string::npos, diff);
  BOOST_TEST(diff.find("New") == std::string::npos, diff);
}

// Snapshots ignore the order values were created in, but not the case of names.
BOOST_AUTO_TEST_CASE(snapshots_ignore_value_order_but_not_name_case) {
  FakeRegistry one, two, three;
  for (FakeRegistry* reg : {&one, &two, &three}) BOOST_REQUIRE(reg->create_key(hkcu, "Software\\K").ok());
  BOOST_REQUIRE(one.set_value(hkcu, "Software\\K", "a", reg_dword(1)).ok());
  BOOST_REQUIRE(one.set_value(hkcu, "Software\\K", "b", reg_dword(2)).ok());
  BOOST_REQUIRE(two.set_value(hkcu, "Software\\K", "b", reg_dword(2)).ok());
  BOOST_REQUIRE(two.set_value(hkcu, "Software\\K", "a", reg_dword(1)).ok());
  BOOST_REQUIRE(three.set_value(hkcu, "Software\\K", "A", reg_dword(1)).ok());
  BOOST_REQUIRE(three.set_value(hkcu, "Software\\K", "b", reg_dword(2)).ok());
  BOOST_TEST((one.snapshot() == two.snapshot()));
  BOOST_TEST(!(one.snapshot() == three.snapshot()));
}

// Values enumerate in creation order, as on Windows (Wine sorts them, so the contract cannot check).
BOOST_AUTO_TEST_CASE(values_enumerate_in_creation_order) {
  FakeRegistry reg;
  for (const char* name : {"Zed", "alpha", "Mid"}) BOOST_REQUIRE(reg.set_value(hkcu, "Software", name, reg_dword(1)).ok());
  BOOST_TEST(reg.list_values(hkcu, "Software").value() == (std::vector<std::string>{"Zed", "alpha", "Mid"}));
}

// Subkeys sort by upper-cased name as Windows does ("aZb" before "a_b": 'Z' < '_'; Wine sorts
// the other way, so only the fake checks this).
BOOST_AUTO_TEST_CASE(subkeys_sort_by_upper_cased_name) {
  FakeRegistry reg;
  BOOST_REQUIRE(reg.create_key(hkcu, "Software\\T\\a_b").ok());
  BOOST_REQUIRE(reg.create_key(hkcu, "Software\\T\\aZb").ok());
  BOOST_TEST(reg.list_subkeys(hkcu, "Software\\T").value() == (std::vector<std::string>{"aZb", "a_b"}));
}

// A root cannot be deleted (ERROR_ACCESS_DENIED), neither as a key nor as a tree.
BOOST_AUTO_TEST_CASE(roots_cannot_be_deleted) {
  FakeRegistry reg;
  BOOST_REQUIRE(reg.delete_tree(hkcu, "Software").ok());
  BOOST_TEST(code_of(reg.delete_key(hkcu, "")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_tree(hklm, "")) == win32_error::access_denied);
  BOOST_TEST(code_of(reg.delete_tree(hkcr, "")) == win32_error::access_denied);
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Classes").value());
}

// The well-known keys exist from the start and HKCR shows HKLM\SOFTWARE\Classes.
BOOST_AUTO_TEST_CASE(well_known_keys_exist_and_hkcr_aliases_classes) {
  FakeRegistry reg;
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Classes").value());
  BOOST_TEST(reg.key_exists(hklm, "SYSTEM").value());
  BOOST_TEST(reg.key_exists(hkcu, "Software").value());
  BOOST_REQUIRE(reg.create_key(hkcr, ".ledger").ok());
  BOOST_REQUIRE(reg.set_value(hkcr, ".ledger", "", reg_sz("Ledger.File")).ok());
  BOOST_TEST(get_string(reg, hklm, "SOFTWARE\\Classes\\.ledger", "").value() == "Ledger.File");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_file_system)

// The n-th call fails with the chosen code and writes nothing; a predicate fails writes below a folder.
BOOST_AUTO_TEST_CASE(injects_failures_at_nth_call_and_by_predicate) {
  FakeFileSystem fs;
  BOOST_REQUIRE(fs.create_directories("C:/data").ok());
  fs.fail_at_call(fs.call_count() + 1, 112);  // ERROR_DISK_FULL
  BOOST_TEST(code_of(fs.write_file("C:/data/a", "x")) == 112u);
  BOOST_TEST(fs.exists("C:/data/a").value() == false);
  fs.fail_when(file_writes_under("c:\\DATA"));
  BOOST_TEST(code_of(fs.replace_file_atomically("C:/data/a", "x")) == win32_error::access_denied);
  BOOST_TEST(fs.write_file("C:/other", "y").ok());
  BOOST_TEST(fs.read_file("C:/other").value() == "y");
}

// Names are case-insensitive and keep their case, like NTFS; the snapshot shows every entry.
BOOST_AUTO_TEST_CASE(names_are_case_insensitive_and_snapshot_lists_everything) {
  FakeFileSystem fs;
  BOOST_REQUIRE(fs.create_directories("C:/Data").ok());
  BOOST_REQUIRE(fs.write_file("c:\\DATA\\File.txt", "1").ok());
  BOOST_TEST(fs.read_file("C:/data/FILE.TXT").value() == "1");
  const FileSystemSnapshot expected = {{"C:", std::nullopt}, {"C:/Data", std::nullopt}, {"C:/Data/File.txt", "1"}};
  BOOST_TEST((fs.snapshot() == expected));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_clock_and_event_log)

// Sleeping on the fake clock returns at once, advances both clocks and is recorded.
BOOST_AUTO_TEST_CASE(fake_clock_sleeps_instantly_and_records) {
  FakeClock clock;
  const auto start = clock.steady_now();
  clock.sleep_for(10min);
  clock.advance(5s);
  BOOST_TEST((clock.steady_now() - start == 10min + 5s));
  BOOST_TEST(clock.sleeps().size() == 1u);
  BOOST_TEST((clock.total_slept() == 10min));
}

// The fake event log records successful reports in order and fails on demand without recording.
BOOST_AUTO_TEST_CASE(fake_event_log_records_and_fails_on_demand) {
  FakeEventLog log;
  log.fail_when([](const EventLogEntry& e) { return e.event_id == 13; });
  BOOST_TEST(log.report(EventSeverity::warning, 1, "first").ok());
  BOOST_TEST(code_of(log.report(EventSeverity::error, 13, "unlucky")) == win32_error::access_denied);
  const std::vector<EventLogEntry> expected = {{EventSeverity::warning, 1, "first"}};
  BOOST_TEST((log.entries() == expected));
  BOOST_TEST(log.call_count() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_service_control)

// With transition queries set, a stop stays STOP_PENDING for that many status queries, then STOPPED.
BOOST_AUTO_TEST_CASE(stop_stays_pending_for_the_configured_queries) {
  FakeServiceControl scm;
  scm.install({"Ledger", "Ledger", "ledger.exe", ServiceStartType::automatic, {}}, ServiceState::running);
  scm.set_transition_queries("ledger", 2);
  BOOST_REQUIRE(scm.stop("LEDGER").ok());
  BOOST_TEST(to_string(scm.query_status("Ledger").value().state) == "STOP_PENDING");
  BOOST_TEST(to_string(scm.query_status("Ledger").value().state) == "STOP_PENDING");
  BOOST_TEST(to_string(scm.query_status("Ledger").value().state) == "STOPPED");
}

// A service that hangs on stop never leaves STOP_PENDING, so timeout paths can be tested; a second
// stop is ERROR_SERVICE_CANNOT_ACCEPT_CTRL.
BOOST_AUTO_TEST_CASE(hung_service_stays_stop_pending) {
  FakeServiceControl scm;
  scm.install({"Hung", "Hung", "hung.exe", ServiceStartType::manual, {}}, ServiceState::running);
  scm.set_hangs_on_stop("Hung", true);
  BOOST_REQUIRE(scm.stop("Hung").ok());
  for (int i = 0; i < 100; ++i) BOOST_REQUIRE(scm.query_status("Hung").value().state == ServiceState::stop_pending);
  BOOST_TEST(code_of(scm.stop("Hung")) == win32_error::service_cannot_accept_ctrl);
}

// Deleting a running service only marks it; it disappears once stopped, and meanwhile
// reconfiguring it is ERROR_SERVICE_MARKED_FOR_DELETE.
BOOST_AUTO_TEST_CASE(running_service_is_deleted_once_stopped) {
  FakeServiceControl scm;
  scm.install({"Old", "Old", "old.exe", ServiceStartType::manual, {}}, ServiceState::running);
  BOOST_REQUIRE(scm.delete_service("Old").ok());
  BOOST_TEST(scm.exists("Old").value());
  BOOST_TEST(code_of(scm.set_start_type("Old", ServiceStartType::disabled)) == win32_error::service_marked_for_delete);
  BOOST_REQUIRE(scm.stop("Old").ok());
  BOOST_TEST(scm.exists("Old").value() == false);
}

// Injected failures hit the chosen call and leave the service untouched.
BOOST_AUTO_TEST_CASE(injected_stop_failure_leaves_service_running) {
  FakeServiceControl scm;
  scm.install({"Svc", "Svc", "svc.exe", ServiceStartType::manual, {}}, ServiceState::running);
  scm.fail_when([](const ServiceCall& c) { return c.operation == ServiceOperation::stop; },
                win32_error::service_request_timeout);
  BOOST_TEST(code_of(scm.stop("Svc")) == win32_error::service_request_timeout);
  BOOST_TEST(to_string(scm.service("Svc")->state) == "RUNNING");
  BOOST_TEST(scm.call_count() == 1u);
}

// As Windows' SCM, starting a service starts its stopped dependencies and stopping one is refused
// while a dependent runs; with set_enforces_dependencies(false) it does neither, as Wine 8's.
BOOST_AUTO_TEST_CASE(dependencies_are_followed_as_windows_does_unless_told_otherwise) {
  for (const bool enforces : {true, false}) {
    FakeServiceControl scm;
    scm.set_enforces_dependencies(enforces);
    scm.install({"Base", "Base", "base.exe", ServiceStartType::manual, {}});
    scm.install({"Top", "Top", "top.exe", ServiceStartType::manual, {"Base"}});
    BOOST_REQUIRE(scm.start("Top").ok());
    BOOST_TEST(to_string(scm.service("Base")->state) == (enforces ? "RUNNING" : "STOPPED"));
    if (!enforces) BOOST_REQUIRE(scm.start("Base").ok());
    BOOST_TEST(code_of(scm.stop("Base")) == (enforces ? win32_error::dependent_services_running : 0u));
    BOOST_TEST(to_string(scm.service("Top")->state) == "RUNNING");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fake_process_runner)

// Scripted outcomes are used once each, in order, matched by file name whatever the folder and case.
BOOST_AUTO_TEST_CASE(scripted_outcomes_are_used_in_order) {
  FakeProcessRunner runner;
  runner.expect("vssadmin.exe", ProcessOutcome{0, "first", "", false, {}});
  runner.expect("vssadmin.exe", ProcessOutcome{2, "second", "", false, {}});
  ProcessRequest request;
  request.executable = "C:\\Windows\\System32\\VSSADMIN.EXE";
  request.arguments = {"list", "writers"};
  BOOST_TEST(runner.run(request).value().standard_output == "first");
  BOOST_TEST(runner.run(request).value().exit_code == 2u);
  BOOST_TEST(runner.unused_scripts() == 0u);
  BOOST_TEST(runner.requests().size() == 2u);
  BOOST_TEST(runner.requests().front().arguments == (std::vector<std::string>{"list", "writers"}));
}

// A run nothing was scripted for fails like a missing executable (ERROR_FILE_NOT_FOUND); a scripted
// start failure gives its code; `always` answers every run after queued scripts.
BOOST_AUTO_TEST_CASE(unscripted_runs_fail_and_always_repeats) {
  FakeProcessRunner runner;
  ProcessRequest request;
  request.executable = "tool.exe";
  BOOST_TEST(code_of(runner.run(request)) == win32_error::file_not_found);
  runner.always("tool.exe", ProcessOutcome{7, "", "", false, {}});
  runner.expect_start_failure("tool.exe", win32_error::access_denied);
  BOOST_TEST(code_of(runner.run(request)) == win32_error::access_denied);
  BOOST_TEST(runner.run(request).value().exit_code == 7u);
  BOOST_TEST(runner.run(request).value().exit_code == 7u);
}

BOOST_AUTO_TEST_SUITE_END()
