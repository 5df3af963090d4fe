// wsbkit doctor's checks against the fakes: a healthy registration is all ok; each way a
// registration can go wrong is reported as a problem with a fix, and doctor changes nothing.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "core/registration/doctor.hpp"
#include "core/registration/registrar.hpp"
#include "core/registration/wsb_layout.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"

using namespace wsbkit;

namespace {

constexpr auto hklm = RegistryRoot::local_machine;
const std::string writer_text = "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
const std::string clsid = "{E759F65B-9371-515A-8397-AB5B1CCD6E96}";
const std::string app_key = std::string(layout::application_support) + "\\" + writer_text;
const std::string appid_key = "SOFTWARE\\Classes\\AppID\\" + clsid;

struct Doctor {
  mock::FakeRegistry reg;
  mock::FakeServiceControl services;
  std::set<std::string> files{"C:\\wsbkit\\wsbkit-addin.exe", "C:\\wsbkit\\wsbkit-ps.dll", "C:\\Ledger\\policy.json"};
  std::function<Result<void>(const std::string&, const std::string&, const std::string&)> validate_policy;
  FileSecurity* security = nullptr;

  RegistrationSpec spec() const {
    RegistrationSpec s;
    s.writer_id = *Guid::parse(writer_text);
    s.identifier = "Ledger";
    AddinSpec a;
    a.exe_path = "C:\\wsbkit\\wsbkit-addin.exe";
    a.policy_path = "C:\\Ledger\\policy.json";
    s.addin = a;
    s.proxy_stub_dll = "C:\\wsbkit\\wsbkit-ps.dll";
    return s;
  }
  void register_(const RegistrationSpec& s) {
    auto r = Registrar(reg, &services).register_application(s);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  }
  std::vector<DoctorCheck> run(std::optional<Guid> writer = std::nullopt) {
    DoctorOptions options;
    options.writer = writer;
    options.file_exists = [this](const std::string& p) { return files.count(p) > 0; };
    options.validate_policy = validate_policy;
    options.security = security;
    const auto before = reg.snapshot();
    auto checks = run_doctor(reg, &services, options);
    BOOST_REQUIRE(checks.ok());
    BOOST_TEST((reg.snapshot() == before), "doctor changed the registry");
    return *checks;
  }
  static std::vector<DoctorCheck> problems(const std::vector<DoctorCheck>& checks) {
    std::vector<DoctorCheck> p;
    for (const auto& c : checks) {
      if (c.status == CheckStatus::problem) p.push_back(c);
    }
    return p;
  }
  // The one problem found, which must be the named check's.
  DoctorCheck only_problem(const std::string& name) {
    const auto p = problems(run());
    BOOST_REQUIRE_EQUAL(p.size(), 1u);
    BOOST_TEST(p[0].name == name);
    BOOST_TEST(!p[0].fix.empty());
    return p[0];
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(doctor, Doctor)

// A registration exactly as wsbkit wrote it, with its files present: every check ok.
BOOST_AUTO_TEST_CASE(healthy_registration_is_all_ok) {
  register_(spec());
  const auto checks = run();
  BOOST_TEST(problems(checks).empty());
  std::vector<std::string> names;
  for (const auto& c : checks) names.push_back(c.name);
  const std::vector<std::string> expected{
      "Application Support entry valid", "identifier unique", "add-in CLSID registered and its server present",
      "policy file present and valid", "AppID LaunchPermission", "AppID AccessPermission",
      "registry matches wsbkit's record", "IWsbApplicationBackupSupport marshalling",
      "IWsbApplicationRestoreSupport marshalling", "IWsbApplicationAsync marshalling",
      "wsbkit's last register/unregister completed"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
}

// Nothing registered: nothing to check (and no problem).
BOOST_AUTO_TEST_CASE(nothing_registered_nothing_to_check) { BOOST_TEST(run().empty()); }

// The add-in's exe missing: the server check is the one problem, with where it should be.
BOOST_AUTO_TEST_CASE(missing_addin_exe_is_a_problem) {
  register_(spec());
  files.erase("C:\\wsbkit\\wsbkit-addin.exe");
  const auto p = only_problem("add-in CLSID registered and its server present");
  BOOST_TEST(p.detail.find("C:\\wsbkit\\wsbkit-addin.exe") != std::string::npos);
}

// The policy file missing, then present but invalid (the policy parser's hook): a problem each.
BOOST_AUTO_TEST_CASE(missing_or_invalid_policy_is_a_problem) {
  register_(spec());
  files.erase("C:\\Ledger\\policy.json");
  BOOST_TEST(only_problem("policy file present and valid").detail.find("does not exist") != std::string::npos);
  files.insert("C:\\Ledger\\policy.json");
  validate_policy = [](const std::string& path, const std::string&, const std::string&) -> Result<void> {
    return Error::hresult(hr::e_invalidarg, "policy", path, "restore.pre[0]: unknown key 'stpo'");
  };
  BOOST_TEST(only_problem("policy file present and valid").detail.find("unknown key 'stpo'") != std::string::npos);
  validate_policy = [](const std::string&, const std::string&, const std::string&) -> Result<void> { return success(); };
  BOOST_TEST(problems(run()).empty());
}

// The Application Support entry deleted by hand while wsbkit's record, CLSID and AppID remain: the
// application silently left WSB. An orphaned registration is a problem, with both ways out.
BOOST_AUTO_TEST_CASE(an_orphaned_registration_is_a_problem_with_its_fix) {
  register_(spec());
  BOOST_REQUIRE(reg.delete_tree(hklm, app_key).ok());
  const auto p = only_problem("registration not orphaned");
  BOOST_TEST(p.detail.find("Application Support entry is gone") != std::string::npos, p.detail);
  BOOST_TEST(p.detail.find(clsid) != std::string::npos, p.detail);
  BOOST_TEST(p.fix.find("wsbkit register --writer " + writer_text) != std::string::npos, p.fix);
  BOOST_TEST(p.fix.find("wsbkit unregister --writer " + writer_text) != std::string::npos, p.fix);
}

// The policy check is given the registration it serves (writer and identifier), so that the
// policy's application block can be compared with it.
BOOST_AUTO_TEST_CASE(the_policy_check_is_given_the_registration) {
  register_(spec());
  std::string seen_writer, seen_identifier;
  validate_policy = [&](const std::string&, const std::string& writer, const std::string& identifier) -> Result<void> {
    seen_writer = writer;
    seen_identifier = identifier;
    return success();
  };
  BOOST_TEST(problems(run()).empty());
  BOOST_TEST(seen_writer == writer_text);
  BOOST_TEST(seen_identifier == "Ledger");
}

// Permissions granting Everyone (or Users) launch: a problem; a missing value: a problem.
BOOST_AUTO_TEST_CASE(broad_or_missing_permissions_are_problems) {
  auto s = spec();
  s.addin->launch_permission = "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0xB;;;WD)";
  register_(s);
  auto p = problems(run());
  BOOST_REQUIRE_EQUAL(p.size(), 1u);
  BOOST_TEST(p[0].name == "AppID LaunchPermission");
  BOOST_TEST(p[0].detail.find("S-1-1-0") != std::string::npos);
  BOOST_TEST(p[0].fix.find("--launch-permission") != std::string::npos);

  s.addin->launch_permission = std::string(default_com_permission_sddl);
  s.addin->access_permission = "D:(A;;0x1;;;BU)";
  register_(s);
  BOOST_TEST(only_problem("AppID AccessPermission").detail.find("S-1-5-32-545") != std::string::npos);

  s.addin->access_permission = std::string(default_com_permission_sddl);
  register_(s);
  BOOST_REQUIRE(reg.delete_value(hklm, appid_key, "LaunchPermission").ok());
  const auto checks = problems(run());
  BOOST_REQUIRE_EQUAL(checks.size(), 2u);  // the permission, and the drift from wsbkit's record
  BOOST_TEST(checks[0].name == "AppID LaunchPermission");
  BOOST_TEST(checks[0].detail.find("missing") != std::string::npos);
  BOOST_TEST(checks[1].name == "registry matches wsbkit's record");
}

// Two applications with one identifier (any case): a problem on each.
BOOST_AUTO_TEST_CASE(duplicate_identifier_is_a_problem_on_both) {
  register_(spec());
  const std::string other = std::string(layout::application_support) + "\\{11111111-2222-3333-4444-555555555555}";
  BOOST_REQUIRE(reg.create_key(hklm, other).ok());
  BOOST_REQUIRE(reg.set_value(hklm, other, "Application Identifier", reg_sz("LEDGER")).ok());
  const auto p = problems(run());
  BOOST_REQUIRE_EQUAL(p.size(), 2u);
  for (const auto& c : p) BOOST_TEST(c.name == "identifier unique");
}

// A foreign entry without Application Identifier: its entry is invalid.
BOOST_AUTO_TEST_CASE(entry_without_identifier_is_invalid) {
  const std::string other = std::string(layout::application_support) + "\\{11111111-2222-3333-4444-555555555555}";
  BOOST_REQUIRE(reg.create_key(hklm, other).ok());
  const auto p = only_problem("Application Support entry valid");
  BOOST_TEST(p.detail.find("1 to 256") != std::string::npos);
}

// No proxy/stub for the interfaces (registered with --proxy-stub never): a problem per interface;
// wsbkit's proxy/stub with its DLL gone: a problem per interface too.
BOOST_AUTO_TEST_CASE(missing_proxy_stub_is_a_problem) {
  auto s = spec();
  s.proxy_stub = ProxyStubMode::never;
  register_(s);
  BOOST_TEST(problems(run()).size() == 3u);
  s.proxy_stub = ProxyStubMode::automatic;
  register_(s);
  BOOST_TEST(problems(run()).empty());
  files.erase("C:\\wsbkit\\wsbkit-ps.dll");
  const auto p = problems(run());
  BOOST_REQUIRE_EQUAL(p.size(), 3u);
  BOOST_TEST(p[0].detail.find("wsbkit-ps.dll") != std::string::npos);
}

// A value changed by hand: the registry no longer matches wsbkit's record; the detail is the plan
// that would put it right and the fix is the register command line.
BOOST_AUTO_TEST_CASE(drift_from_the_record_is_a_problem_with_the_plan) {
  register_(spec());
  BOOST_REQUIRE(reg.set_value(hklm, app_key, "Application Identifier", reg_sz("Ledger (edited)")).ok());
  const auto p = only_problem("registry matches wsbkit's record");
  BOOST_TEST(p.detail.find("\"Ledger (edited)\" -> REG_SZ \"Ledger\"") != std::string::npos, p.detail);
  BOOST_TEST(p.fix.find("wsbkit register --writer " + writer_text + " --identifier \"Ledger\" --addin") == 0u, p.fix);
}

// An add-in hosted as a service whose service was deleted by hand: a problem.
BOOST_AUTO_TEST_CASE(missing_service_is_a_problem) {
  auto s = spec();
  s.addin->hosting = Hosting::local_service;
  register_(s);
  BOOST_TEST(problems(run()).empty());
  BOOST_REQUIRE(services.delete_service("wsbkit-addin-E759F65B").ok());
  const auto p = problems(run());
  BOOST_REQUIRE(!p.empty());
  BOOST_TEST(p[0].name == "add-in CLSID registered and its server present");
  BOOST_TEST(p[0].detail.find("not installed") != std::string::npos);
}

// --writer limits the checks to that application.
BOOST_AUTO_TEST_CASE(writer_option_limits_the_checks) {
  register_(spec());
  const std::string other = std::string(layout::application_support) + "\\{11111111-2222-3333-4444-555555555555}";
  BOOST_REQUIRE(reg.create_key(hklm, other).ok());
  BOOST_TEST(problems(run(Guid::parse(writer_text))).empty());
  BOOST_TEST(problems(run(Guid::parse("{11111111-2222-3333-4444-555555555555}"))).size() == 1u);
}

// The add-in (and its folder), the proxy/stub DLL and the policy are checked for who may change
// them: all ok when only administrators may; each one non-administrators may change is a problem
// naming who, with the icacls fix.
BOOST_AUTO_TEST_CASE(files_non_administrators_may_change_are_problems) {
  register_(spec());
  mock::FakeFileSecurity fake;
  security = &fake;
  for (const auto& file : files) fake.set(file, std::string(well_known_sid::administrators), mock::admin_only_dacl());
  const auto checks = run();
  BOOST_TEST(problems(checks).empty());
  for (const char* name : {"add-in and its folder changeable by administrators only",
                           "policy file changeable by administrators only", "proxy/stub DLL changeable by administrators only"}) {
    BOOST_TEST(std::count_if(checks.begin(), checks.end(), [&](const DoctorCheck& c) { return c.name == name; }) >= 1, name);
  }
  struct Row {
    std::string path;
    std::string check;
  };
  for (const Row& row : {Row{"C:\\wsbkit", "add-in and its folder changeable by administrators only"},
                         Row{"C:\\Ledger\\policy.json", "policy file changeable by administrators only"},
                         Row{"C:\\wsbkit\\wsbkit-ps.dll", "proxy/stub DLL changeable by administrators only"}}) {
    mock::FakeFileSecurity bad;
    security = &bad;
    for (const auto& file : files) bad.set(file, std::string(well_known_sid::administrators), mock::admin_only_dacl());
    bad.set(row.path, std::string(well_known_sid::administrators), mock::users_may_write_dacl());
    const auto p = problems(run());
    BOOST_REQUIRE_MESSAGE(!p.empty(), row.path);
    BOOST_TEST(p[0].name == row.check);
    BOOST_TEST(p[0].detail.find("BUILTIN\\Users (S-1-5-32-545) may change " + row.path) != std::string::npos, p[0].detail);
    BOOST_TEST(p[0].fix.find("icacls \"" + row.path + "\" /inheritance:d /remove:g *S-1-5-32-545") != std::string::npos, p[0].fix);
  }
}

// A record holding an intent (a register killed midway) is a problem even before the Application
// Support entry exists; the fix completes it or removes it.
BOOST_AUTO_TEST_CASE(an_interrupted_registration_is_a_problem) {
  const std::string record = "SOFTWARE\\wsbkit\\Registrations\\" + writer_text;
  BOOST_REQUIRE(reg.create_key(hklm, record).ok());
  BOOST_REQUIRE(reg.set_value(hklm, record, "Intent", reg_sz("register")).ok());
  BOOST_REQUIRE(reg.set_value(hklm, record, "Identifier", reg_sz("Ledger")).ok());
  auto c = only_problem("wsbkit's last register/unregister completed");
  BOOST_TEST(c.detail.find("a 'wsbkit register' was interrupted") != std::string::npos);
  BOOST_TEST(c.fix.find("wsbkit register --writer " + writer_text) != std::string::npos);
  BOOST_TEST(c.fix.find("wsbkit unregister --writer " + writer_text) != std::string::npos);
  BOOST_REQUIRE(reg.set_value(hklm, record, "Intent", reg_sz("unregister")).ok());
  c = only_problem("wsbkit's last register/unregister completed");
  BOOST_TEST(c.detail.find("a 'wsbkit unregister' was interrupted") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
