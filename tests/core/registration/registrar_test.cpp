#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <map>

#include "core/registration/doctor.hpp"
#include "core/registration/registrar.hpp"
#include "core/registration/wsb_layout.hpp"
#include "mock/fake_file_security.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"
#include "platform/text.hpp"

using namespace wsbkit;
using mock::FakeRegistry;
using mock::FakeServiceControl;

namespace {

const std::string app_support(layout::application_support);
const std::string writer_text = "{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}";
const Guid writer = *Guid::parse(writer_text);
const std::string derived_clsid = "{E759F65B-9371-515A-8397-AB5B1CCD6E96}";
const std::string app_key = app_support + "\\" + writer_text;
const std::string class_key = "SOFTWARE\\Classes\\CLSID\\" + derived_clsid;
const std::string appid_key = "SOFTWARE\\Classes\\AppID\\" + derived_clsid;
const std::string record_key = "SOFTWARE\\wsbkit\\Registrations\\" + writer_text;
const std::string neighbour_key = app_support + "\\{11111111-2222-3333-4444-555555555555}";
const std::string neighbour_class = "SOFTWARE\\Classes\\CLSID\\{D8A2E312-3B17-4293-B71E-CD72A7C04BF3}";
constexpr auto hklm = RegistryRoot::local_machine;

RegistrationSpec ledger_spec() {
  RegistrationSpec spec;
  spec.writer_id = writer;
  spec.identifier = "Ledger";
  AddinSpec addin;
  addin.exe_path = "C:\\Program Files\\wsbkit\\wsbkit-addin.exe";
  addin.policy_path = "C:\\ProgramData\\Ledger\\policy.json";
  spec.addin = addin;
  spec.proxy_stub_dll = "C:\\Program Files\\wsbkit\\wsbkit-ps.dll";
  return spec;
}

RegistrationSpec service_spec() {
  auto spec = ledger_spec();
  spec.addin->hosting = Hosting::local_service;
  return spec;
}

// The containers every Windows machine with the WSB feature has (wsbkit never removes them).
void add_containers(Registry& reg) {
  for (const std::string& key : {std::string("SOFTWARE\\Classes\\CLSID"), std::string("SOFTWARE\\Classes\\AppID"),
                                 std::string("SOFTWARE\\Classes\\Interface"), app_support}) {
    BOOST_REQUIRE(reg.create_key(hklm, key).ok());
  }
}

// A neighbour application wsbkit did not register (as Exchange's setup would leave it, add-in
// class included), on a registry with the COM keys every Windows machine has.
void add_neighbour(Registry& reg) {
  add_containers(reg);
  BOOST_REQUIRE(reg.create_key(hklm, neighbour_key).ok());
  BOOST_REQUIRE(reg.set_value(hklm, neighbour_key, "Application Identifier", reg_sz("Exchange")).ok());
  BOOST_REQUIRE(reg.set_value(hklm, neighbour_key, "CLSID", reg_sz("{D8A2E312-3B17-4293-B71E-CD72A7C04BF3}")).ok());
  BOOST_REQUIRE(reg.create_key(hklm, neighbour_class + "\\LocalServer32").ok());
  BOOST_REQUIRE(reg.set_value(hklm, neighbour_class + "\\LocalServer32", "", reg_sz("\"C:\\Exchange\\wsbexchange.exe\"")).ok());
}

// Only the neighbour's keys, to prove they survive every operation untouched.
mock::RegistrySnapshot neighbour_of(const mock::RegistrySnapshot& all) {
  mock::RegistrySnapshot mine;
  for (const auto& key : all.keys) {
    if (key.path.find("{11111111-2222") != std::string::npos || key.path.find("{D8A2E312") != std::string::npos) {
      mine.keys.push_back(key);
    }
  }
  return mine;
}

std::string value_of(Registry& reg, const std::string& key, const std::string& name) {
  auto v = get_string(reg, hklm, key, name);
  return v ? *v : "<" + v.error().message() + ">";
}

// The registry as a map (folded key -> folded value name -> value), to apply a change list to.
using RegistryMap = std::map<std::string, std::map<std::string, RegistryValue>>;
RegistryMap as_map(const mock::RegistrySnapshot& s) {
  RegistryMap m;
  for (const auto& key : s.keys) {
    auto& values = m[to_upper_ascii(key.path)];
    for (const auto& [name, value] : key.values) values[to_upper_ascii(name)] = value;
  }
  return m;
}

// What the registry must look like after `changes`, starting from `before`; the check that a plan
// (or a change list) says exactly what happened.
RegistryMap apply_changes(RegistryMap m, const std::vector<Change>& changes) {
  for (const auto& c : changes) {
    const std::string key = to_upper_ascii(key_display(c.root, c.path));
    switch (c.kind) {
      case ChangeKind::create_key: m[key]; break;
      case ChangeKind::delete_key: m.erase(key); break;
      case ChangeKind::set_value: m[key][to_upper_ascii(c.value_name)] = *c.new_value; break;
      case ChangeKind::delete_value: m[key].erase(to_upper_ascii(c.value_name)); break;
      default: break;
    }
  }
  return m;
}

struct Machine {
  FakeRegistry reg;
  FakeServiceControl services;
};

// Runs `operation` with the k-th registry call failing, then with the k-th service call failing,
// for every k the operation makes, starting each time from the state `prepare` builds. Each run
// must leave registry and services exactly as before (failed) or exactly as a clean run leaves
// them (the failing call was one the operation tolerates). Returns N, the failure points proven.
std::size_t prove_all_or_nothing(const std::function<void(Machine&)>& prepare,
                                 const std::function<bool(Machine&)>& operation,
                                 const std::vector<std::string>& service_names = {}) {
  const auto services_state = [&](Machine& m) {
    std::string state;
    for (const auto& name : service_names) {
      auto s = m.services.service(name);
      state += name + (s ? "=" + s->definition.command_line + (s->marked_for_delete ? " (deleted)" : "") : "=absent") + "\n";
    }
    return state;
  };
  Machine clean;
  prepare(clean);
  const auto reg_start = clean.reg.call_count();
  const auto svc_start = clean.services.call_count();
  BOOST_REQUIRE(operation(clean));
  const auto reg_calls = clean.reg.call_count() - reg_start;
  const auto svc_calls = clean.services.call_count() - svc_start;
  const auto after = clean.reg.snapshot();
  const auto services_after = services_state(clean);
  const auto check = [&](Machine& m, const std::string& what, const mock::RegistrySnapshot& before,
                         const std::string& services_before, bool ok) {
    const auto now = m.reg.snapshot();
    if (ok) {
      BOOST_TEST(now == after, what << ": succeeded but differs from a clean run:\n" << mock::describe_differences(after, now));
      BOOST_TEST(services_state(m) == services_after, what);
    } else {
      BOOST_TEST(now == before, what << ": failed but left changes:\n" << mock::describe_differences(before, now));
      BOOST_TEST(services_state(m) == services_before, what << ": failed but changed services");
    }
  };
  for (std::uint64_t k = 1; k <= reg_calls; ++k) {
    Machine m;
    prepare(m);
    const auto before = m.reg.snapshot();
    const auto services_before = services_state(m);
    m.reg.fail_at_call(m.reg.call_count() + k, win32_error::access_denied);
    const bool ok = operation(m);
    m.reg.clear_faults();
    check(m, "registry call k=" + std::to_string(k), before, services_before, ok);
  }
  for (std::uint64_t k = 1; k <= svc_calls; ++k) {
    Machine m;
    prepare(m);
    const auto before = m.reg.snapshot();
    const auto services_before = services_state(m);
    m.services.fail_at_call(m.services.call_count() + k, win32_error::access_denied);
    const bool ok = operation(m);
    m.services.clear_faults();
    check(m, "service call k=" + std::to_string(k), before, services_before, ok);
  }
  BOOST_TEST_MESSAGE("  " << reg_calls << " registry + " << svc_calls << " service failure points");
  return reg_calls + svc_calls;
}

// Plans `operation`, then runs it for real from the same state: the plan wrote nothing (no write
// call at all), equals the real change list, and that list applied to the state before gives
// exactly the state after.
void prove_plan_is_exact(Machine& m, const std::function<Result<RegistrationOutcome>(Registrar&, TransactionMode)>& operation) {
  const auto before = m.reg.snapshot();
  const auto calls_before = m.reg.call_count();
  const auto service_calls_before = m.services.calls().size();
  Registrar registrar(m.reg, &m.services);
  auto plan = operation(registrar, TransactionMode::plan);
  BOOST_REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? "" : plan.error().message()));
  BOOST_TEST((m.reg.snapshot() == before), mock::describe_differences(before, m.reg.snapshot()));
  const auto calls = m.reg.calls();
  for (std::size_t i = calls_before; i < calls.size(); ++i) BOOST_TEST(!calls[i].is_write(), "plan made a write call");
  const auto service_calls = m.services.calls();
  for (std::size_t i = service_calls_before; i < service_calls.size(); ++i) {
    const auto op = service_calls[i].operation;
    BOOST_TEST((op != mock::ServiceOperation::create_service && op != mock::ServiceOperation::delete_service),
               "plan changed a service");
  }
  auto real = operation(registrar, TransactionMode::apply);
  BOOST_REQUIRE(real.ok());
  BOOST_TEST(plan->changes.size() == real->changes.size());
  BOOST_TEST((plan->changes == real->changes));
  BOOST_TEST((apply_changes(as_map(before), real->changes) == as_map(m.reg.snapshot())),
             "the change list does not account for the registry's change:\n"
                 << mock::describe_differences(before, m.reg.snapshot()));
}

