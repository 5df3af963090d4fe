#include <boost/test/unit_test.hpp>

#include <functional>

#include "core/registrar.hpp"
#include "core/wsb_layout.hpp"
#include "mock/fake_registry.hpp"

using namespace wsbkit;
using mock::FakeRegistry;

namespace {

const std::string app_support(layout::application_support);
const std::string writer_text = "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
const Guid writer = *Guid::parse(writer_text);
const std::string derived_clsid = "{E759F65B-9371-515A-8397-AB5B1CCD6E96}";
constexpr auto hklm = RegistryRoot::local_machine;

RegistrationSpec ledger_spec() {
  RegistrationSpec spec;
  spec.writer_id = writer;
  spec.identifier = "Ledger";
  spec.addin = AddinSpec{"C:\\Program Files\\wsbkit\\wsbkit-addin.exe", std::string("C:\\ProgramData\\Ledger\\policy.json"), std::nullopt};
  spec.proxy_stub_dll = "C:\\Program Files\\wsbkit\\wsbkit-ps.dll";
  return spec;
}

// A neighbour application wsbkit did not register (as Exchange's setup would leave it), on a
// registry with the COM keys every Windows machine has.
void add_neighbour(Registry& reg) {
  for (const char* key : {"SOFTWARE\\Classes\\CLSID", "SOFTWARE\\Classes\\AppID", "SOFTWARE\\Classes\\Interface"}) {
    BOOST_REQUIRE(reg.create_key(hklm, key).ok());
  }
  const std::string key = app_support + "\\{11111111-2222-3333-4444-555555555555}";
  BOOST_REQUIRE(reg.create_key(hklm, key).ok());
  BOOST_REQUIRE(reg.set_value(hklm, key, "Application Identifier", reg_sz("Exchange")).ok());
  BOOST_REQUIRE(reg.set_value(hklm, key, "CLSID", reg_sz("{D8A2E312-3B17-4293-B71E-CD72A7C04BF3}")).ok());
}

std::string value_of(Registry& reg, const std::string& key, const std::string& name) {
  auto v = get_string(reg, hklm, key, name);
  return v ? *v : "<" + v.error().message() + ">";
}

// Runs `operation` with the k-th registry call failing, for every k the operation makes, starting
// each time from the state `prepare` builds. Each run must leave the registry exactly as before
// (failed) or exactly as a clean run leaves it (the failing call was one the operation tolerates).
// Returns N, the number of failure points proven.
std::size_t prove_all_or_nothing(const std::function<void(FakeRegistry&)>& prepare,
                                 const std::function<bool(FakeRegistry&)>& operation) {
  FakeRegistry clean;
  prepare(clean);
  const auto start = clean.call_count();
  BOOST_REQUIRE(operation(clean));
  const auto calls = clean.call_count() - start;
  const auto after = clean.snapshot();
  for (std::uint64_t k = 1; k <= calls; ++k) {
    FakeRegistry reg;
    prepare(reg);
    const auto before = reg.snapshot();
    reg.fail_at_call(reg.call_count() + k, win32_error::access_denied);
    const bool ok = operation(reg);
    reg.clear_faults();
    const auto now = reg.snapshot();
    if (ok) {
      BOOST_TEST(now == after, "k=" << k << ": succeeded but differs from a clean run:\n"
                                    << mock::describe_differences(after, now));
    } else {
      BOOST_TEST(now == before, "k=" << k << ": failed but left changes:\n" << mock::describe_differences(before, now));
    }
  }
  return calls;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registrar)

// Registering with an add-in writes the Application Support entry, the CLSID with LocalServer32
// (quoted exe path, CLSID, policy) and AppID, and the proxy/stub for all three interfaces.
BOOST_AUTO_TEST_CASE(register_writes_application_addin_and_proxy_stub) {
  FakeRegistry reg;
  Registrar registrar(reg);
  auto outcome = registrar.register_application(ledger_spec());
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message()));
  BOOST_TEST(outcome->clsid == derived_clsid);
  BOOST_TEST(outcome->proxy_stub_registered);
  const std::string app = app_support + "\\" + writer_text;
  BOOST_TEST(value_of(reg, app, "Application Identifier") == "Ledger");
  BOOST_TEST(value_of(reg, app, "CLSID") == derived_clsid);
  const std::string cls = "SOFTWARE\\Classes\\CLSID\\" + derived_clsid;
  BOOST_TEST(value_of(reg, cls, "AppID") == derived_clsid);
  BOOST_TEST(value_of(reg, cls + "\\LocalServer32", "") ==
             "\"C:\\Program Files\\wsbkit\\wsbkit-addin.exe\" --clsid " + derived_clsid +
                 " --policy \"C:\\ProgramData\\Ledger\\policy.json\"");
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Classes\\AppID\\" + derived_clsid).value());
  for (const auto& itf : layout::wsb_interfaces) {
    BOOST_TEST(value_of(reg, "SOFTWARE\\Classes\\Interface\\" + std::string(itf.iid) + "\\ProxyStubClsid32", "") ==
               std::string(layout::proxy_stub_clsid));
  }
  BOOST_TEST(value_of(reg, "SOFTWARE\\Classes\\CLSID\\" + std::string(layout::proxy_stub_clsid) + "\\InprocServer32", "") ==
             "C:\\Program Files\\wsbkit\\wsbkit-ps.dll");
}