bool has_change(const std::vector<Change>& changes, ChangeKind kind, const std::string& path, const std::string& name = {}) {
  return std::any_of(changes.begin(), changes.end(), [&](const Change& c) {
    return c.kind == kind && iequals(c.path, path) && iequals(c.value_name, name);
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(registrar)

// Registering with an add-in writes the Application Support entry, the CLSID with LocalServer32
// (quoted exe path, CLSID, policy) and AppID with both permissions, and the proxy/stub.
BOOST_AUTO_TEST_CASE(register_writes_application_addin_permissions_and_proxy_stub) {
  FakeRegistry reg;
  Registrar registrar(reg);
  auto outcome = registrar.register_application(ledger_spec());
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message()));
  BOOST_TEST(outcome->clsid == derived_clsid);
  BOOST_TEST(outcome->proxy_stub_used);
  BOOST_TEST(outcome->proxy_stub_written);
  BOOST_TEST(value_of(reg, app_key, "Application Identifier") == "Ledger");
  BOOST_TEST(value_of(reg, app_key, "CLSID") == derived_clsid);
  BOOST_TEST(value_of(reg, class_key, "AppID") == derived_clsid);
  BOOST_TEST(value_of(reg, class_key + "\\LocalServer32", "") ==
             "\"C:\\Program Files\\wsbkit\\wsbkit-addin.exe\" --clsid " + derived_clsid +
                 " --policy \"C:\\ProgramData\\Ledger\\policy.json\"");
  const auto expected_sd = sddl_to_self_relative(default_com_permission_sddl).value();
  for (const char* name : {"LaunchPermission", "AccessPermission"}) {
    auto sd = reg.get_value(hklm, appid_key, name);
    BOOST_REQUIRE(sd.ok());
    BOOST_TEST(sd->type == reg_type::binary);
    BOOST_TEST((sd->data == expected_sd), name);
  }
  BOOST_TEST(!reg.get_value(hklm, appid_key, "LocalService").ok());
  for (const auto& itf : layout::wsb_interfaces) {
    BOOST_TEST(value_of(reg, "SOFTWARE\\Classes\\Interface\\" + std::string(itf.iid) + "\\ProxyStubClsid32", "") ==
               std::string(layout::proxy_stub_clsid));
  }
  BOOST_TEST(value_of(reg, "SOFTWARE\\Classes\\CLSID\\" + std::string(layout::proxy_stub_clsid) + "\\InprocServer32", "") ==
             "C:\\Program Files\\wsbkit\\wsbkit-ps.dll");
  // The record: the inputs, and what was created.
  BOOST_TEST(value_of(reg, record_key, "Identifier") == "Ledger");
  BOOST_TEST(value_of(reg, record_key, "Hosting") == "LocalServer32");
  auto created = decode_multi_string(reg.get_value(hklm, record_key, "CreatedKeys").value()).value();
  BOOST_TEST((std::find(created.begin(), created.end(), app_key) != created.end()));
  BOOST_TEST((std::find(created.begin(), created.end(), class_key + "\\LocalServer32") != created.end()));
  // Containers (Application Support, CLSID, AppID) are never wsbkit's.
  BOOST_TEST((std::find(created.begin(), created.end(), app_support) == created.end()));
  BOOST_TEST((std::find(created.begin(), created.end(), "SOFTWARE\\Classes\\CLSID") == created.end()));
}

// Without an add-in only the Application Identifier is written: no CLSID value, no COM keys.
BOOST_AUTO_TEST_CASE(register_without_addin_writes_no_clsid) {
  FakeRegistry reg;
  RegistrationSpec spec = ledger_spec();
  spec.addin.reset();
  auto outcome = Registrar(reg).register_application(spec);
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(outcome->clsid.empty());
  BOOST_TEST(!outcome->proxy_stub_used);
  BOOST_TEST(!reg.get_value(hklm, app_key, "CLSID").ok());
  BOOST_TEST(!reg.key_exists(hklm, class_key).value());
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\Classes\\Interface").value());
}

// Registering the same thing twice changes nothing the second time and says so (no changes).
BOOST_AUTO_TEST_CASE(register_twice_is_idempotent) {
  for (const auto& spec : {ledger_spec(), service_spec()}) {
    Machine m;
    Registrar registrar(m.reg, &m.services);
    BOOST_REQUIRE(registrar.register_application(spec).ok());
    const auto snapshot = m.reg.snapshot();
    const auto service_calls = m.services.calls().size();
    auto again = registrar.register_application(spec);
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->changes.empty());
    BOOST_TEST((m.reg.snapshot() == snapshot));
    for (std::size_t i = service_calls; i < m.services.calls().size(); ++i) {
      BOOST_TEST((m.services.calls()[i].operation != mock::ServiceOperation::create_service));
    }
  }
}

// A changed identifier updates in place: exactly the values holding it change, old -> new.
BOOST_AUTO_TEST_CASE(changed_inputs_update_in_place_and_the_plan_shows_old_and_new) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto spec = ledger_spec();
  spec.identifier = "Ledger 2";
  auto outcome = registrar.register_application(spec);
  BOOST_REQUIRE(outcome.ok());
  std::vector<std::string> changed;
  for (const auto& c : outcome->changes) {
    // The record's intent (set first, deleted last) and the replaced inputs it keeps meanwhile.
    if (c.value_name == "Intent" || c.path.rfind(record_key + "\\Previous", 0) == 0) continue;
    BOOST_TEST((c.kind == ChangeKind::set_value), describe(c));
    BOOST_TEST(c.old_value.has_value(), describe(c));
    changed.push_back(c.path + "|" + c.value_name);
  }
  // The record first (its intent), then the values.
  const std::vector<std::string> expected{record_key + "|Identifier", app_key + "|Application Identifier", class_key + "|",
                                          appid_key + "|"};
  BOOST_TEST(changed == expected, boost::test_tools::per_element());
  const auto identifier = std::find_if(outcome->changes.begin(), outcome->changes.end(), [](const Change& c) {
    return c.path == app_key && c.value_name == "Application Identifier";
  });
  BOOST_REQUIRE((identifier != outcome->changes.end()));
  BOOST_TEST(describe(*identifier).find("REG_SZ \"Ledger\" -> REG_SZ \"Ledger 2\"") != std::string::npos);
  BOOST_TEST(!reg.key_exists(hklm, record_key + "\\Previous").value());  // gone with the intent
}

// A new CLSID moves the add-in: the old CLSID and AppID keys go, the new ones appear.
BOOST_AUTO_TEST_CASE(reregister_with_new_clsid_removes_the_old_com_keys) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto spec = ledger_spec();
  spec.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
  BOOST_REQUIRE(registrar.register_application(spec).ok());
  BOOST_TEST(!reg.key_exists(hklm, class_key).value());
  BOOST_TEST(!reg.key_exists(hklm, appid_key).value());
  BOOST_TEST(reg.key_exists(hklm, "SOFTWARE\\Classes\\CLSID\\{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}\\LocalServer32").value());
}

// Dropping the add-in on re-registration removes the CLSID value and the COM keys.
BOOST_AUTO_TEST_CASE(reregister_without_addin_removes_the_addin) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto spec = ledger_spec();
  spec.addin.reset();
  auto outcome = registrar.register_application(spec);
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(!reg.get_value(hklm, app_key, "CLSID").ok());
  BOOST_TEST(!reg.key_exists(hklm, class_key).value());
  BOOST_TEST(!registrar.proxy_stub_present().value());  // nobody uses it any more
}

// Register then unregister leaves the registry exactly as it was, neighbour included; the
// Application Support key stays even though wsbkit's registration created it.
BOOST_AUTO_TEST_CASE(unregister_restores_the_registry_exactly) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto removed = registrar.unregister_application(writer);
  BOOST_REQUIRE_MESSAGE(removed.ok(), (removed.ok() ? "" : removed.error().message()));
  BOOST_TEST(!removed->changes.empty());
  BOOST_TEST(removed->left_behind.empty());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));

  FakeRegistry alone;  // no neighbour: wsbkit created Application Support, and leaves it alone
  BOOST_REQUIRE(Registrar(alone).register_application(ledger_spec()).ok());
  BOOST_REQUIRE(Registrar(alone).unregister_application(writer).ok());
  BOOST_TEST(alone.key_exists(hklm, app_support).value());
  BOOST_TEST(!alone.key_exists(hklm, "SOFTWARE\\wsbkit").value());
}

// The neighbour's keys survive register, re-register with changes, LocalService and unregister.
BOOST_AUTO_TEST_CASE(neighbour_survives_every_operation) {
  Machine m;
  add_neighbour(m.reg);
  const auto neighbour = neighbour_of(m.reg.snapshot());
  Registrar registrar(m.reg, &m.services);
  auto changed = ledger_spec();
  changed.identifier = "Ledger 2";
  changed.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
  changed.addin->launch_permission = "O:BAG:BAD:(A;;0x1F;;;SY)";
  for (const auto& step : std::vector<std::function<bool()>>{
           [&] { return registrar.register_application(ledger_spec()).ok(); },
           [&] { return registrar.register_application(changed).ok(); },
           [&] { return registrar.register_application(service_spec()).ok(); },
           [&] { return registrar.unregister_application(writer).ok(); }}) {
    BOOST_REQUIRE(step());
    BOOST_TEST((neighbour_of(m.reg.snapshot()) == neighbour));
  }
}

// Unregister removes only what wsbkit wrote: a value and a subkey someone added later under
// wsbkit's keys stay, with their keys, and the outcome says so.
BOOST_AUTO_TEST_CASE(unregister_never_removes_what_wsbkit_did_not_write) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_REQUIRE(reg.set_value(hklm, class_key, "Vendor", reg_sz("someone else")).ok());
  BOOST_REQUIRE(reg.create_key(hklm, appid_key + "\\Extra").ok());
  auto removed = registrar.unregister_application(writer);
  BOOST_REQUIRE(removed.ok());
  BOOST_TEST(value_of(reg, class_key, "Vendor") == "someone else");
  BOOST_TEST(reg.key_exists(hklm, appid_key + "\\Extra").value());
  BOOST_TEST(!reg.get_value(hklm, class_key, "AppID").ok());           // wsbkit's value: gone
  BOOST_TEST(!reg.key_exists(hklm, class_key + "\\LocalServer32").value());
  BOOST_TEST(!reg.get_value(hklm, appid_key, "LaunchPermission").ok());
  BOOST_TEST(removed->left_behind.size() == 2u);
  BOOST_TEST(!reg.key_exists(hklm, record_key).value());
}

// A value someone changed after wsbkit wrote it is not wsbkit's any more: unregister leaves it.
BOOST_AUTO_TEST_CASE(unregister_leaves_a_value_changed_since_wsbkit_wrote_it) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_REQUIRE(reg.set_value(hklm, class_key + "\\LocalServer32", "", reg_sz("\"C:\\Other\\server.exe\"")).ok());
  auto removed = registrar.unregister_application(writer);
  BOOST_REQUIRE(removed.ok());
  BOOST_TEST(value_of(reg, class_key + "\\LocalServer32", "") == "\"C:\\Other\\server.exe\"");
  BOOST_TEST(removed->left_behind.size() == 3u);  // the value, so its key, and the CLSID key holding that
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

// A second application with an identifier already in use (any case) is refused, --force or not:
// WSB would silently ignore it. Nothing is written.
BOOST_AUTO_TEST_CASE(duplicate_identifier_is_refused_even_with_force) {
  for (const bool force : {false, true}) {
    FakeRegistry reg;
    add_neighbour(reg);
    const auto before = reg.snapshot();
    auto spec = ledger_spec();
    spec.identifier = "EXCHANGE";
    spec.force = force;
    auto result = Registrar(reg).register_application(spec);
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().api() == "validate");
    BOOST_TEST(result.error().object() == "identifier");
    BOOST_TEST((reg.snapshot() == before));
  }
}