// Without an add-in only the Application Identifier is written: no CLSID value, no COM keys.
BOOST_AUTO_TEST_CASE(register_without_addin_writes_no_clsid) {
  FakeRegistry reg;
  RegistrationSpec spec = ledger_spec();
  spec.addin.reset();
  auto outcome = Registrar(reg).register_application(spec);
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(outcome->clsid.empty());
  const std::string app = app_support + "\\" + writer_text;
  BOOST_TEST(!reg.get_value(hklm, app, "CLSID").ok());
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\Classes\\CLSID\\" + derived_clsid).value());
}

// Registering the same thing twice changes nothing the second time.
BOOST_AUTO_TEST_CASE(register_twice_is_idempotent) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  const auto snapshot = reg.snapshot();
  auto again = registrar.register_application(ledger_spec());
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->changes == 0u);
  BOOST_TEST((reg.snapshot() == snapshot));
}

// A new CLSID moves the add-in: the old CLSID and AppID keys go, the new ones appear.
BOOST_AUTO_TEST_CASE(reregister_with_new_clsid_removes_the_old_com_keys) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto spec = ledger_spec();
  spec.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
  BOOST_REQUIRE(registrar.register_application(spec).ok());
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\Classes\\CLSID\\" + derived_clsid).value());
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\Classes\\AppID\\" + derived_clsid).value());
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Classes\\CLSID\\{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}\\LocalServer32").value());
}

// Register then unregister leaves the registry exactly as it was, neighbour included.
BOOST_AUTO_TEST_CASE(unregister_restores_the_registry_exactly) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto removed = registrar.unregister_application(writer);
  BOOST_REQUIRE_MESSAGE(removed.ok(), (removed.ok() ? "" : removed.error().message()));
  BOOST_TEST(*removed > 0u);
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));
}

// Unregistering a writer wsbkit never registered is a not-found error that changes nothing,
// even when WSB knows that writer (someone else's registration).
BOOST_AUTO_TEST_CASE(unregister_of_foreign_or_unknown_writer_changes_nothing) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  auto result = Registrar(reg).unregister_application(*Guid::parse("{11111111-2222-3333-4444-555555555555}"));
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().is_win32(win32_error::file_not_found));
  BOOST_TEST((reg.snapshot() == before));
}

// A second application with an identifier already in use (any case) is refused: WSB would
// silently ignore it. Nothing is written.
BOOST_AUTO_TEST_CASE(duplicate_identifier_is_refused_without_writing) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  auto spec = ledger_spec();
  spec.identifier = "EXCHANGE";
  auto result = Registrar(reg).register_application(spec);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().api() == "validate");
  BOOST_TEST(result.error().object() == "identifier");
  BOOST_TEST((reg.snapshot() == before));
}

// Identifier rules: 1-256 characters (UTF-16 units), no control characters.
BOOST_AUTO_TEST_CASE(identifier_rules) {
  BOOST_TEST(validate_identifier("Ledger").ok());
  BOOST_TEST(validate_identifier(std::string(256, 'x')).ok());
  BOOST_TEST(!validate_identifier("").ok());
  BOOST_TEST(!validate_identifier(std::string(257, 'x')).ok());
  BOOST_TEST(!validate_identifier("Led\tger").ok());
  BOOST_TEST(validate_identifier("Grand livre \xC3\xA9").ok());
}