// An entry for the same writer that wsbkit did not write: refused without --force; --force takes
// it over, and unregister puts the foreign values back exactly.
BOOST_AUTO_TEST_CASE(force_takes_over_a_foreign_entry_and_unregister_puts_it_back) {
  FakeRegistry reg;
  add_containers(reg);
  BOOST_REQUIRE(reg.create_key(hklm, app_key).ok());
  BOOST_REQUIRE(reg.set_value(hklm, app_key, "Application Identifier", reg_sz("Old Ledger")).ok());
  BOOST_REQUIRE(reg.set_value(hklm, app_key, "CLSID", reg_sz("{12345678-1234-1234-1234-123456789ABC}")).ok());
  const auto before = reg.snapshot();
  auto spec = ledger_spec();
  auto refused = Registrar(reg).register_application(spec);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().object() == "writer");
  BOOST_TEST((reg.snapshot() == before));

  spec.force = true;
  auto taken = Registrar(reg).register_application(spec);
  BOOST_REQUIRE_MESSAGE(taken.ok(), (taken.ok() ? "" : taken.error().message()));
  BOOST_TEST(value_of(reg, app_key, "Application Identifier") == "Ledger");
  BOOST_TEST(value_of(reg, app_key, "CLSID") == derived_clsid);
  BOOST_REQUIRE(Registrar(reg).unregister_application(writer).ok());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));

  // Taken over without add-in: the foreign CLSID value goes (WSB must not start another add-in)
  // and comes back on unregister.
  spec.addin.reset();
  BOOST_REQUIRE(Registrar(reg).register_application(spec).ok());
  BOOST_TEST(!reg.get_value(hklm, app_key, "CLSID").ok());
  BOOST_TEST(Registrar(reg).register_application(spec)->changes.empty());
  BOOST_REQUIRE(Registrar(reg).unregister_application(writer).ok());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));
}

// A CLSID that another product registered, or another wsbkit registration uses, is refused.
BOOST_AUTO_TEST_CASE(a_clsid_in_use_is_refused) {
  FakeRegistry reg;
  add_neighbour(reg);
  const auto before = reg.snapshot();
  auto spec = ledger_spec();
  spec.addin->clsid = Guid::parse("{D8A2E312-3B17-4293-B71E-CD72A7C04BF3}");
  auto foreign = Registrar(reg).register_application(spec);
  BOOST_REQUIRE(!foreign.ok());
  BOOST_TEST(foreign.error().object() == "clsid");
  BOOST_TEST((reg.snapshot() == before));

  BOOST_REQUIRE(Registrar(reg).register_application(ledger_spec()).ok());
  auto other = ledger_spec();
  other.writer_id = *Guid::parse("{99999999-8888-7777-6666-555555555555}");
  other.identifier = "Ledger Archive";
  other.addin->clsid = Guid::parse(derived_clsid);
  auto shared = Registrar(reg).register_application(other);
  BOOST_REQUIRE(!shared.ok());
  BOOST_TEST(shared.error().system_message().find(writer_text) != std::string::npos);
}

// Identifier rules: 1-256 characters (UTF-16 units), no control characters.
BOOST_AUTO_TEST_CASE(identifier_rules) {
  BOOST_TEST(validate_identifier("Ledger").ok());
  BOOST_TEST(validate_identifier(std::string(256, 'x')).ok());
  BOOST_TEST(!validate_identifier("").ok());
  BOOST_TEST(!validate_identifier(std::string(257, 'x')).ok());
  BOOST_TEST(!validate_identifier("Led\tger").ok());
  BOOST_TEST(!validate_identifier("Led\x7Fger").ok());
  BOOST_TEST(validate_identifier("Grand livre \xC3\xA9").ok());
}

// Each bad input of the registration table is refused naming its field, with nothing written.
BOOST_AUTO_TEST_CASE(bad_inputs_name_their_field_and_write_nothing) {
  struct Row {
    const char* field;
    std::function<void(RegistrationSpec&)> spoil;
  };
  const std::vector<Row> rows{
      {"identifier", [](RegistrationSpec& s) { s.identifier = ""; }},
      {"identifier", [](RegistrationSpec& s) { s.identifier = std::string(257, 'x'); }},
      {"identifier", [](RegistrationSpec& s) { s.identifier = "a\nb"; }},
      {"addin", [](RegistrationSpec& s) { s.addin->exe_path = "wsbkit-addin.exe"; }},
      {"addin", [](RegistrationSpec& s) { s.addin->exe_path = "C:\\a\"b.exe"; }},
      {"policy", [](RegistrationSpec& s) { s.addin->policy_path = "policy.json"; }},
      {"clsid", [](RegistrationSpec& s) { s.addin->clsid = Guid::parse(layout::proxy_stub_clsid); }},
      {"service-name", [](RegistrationSpec& s) { s.addin->hosting = Hosting::local_service; s.addin->service_name = "a\\b"; }},
      {"service-name", [](RegistrationSpec& s) { s.addin->hosting = Hosting::local_service; s.addin->service_name = std::string(257, 's'); }},
      {"launch-permission", [](RegistrationSpec& s) { s.addin->launch_permission = "O:XXD:"; }},
      {"access-permission", [](RegistrationSpec& s) { s.addin->access_permission = "D:(A;;0x1F;;;SY"; }},
      {"access-permission", [](RegistrationSpec& s) { s.addin->access_permission = "S:(AU;SA;0x1;;;WD)"; }},
      {"proxy-stub-dll", [](RegistrationSpec& s) { s.proxy_stub_dll = "wsbkit-ps.dll"; }},
  };
  for (const auto& row : rows) {
    Machine m;
    add_neighbour(m.reg);
    const auto before = m.reg.snapshot();
    auto spec = ledger_spec();
    row.spoil(spec);
    auto result = Registrar(m.reg, &m.services).register_application(spec);
    BOOST_REQUIRE_MESSAGE(!result.ok(), row.field);
    BOOST_TEST(result.error().api() == "validate", row.field);
    BOOST_TEST(result.error().object() == row.field);
    BOOST_TEST(!result.error().system_message().empty());
    BOOST_TEST((m.reg.snapshot() == before), row.field);
  }
}

// proxy-stub auto/always: an interface already marshalled by someone else is left alone (and
// stays after unregister); never: nothing.
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
  BOOST_TEST(!outcome->proxy_stub_used);
  BOOST_TEST(!Registrar(clean).proxy_stub_present().value());
}

// auto with all three interfaces marshalled by another product: nothing written, not used.
BOOST_AUTO_TEST_CASE(proxy_stub_auto_leaves_a_complete_foreign_registration_alone) {
  FakeRegistry reg;
  for (const auto& itf : layout::wsb_interfaces) {
    const std::string key = "SOFTWARE\\Classes\\Interface\\" + std::string(itf.iid) + "\\ProxyStubClsid32";
    BOOST_REQUIRE(reg.create_key(hklm, key).ok());
    BOOST_REQUIRE(reg.set_value(hklm, key, "", reg_sz("{00020424-0000-0000-C000-000000000046}")).ok());
  }
  auto outcome = Registrar(reg).register_application(ledger_spec());
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(!outcome->proxy_stub_used);
  BOOST_TEST(!outcome->proxy_stub_written);
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\Classes\\CLSID\\" + std::string(layout::proxy_stub_clsid)).value());
}

// wsbkit's proxy/stub registered by hand (regsvr32 wsbkit-ps.dll): auto uses it without writing,
// and unregister does not remove what wsbkit did not write.
BOOST_AUTO_TEST_CASE(proxy_stub_registered_by_hand_is_used_but_never_removed) {
  FakeRegistry reg;
  add_containers(reg);
  for (const auto& itf : layout::wsb_interfaces) {
    const std::string key = "SOFTWARE\\Classes\\Interface\\" + std::string(itf.iid) + "\\ProxyStubClsid32";
    BOOST_REQUIRE(reg.create_key(hklm, key).ok());
    BOOST_REQUIRE(reg.set_value(hklm, key, "", reg_sz(std::string(layout::proxy_stub_clsid))).ok());
  }
  const auto before = reg.snapshot();
  auto outcome = Registrar(reg).register_application(ledger_spec());
  BOOST_REQUIRE(outcome.ok());
  BOOST_TEST(outcome->proxy_stub_used);
  BOOST_TEST(!outcome->proxy_stub_written);
  BOOST_REQUIRE(Registrar(reg).unregister_application(writer).ok());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));
}

// The shared proxy/stub stays while another wsbkit registration still uses it.
BOOST_AUTO_TEST_CASE(proxy_stub_goes_with_the_last_registration_using_it) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  auto second = ledger_spec();
  second.writer_id = *Guid::parse("{99999999-8888-7777-6666-555555555555}");
  second.identifier = "Ledger Archive";
  BOOST_REQUIRE(registrar.register_application(second).ok());
  BOOST_REQUIRE(registrar.unregister_application(writer).ok());
  BOOST_TEST(registrar.proxy_stub_present().value());
  BOOST_REQUIRE(registrar.unregister_application(second.writer_id).ok());
  BOOST_TEST(!registrar.proxy_stub_present().value());
  BOOST_TEST(!reg.key_exists(hklm, "SOFTWARE\\wsbkit").value());
}

// Custom permissions: the AppID values hold exactly the SDDL's encoding; status shows the SDDL.
BOOST_AUTO_TEST_CASE(custom_permissions_are_written_as_given) {
  FakeRegistry reg;
  auto spec = ledger_spec();
  spec.addin->launch_permission = "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0xB;;;S-1-5-21-1-2-3-1001)";
  spec.addin->access_permission = "D:(A;;CC;;;SY)";
  BOOST_REQUIRE(Registrar(reg).register_application(spec).ok());
  BOOST_TEST((reg.get_value(hklm, appid_key, "LaunchPermission")->data == sddl_to_self_relative(spec.addin->launch_permission).value()));
  BOOST_TEST((reg.get_value(hklm, appid_key, "AccessPermission")->data == sddl_to_self_relative("D:(A;;0x1;;;SY)").value()));
  auto apps = Registrar(reg).list_applications();
  BOOST_REQUIRE(apps.ok());
  BOOST_TEST(apps->at(0).launch_permission.value() == "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0xB;;;S-1-5-21-1-2-3-1001)");
  BOOST_TEST(apps->at(0).access_permission.value() == "D:(A;;0x1;;;SY)");
}

// LocalService: a demand-start LocalSystem service runs the add-in; AppID names it; no
// LocalServer32. Switching back to LocalServer32 removes the service; unregister too.
BOOST_AUTO_TEST_CASE(local_service_hosting_creates_and_removes_the_service) {
  Machine m;
  Registrar registrar(m.reg, &m.services);
  auto outcome = registrar.register_application(service_spec());
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? "" : outcome.error().message()));
  const std::string name = "wsbkit-addin-E759F65B";
  auto service = m.services.service(name);
  BOOST_REQUIRE(service.has_value());
  BOOST_TEST(service->definition.command_line == "\"C:\\Program Files\\wsbkit\\wsbkit-addin.exe\" --service \"" + name +
                                                     "\" --clsid " + derived_clsid +
                                                     " --policy \"C:\\ProgramData\\Ledger\\policy.json\"");
  BOOST_TEST((service->definition.start_type == ServiceStartType::manual));
  BOOST_TEST(service->definition.display_name == "wsbkit add-in for Ledger");
  BOOST_TEST(value_of(m.reg, appid_key, "LocalService") == name);
  BOOST_TEST(!m.reg.key_exists(hklm, class_key + "\\LocalServer32").value());
  BOOST_TEST(has_change(outcome->changes, ChangeKind::create_service, name));

  auto back = registrar.register_application(ledger_spec());
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(!m.services.service(name).has_value());
  BOOST_TEST(!m.reg.get_value(hklm, appid_key, "LocalService").ok());
  BOOST_TEST(m.reg.key_exists(hklm, class_key + "\\LocalServer32").value());

  BOOST_REQUIRE(registrar.register_application(service_spec()).ok());
  auto removed = registrar.unregister_application(writer);
  BOOST_REQUIRE(removed.ok());
  BOOST_TEST(!m.services.service(name).has_value());
  BOOST_TEST(has_change(removed->changes, ChangeKind::delete_service, name));
}

// LocalService refusals: a service of that name wsbkit did not create; a running add-in service
// (WSB may be using it); no service manager. Nothing changes.
BOOST_AUTO_TEST_CASE(local_service_refusals_change_nothing) {
  {
    Machine m;
    m.services.install({"wsbkit-addin-E759F65B", "Someone's", "\"C:\\x.exe\"", ServiceStartType::automatic, {}});
    const auto before = m.reg.snapshot();
    auto result = Registrar(m.reg, &m.services).register_application(service_spec());
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().object() == "service-name");
    BOOST_TEST((m.reg.snapshot() == before));
    BOOST_TEST(m.services.service("wsbkit-addin-E759F65B")->definition.command_line == "\"C:\\x.exe\"");
  }
  {
    Machine m;
    BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(service_spec()).ok());
    BOOST_REQUIRE(m.services.start("wsbkit-addin-E759F65B").ok());
    const auto before = m.reg.snapshot();
    auto result = Registrar(m.reg, &m.services).unregister_application(writer);
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().message().find("RUNNING") != std::string::npos);
    BOOST_TEST((m.reg.snapshot() == before));
    BOOST_TEST(m.services.service("wsbkit-addin-E759F65B").has_value());
  }
  {
    FakeRegistry reg;
    auto result = Registrar(reg).register_application(service_spec());
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST(result.error().system_message().find("service manager") != std::string::npos);
    BOOST_TEST(!reg.key_exists(hklm, app_support).value());
  }
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