// Relative or quoted add-in paths are refused before anything is written.
BOOST_AUTO_TEST_CASE(addin_path_must_be_absolute) {
  FakeRegistry reg;
  const auto before = reg.snapshot();
  auto spec = ledger_spec();
  spec.addin->exe_path = "wsbkit-addin.exe";
  BOOST_TEST(!Registrar(reg).register_application(spec).ok());
  spec.addin->exe_path = "C:\\a\"b.exe";
  BOOST_TEST(!Registrar(reg).register_application(spec).ok());
  BOOST_TEST((reg.snapshot() == before));
  BOOST_TEST(is_absolute_windows_path("\\\\server\\share\\a.exe"));
}

// proxy-stub auto: an interface already marshalled by someone else is left alone; never: nothing.
BOOST_AUTO_TEST_CASE(proxy_stub_modes_never_take_over_foreign_registrations) {
  FakeRegistry reg;
  const std::string foreign = "SOFTWARE\\Classes\\Interface\\" + std::string(layout::wsb_interfaces[0].iid) + "\\ProxyStubClsid32";
  BOOST_REQUIRE(reg.create_key(hklm, foreign).ok());
  BOOST_REQUIRE(reg.set_value(hklm, foreign, "", reg_sz("{00000000-0000-0000-0000-00000000F00D}")).ok());
  auto spec = ledger_spec();
  spec.proxy_stub = ProxyStubMode::always;
  BOOST_REQUIRE(Registrar(reg).register_application(spec).ok());
  BOOST_TEST(value_of(reg, foreign, "") == "{00000000-0000-0000-0000-00000000F00D}");
  BOOST_REQUIRE(Registrar(reg).unregister_application(writer).ok());
  BOOST_TEST(value_of(reg, foreign, "") == "{00000000-0000-0000-0000-00000000F00D}");

  FakeRegistry clean;
  spec.proxy_stub = ProxyStubMode::never;
  auto outcome = Registrar(clean).register_application(spec);
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(!outcome->proxy_stub_registered);
  BOOST_TEST(!Registrar(clean).proxy_stub_present().value());
}

// The shared proxy/stub stays while another wsbkit registration still uses it.
BOOST_AUTO_TEST_CASE(proxy_stub_goes_with_the_last_registration_using_it) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto second = ledger_spec();
  second.writer_id = *Guid::parse("{99999999-8888-7777-6666-555555555555}");
  second.identifier = "Ledger Archive";
  second.proxy_stub = ProxyStubMode::always;
  BOOST_REQUIRE(registrar.register_application(second).ok());
  BOOST_REQUIRE(registrar.unregister_application(writer).ok());
  BOOST_TEST(registrar.proxy_stub_present().value());
  BOOST_REQUIRE(registrar.unregister_application(second.writer_id).ok());
  BOOST_TEST(!registrar.proxy_stub_present().value());
}

// Not elevated: ERROR_ACCESS_DENIED surfaces and nothing is written.
BOOST_AUTO_TEST_CASE(not_elevated_fails_with_access_denied_and_writes_nothing) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  reg.set_elevated(false);
  auto result = Registrar(reg).register_application(ledger_spec());
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().is_win32(win32_error::access_denied));
  reg.set_elevated(true);
  BOOST_TEST((reg.snapshot() == before));
}

// Fault injection: register, re-register with changes and unregister each fail at every one of
// their registry calls in turn, and every run leaves the registry all-or-nothing.
BOOST_AUTO_TEST_CASE(every_failure_point_rolls_back_completely) {
  const auto fresh = [](FakeRegistry& reg) { add_neighbour(reg); };
  const auto registered = [](FakeRegistry& reg) {
    add_neighbour(reg);
    BOOST_REQUIRE(Registrar(reg).register_application(ledger_spec()).ok());
  };
  const std::size_t n_register =
      prove_all_or_nothing(fresh, [](FakeRegistry& reg) { return Registrar(reg).register_application(ledger_spec()).ok(); });
  const std::size_t n_reregister = prove_all_or_nothing(registered, [](FakeRegistry& reg) {
    auto spec = ledger_spec();
    spec.identifier = "Ledger 2";
    spec.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
    spec.addin->policy_path = "C:\\ProgramData\\Ledger\\policy-v2.json";
    return Registrar(reg).register_application(spec).ok();
  });
  const std::size_t n_unregister =
      prove_all_or_nothing(registered, [](FakeRegistry& reg) { return Registrar(reg).unregister_application(writer).ok(); });
  BOOST_TEST_MESSAGE("failure points proven: register " << n_register << ", re-register " << n_reregister
                                                        << ", unregister " << n_unregister);
  BOOST_TEST(n_register > 20u);
  BOOST_TEST(n_reregister > 20u);
  BOOST_TEST(n_unregister > 20u);
}

BOOST_AUTO_TEST_SUITE_END()