// Dry run: the plan writes nothing, equals the change list of the real run that follows, and that
// list accounts exactly for the registry's change; for register, re-register with changes,
// LocalService and unregister.
BOOST_AUTO_TEST_CASE(dry_run_writes_nothing_and_its_plan_is_what_the_real_run_changes) {
  Machine m;
  add_neighbour(m.reg);
  prove_plan_is_exact(m, [](Registrar& r, TransactionMode mode) { return r.register_application(ledger_spec(), mode); });
  auto changed = ledger_spec();
  changed.identifier = "Ledger 2";
  changed.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
  changed.addin->access_permission = "O:BAG:BAD:(A;;0x1;;;SY)";
  changed.proxy_stub = ProxyStubMode::always;
  changed.proxy_stub_dll = "D:\\wsbkit\\wsbkit-ps.dll";
  prove_plan_is_exact(m, [&](Registrar& r, TransactionMode mode) { return r.register_application(changed, mode); });
  prove_plan_is_exact(m, [](Registrar& r, TransactionMode mode) { return r.register_application(service_spec(), mode); });
  prove_plan_is_exact(m, [](Registrar& r, TransactionMode mode) { return r.register_application(service_spec(), mode); });
  prove_plan_is_exact(m, [](Registrar& r, TransactionMode mode) { return r.unregister_application(writer, mode); });
}

// Fault injection: every scenario fails at each of its registry calls and each of its service
// calls in turn, and every run leaves registry and services all-or-nothing. N per scenario is
// printed (BOOST_TEST_LOG_LEVEL=message) and must cover all the write paths.
BOOST_AUTO_TEST_CASE(every_failure_point_rolls_back_completely) {
  const auto fresh = [](Machine& m) { add_neighbour(m.reg); };
  const auto registered = [](Machine& m) {
    add_neighbour(m.reg);
    BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(ledger_spec()).ok());
  };
  const auto registered_as_service = [](Machine& m) {
    add_neighbour(m.reg);
    BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(service_spec()).ok());
  };
  const auto changed = [] {
    auto spec = ledger_spec();
    spec.identifier = "Ledger 2";
    spec.addin->clsid = Guid::parse("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
    spec.addin->policy_path = "C:\\ProgramData\\Ledger\\policy-v2.json";
    spec.addin->launch_permission = "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)";
    spec.addin->access_permission = "O:BAG:BAD:(A;;0x3;;;SY)";
    return spec;
  }();
  const std::vector<std::string> services{"wsbkit-addin-E759F65B", "wsbkit-addin-AAAAAAAA"};
  const auto run = [&](Machine& m, const RegistrationSpec& spec) {
    return Registrar(m.reg, &m.services).register_application(spec).ok();
  };
  const auto unregister = [&](Machine& m) { return Registrar(m.reg, &m.services).unregister_application(writer).ok(); };

  const std::size_t n_register = prove_all_or_nothing(fresh, [&](Machine& m) { return run(m, ledger_spec()); }, services);
  const std::size_t n_reregister = prove_all_or_nothing(registered, [&](Machine& m) { return run(m, changed); }, services);
  const std::size_t n_unregister = prove_all_or_nothing(registered, unregister, services);
  const std::size_t n_register_service =
      prove_all_or_nothing(fresh, [&](Machine& m) { return run(m, service_spec()); }, services);
  auto service_changed = changed;
  service_changed.addin->hosting = Hosting::local_service;
  const std::size_t n_reregister_service =
      prove_all_or_nothing(registered_as_service, [&](Machine& m) { return run(m, service_changed); }, services);
  const std::size_t n_to_local_server =
      prove_all_or_nothing(registered_as_service, [&](Machine& m) { return run(m, ledger_spec()); }, services);
  const std::size_t n_unregister_service = prove_all_or_nothing(registered_as_service, unregister, services);
  BOOST_TEST_MESSAGE("failure points proven: register " << n_register << ", re-register with changes " << n_reregister
                                                        << ", unregister " << n_unregister << ", register LocalService "
                                                        << n_register_service << ", re-register LocalService with changes "
                                                        << n_reregister_service << ", LocalService -> LocalServer32 "
                                                        << n_to_local_server << ", unregister LocalService "
                                                        << n_unregister_service);
  for (const std::size_t n : {n_register, n_reregister, n_unregister, n_register_service, n_reregister_service,
                              n_to_local_server, n_unregister_service}) {
    BOOST_TEST(n > 40u);
  }
}

// A value overwritten with unterminated REG_SZ data (as another tool may leave it) is given back
// byte for byte, without a terminator added: by unregister, and by the undo of a failed register.
BOOST_AUTO_TEST_CASE(an_overwritten_unterminated_string_is_restored_byte_exact) {
  Machine m;
  add_containers(m.reg);
  BOOST_REQUIRE(m.reg.create_key(hklm, app_key).ok());
  const RegistryValue unterminated{reg_type::sz, {'O', 0, 'l', 0, 'd', 0}};
  BOOST_REQUIRE(m.reg.set_value(hklm, app_key, "Application Identifier", unterminated).ok());
  const auto before = m.reg.snapshot();
  auto spec = ledger_spec();
  spec.force = true;
  BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(spec).ok());
  BOOST_REQUIRE(Registrar(m.reg, &m.services).unregister_application(writer).ok());
  BOOST_TEST((m.reg.get_value(hklm, app_key, "Application Identifier").value() == unterminated));
  BOOST_TEST((m.reg.snapshot() == before), mock::describe_differences(before, m.reg.snapshot()));

  m.reg.fail_when(mock::writes_under(hklm, "SOFTWARE\\Classes\\Interface"));  // after the entry was overwritten
  BOOST_REQUIRE(!Registrar(m.reg, &m.services).register_application(spec).ok());
  m.reg.clear_faults();
  BOOST_TEST((m.reg.get_value(hklm, app_key, "Application Identifier").value() == unterminated));
  BOOST_TEST((m.reg.snapshot() == before), mock::describe_differences(before, m.reg.snapshot()));
}

// A register whose undo fails too is not "nothing changed": the error (E_FAIL: exit 1) lists each
// change still in place, key by key; wsbkit's record stays as the command's intent, so doctor
// reports it and unregister then removes everything.
BOOST_AUTO_TEST_CASE(a_failed_rollback_is_reported_with_what_remains) {
  Machine m;
  add_neighbour(m.reg);
  const auto before = m.reg.snapshot();
  m.reg.fail_when([](const RegistryCall& c) {
    return (c.operation == RegistryOperation::set_value && c.path == class_key + "\\LocalServer32") ||
           (c.operation == RegistryOperation::delete_key && c.path == app_key);
  });
  auto result = Registrar(m.reg, &m.services).register_application(ledger_spec());
  m.reg.clear_faults();
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().hresult_code() == hr::e_fail);
  const std::string text = result.error().message();
  BOOST_TEST(text.find("Undoing the changes already made FAILED; still in place:") != std::string::npos, text);
  BOOST_TEST(text.find("+ key     HKLM\\" + app_key + "  (undo failed: ") != std::string::npos, text);
  BOOST_TEST(text.find("\"Intent\": REG_SZ \"register\"") != std::string::npos, text);
  BOOST_TEST(text.find("wsbkit unregister --writer " + writer_text) != std::string::npos, text);
  BOOST_TEST(m.reg.key_exists(hklm, app_key).value());  // what could not be undone
  BOOST_TEST(!m.reg.get_value(hklm, app_key, "Application Identifier").ok());  // what could
  BOOST_TEST(value_of(m.reg, record_key, "Intent") == "register");

  DoctorOptions options;
  auto checks = run_doctor(m.reg, &m.services, options);
  BOOST_REQUIRE(checks.ok());
  BOOST_TEST(std::any_of(checks->begin(), checks->end(), [](const DoctorCheck& c) {
    return c.status == CheckStatus::problem && c.name == "wsbkit's last register/unregister completed";
  }));
  auto removed = Registrar(m.reg, &m.services).unregister_application(writer);
  BOOST_REQUIRE_MESSAGE(removed.ok(), (removed.ok() ? "" : removed.error().message()));
  BOOST_TEST((m.reg.snapshot() == before), mock::describe_differences(before, m.reg.snapshot()));
}

namespace {

// Kills `operation` at its k-th call (registry and service calls counted together): that call and
// every later one fail, undo included, as when the process dies there.
void kill_at(Machine& m, std::uint64_t k) {
  auto calls = std::make_shared<std::uint64_t>(0);
  m.reg.fail_when([calls, k](const RegistryCall&) { return ++*calls >= k; });
  m.services.fail_when([calls, k](const mock::ServiceCall&) { return ++*calls >= k; });
}

bool interrupted_reported(Machine& m) {
  DoctorOptions options;
  auto checks = run_doctor(m.reg, &m.services, options);
  BOOST_REQUIRE(checks.ok());
  return std::any_of(checks->begin(), checks->end(), [](const DoctorCheck& c) {
    return c.status == CheckStatus::problem && c.name == "wsbkit's last register/unregister completed";
  });
}

// For every k: the operation killed at its k-th call; doctor then reports the interruption when
// the registry holds part of it; running `finish` completes it (the registry and services as a
// clean run leaves them) and `undo` removes it (as before the operation).
void prove_kill_is_recoverable(const std::function<void(Machine&)>& prepare, const std::function<bool(Machine&)>& operation,
                               const std::function<bool(Machine&)>& finish, const std::function<bool(Machine&)>& undo,
                               const std::function<void(Machine&)>& undone_state, const std::string& service) {
  const auto service_state = [&](Machine& m) {
    auto s = m.services.service(service);
    return s && !s->marked_for_delete ? s->definition.command_line : std::string("absent");
  };
  Machine clean;
  prepare(clean);
  const auto calls_before = clean.reg.call_count() + clean.services.call_count();
  BOOST_REQUIRE(operation(clean));
  const auto calls = clean.reg.call_count() + clean.services.call_count() - calls_before;
  const auto after = clean.reg.snapshot();
  const auto service_after = service_state(clean);
  Machine reference;
  undone_state(reference);
  const auto undone = reference.reg.snapshot();
  const auto service_undone = service_state(reference);
  for (std::uint64_t k = 1; k <= calls; ++k) {
    for (const bool complete : {true, false}) {
      Machine m;
      prepare(m);
      const auto before = m.reg.snapshot();
      kill_at(m, k);
      operation(m);
      m.reg.clear_faults();
      m.services.clear_faults();
      const auto killed = m.reg.snapshot();
      if (!(killed == before) && !(killed == after)) BOOST_TEST(interrupted_reported(m), "k=" << k << ": doctor is silent");
      const bool ran = complete ? finish(m) : undo(m);
      BOOST_TEST(ran, "k=" << k << (complete ? ": finishing failed" : ": removing failed"));
      const auto& want = complete ? after : undone;
      BOOST_TEST((m.reg.snapshot() == want), "k=" << k << (complete ? " finished" : " removed") << ":\n"
                                                  << mock::describe_differences(want, m.reg.snapshot()));
      BOOST_TEST(service_state(m) == (complete ? service_after : service_undone), "k=" << k);
    }
  }
  BOOST_TEST_MESSAGE("  " << calls << " kill points");
  BOOST_TEST(calls > 40u);
}

}  // namespace

// A register killed at any of its calls (LocalServer32 and LocalService): doctor reports it, and
// registering again completes it, or unregister removes it, exactly.
BOOST_AUTO_TEST_CASE(a_registration_killed_anywhere_is_reported_and_completed_or_removed) {
  const auto fresh = [](Machine& m) { add_neighbour(m.reg); };
  const auto unregister = [](Machine& m) {
    auto r = Registrar(m.reg, &m.services).unregister_application(writer);
    return r.ok() || r.error().is_win32(win32_error::file_not_found);
  };
  for (const auto& spec : {ledger_spec(), service_spec()}) {
    const auto run = [spec](Machine& m) { return Registrar(m.reg, &m.services).register_application(spec).ok(); };
    prove_kill_is_recoverable(fresh, run, run, unregister, fresh, "wsbkit-addin-E759F65B");
  }
}

// An unregister killed at any of its calls: doctor reports it; unregister again finishes it.
BOOST_AUTO_TEST_CASE(an_unregister_killed_anywhere_is_reported_and_finished) {
  const auto registered = [](Machine& m) {
    add_neighbour(m.reg);
    BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(service_spec()).ok());
  };
  const auto unregister = [](Machine& m) {
    auto r = Registrar(m.reg, &m.services).unregister_application(writer);
    return r.ok() || r.error().is_win32(win32_error::file_not_found);
  };
  const auto again = [](Machine& m) { return Registrar(m.reg, &m.services).register_application(service_spec()).ok(); };
  prove_kill_is_recoverable(registered, unregister, unregister, again, registered, "wsbkit-addin-E759F65B");
}

// An add-in (or its folder), proxy/stub DLL or policy that non-administrators may change is
// refused before anything is written, naming the file, who may change it and the icacls fix;
// --force registers it with a warning.
BOOST_AUTO_TEST_CASE(files_non_administrators_may_change_are_refused_unless_forced) {
  const auto spec = ledger_spec();
  struct Row {
    const char* field;
    std::string path;   // the object given a Users-writable DACL
    std::string file;   // the file it concerns
  };
  const std::vector<Row> rows{
      {"addin", spec.addin->exe_path, spec.addin->exe_path},
      {"addin", "C:\\Program Files\\wsbkit", spec.addin->exe_path},  // DLL planting beside the add-in
      {"proxy-stub-dll", spec.proxy_stub_dll, spec.proxy_stub_dll},
      {"policy", *spec.addin->policy_path, *spec.addin->policy_path},
  };
  for (const auto& row : rows) {
    Machine m;
    add_neighbour(m.reg);
    mock::FakeFileSecurity security;
    for (const std::string& file : {spec.addin->exe_path, spec.proxy_stub_dll, *spec.addin->policy_path}) {
      security.set(file, std::string(well_known_sid::administrators), mock::admin_only_dacl());
    }
    security.set(row.path, std::string(well_known_sid::administrators), mock::users_may_write_dacl());
    const auto before = m.reg.snapshot();
    auto refused = Registrar(m.reg, &m.services, &security).register_application(spec);
    BOOST_REQUIRE_MESSAGE(!refused.ok(), row.path);
    BOOST_TEST(refused.error().api() == "validate");
    BOOST_TEST(refused.error().object() == row.field);
    const std::string rule = refused.error().system_message();
    BOOST_TEST(rule.find("BUILTIN\\Users (S-1-5-32-545) may change " + row.path) != std::string::npos, rule);
    BOOST_TEST(rule.find("icacls \"" + row.path + "\" /inheritance:d /remove:g *S-1-5-32-545") != std::string::npos, rule);
    BOOST_TEST((m.reg.snapshot() == before), row.path);

    auto forced_spec = spec;
    forced_spec.force = true;
    auto forced = Registrar(m.reg, &m.services, &security).register_application(forced_spec);
    BOOST_REQUIRE_MESSAGE(forced.ok(), (forced.ok() ? "" : forced.error().message()));
    BOOST_REQUIRE(!forced->warnings.empty());  // two for the folder: the add-in's and the DLL's
    BOOST_TEST(forced->warnings[0].find(row.file + " can be changed by") != std::string::npos, forced->warnings[0]);
    BOOST_TEST(forced->warnings[0].find(row.path) != std::string::npos);
    BOOST_TEST(forced->warnings[0].find("--force") != std::string::npos);
  }
}

// The keys export writes: every key wsbkit created or wrote to, with wsbkit's values only, and
// wsbkit's records, parents before children.
BOOST_AUTO_TEST_CASE(exported_keys_are_what_wsbkit_wrote) {
  FakeRegistry reg;
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_REQUIRE(reg.set_value(hklm, class_key, "Vendor", reg_sz("someone else")).ok());
  auto keys = registrar.exported_keys(writer);
  BOOST_REQUIRE(keys.ok());
  std::vector<std::string> paths;
  for (const auto& k : *keys) paths.push_back(k.path);
  for (const std::string& expected : {app_key, class_key, class_key + "\\LocalServer32", appid_key, record_key,
                                      std::string("SOFTWARE\\wsbkit\\ProxyStub"),
                                      "SOFTWARE\\Classes\\Interface\\" + std::string(layout::wsb_interfaces[2].iid) + "\\NumMethods"}) {
    BOOST_TEST((std::find(paths.begin(), paths.end(), expected) != paths.end()), expected);
  }
  for (std::size_t i = 1; i < paths.size(); ++i) BOOST_TEST((to_upper_ascii(paths[i - 1]) < to_upper_ascii(paths[i])), paths[i]);
  for (const auto& k : *keys) {
    for (const auto& [name, value] : k.values) BOOST_TEST(name != "Vendor");
  }
  BOOST_TEST(!registrar.exported_keys(*Guid::parse("{11111111-2222-3333-4444-555555555555}")).ok());
}

// The event source "wsbkit" (event_source.hpp): register writes it where the Application log's key
// exists and no source does; the last unregister removes exactly it.
namespace {
const std::string application_log = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application";
const std::string source_key = application_log + "\\wsbkit";
const std::string source_record = "SOFTWARE\\wsbkit\\EventSource";
void add_event_log(Registry& reg) { BOOST_REQUIRE(reg.create_key(hklm, application_log).ok()); }
const auto fresh_with_event_log = [](Machine& m) {
  add_neighbour(m.reg);
  add_event_log(m.reg);
};
}  // namespace

BOOST_AUTO_TEST_CASE(register_writes_the_event_source_and_the_last_unregister_removes_exactly_it) {
  FakeRegistry reg;
  add_neighbour(reg);
  add_event_log(reg);
  const auto before = reg.snapshot();
  Registrar registrar(reg);
  auto plan = registrar.register_application(ledger_spec(), TransactionMode::plan);
  BOOST_REQUIRE(plan.ok());
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_TEST((reg.get_value(hklm, source_key, "EventMessageFile").value() == reg_expand_sz(ledger_spec().addin->exe_path)));
  BOOST_TEST((reg.get_value(hklm, source_key, "TypesSupported").value() == reg_dword(7)));
  BOOST_TEST(reg.key_exists(hklm, source_record).value());
  BOOST_TEST(std::any_of(plan->changes.begin(), plan->changes.end(),
                         [](const Change& c) { return c.kind == ChangeKind::create_key && iequals(c.path, source_key); }));

  auto second = ledger_spec();
  second.writer_id = *Guid::parse("{99999999-8888-7777-6666-555555555555}");
  second.identifier = "Ledger Archive";
  second.addin->exe_path = "C:\\Other\\wsbkit-addin.exe";
  BOOST_REQUIRE(registrar.register_application(second).ok());
  BOOST_TEST(value_of(reg, source_key, "EventMessageFile") == ledger_spec().addin->exe_path);  // the first one's, kept
  BOOST_REQUIRE(registrar.unregister_application(writer).ok());
  BOOST_TEST(reg.key_exists(hklm, source_key).value());  // still used by the second registration
  BOOST_REQUIRE(registrar.unregister_application(second.writer_id).ok());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));
}

BOOST_AUTO_TEST_CASE(an_event_source_wsbkit_did_not_write_is_left_alone) {
  FakeRegistry reg;
  add_neighbour(reg);
  add_event_log(reg);
  BOOST_REQUIRE(reg.create_key(hklm, source_key).ok());
  BOOST_REQUIRE(reg.set_value(hklm, source_key, "EventMessageFile", reg_expand_sz("C:\\Program Files\\wsbkit\\msi.exe")).ok());
  const auto before = reg.snapshot();
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_TEST(value_of(reg, source_key, "EventMessageFile") == "C:\\Program Files\\wsbkit\\msi.exe");
  BOOST_TEST(!reg.key_exists(hklm, source_record).value());
  BOOST_REQUIRE(registrar.unregister_application(writer).ok());
  BOOST_TEST((reg.snapshot() == before), mock::describe_differences(before, reg.snapshot()));
}

BOOST_AUTO_TEST_CASE(without_an_application_log_no_event_source_is_written) {
  FakeRegistry reg;
  add_neighbour(reg);
  Registrar registrar(reg);
  BOOST_REQUIRE(registrar.register_application(ledger_spec()).ok());
  BOOST_TEST(!reg.key_exists(hklm, source_key).value());
  BOOST_TEST(!reg.key_exists(hklm, source_record).value());
}

BOOST_AUTO_TEST_CASE(the_event_source_step_is_all_or_nothing_and_survives_a_kill_anywhere) {
  const auto registered = [](Machine& m) {
    fresh_with_event_log(m);
    BOOST_REQUIRE(Registrar(m.reg, &m.services).register_application(ledger_spec()).ok());
  };
  const auto run = [](Machine& m) { return Registrar(m.reg, &m.services).register_application(ledger_spec()).ok(); };
  const auto unregister = [](Machine& m) {
    auto r = Registrar(m.reg, &m.services).unregister_application(writer);
    return r.ok() || r.error().is_win32(win32_error::file_not_found);
  };
  BOOST_TEST(prove_all_or_nothing(fresh_with_event_log, run) > 40u);
  BOOST_TEST(prove_all_or_nothing(registered, unregister) > 40u);
  prove_kill_is_recoverable(fresh_with_event_log, run, run, unregister, fresh_with_event_log, "wsbkit-addin-E759F65B");
  prove_kill_is_recoverable(registered, unregister, unregister, run, registered, "wsbkit-addin-E759F65B");
}

BOOST_AUTO_TEST_SUITE_END()
