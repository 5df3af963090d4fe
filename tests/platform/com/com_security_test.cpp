// The add-in's COM access check (platform/com/com_security.hpp) against the in-memory registry:
// which descriptor is applied, and refusal when it is missing or unusable.
#include <boost/test/unit_test.hpp>

#include "core/registration/security_descriptor.hpp"
#include "mock/fake_registry.hpp"
#include "platform/com/com_security.hpp"

using namespace wsbkit;

namespace {

const std::string clsid = "{0C6A9D3E-1F2B-5C4D-8E7F-A1B2C3D4E5F6}";

struct Fixture {
  mock::FakeRegistry registry;
  Fixture() { BOOST_REQUIRE(registry.create_key(RegistryRoot::local_machine, appid_key(clsid)).ok()); }
  void set(const RegistryValue& value) {
    BOOST_REQUIRE(registry.set_value(RegistryRoot::local_machine, appid_key(clsid), "AccessPermission", value).ok());
  }
  static std::vector<std::uint8_t> sddl(const std::string& text) {
    return sddl_to_self_relative(text).value();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(com_security, Fixture)

// The AppID key is HKLM\SOFTWARE\Classes\AppID\{clsid}: the one `wsbkit register` writes.
BOOST_AUTO_TEST_CASE(the_appid_key_is_the_clsid_under_hklm_classes) {
  BOOST_TEST(appid_key(clsid) == "SOFTWARE\\Classes\\AppID\\" + clsid);
}

// The registered default descriptor is accepted: the add-in serves with it.
BOOST_AUTO_TEST_CASE(the_registered_access_permission_is_accepted) {
  set(reg_binary(sddl("O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)")));
  BOOST_TEST(require_access_permission(registry, clsid).ok());
}

// No AccessPermission: COM would use the machine default, so the add-in refuses, naming the key.
BOOST_AUTO_TEST_CASE(a_missing_access_permission_refuses_to_serve) {
  const auto checked = require_access_permission(registry, clsid);
  BOOST_REQUIRE(!checked.ok());
  BOOST_TEST(checked.error().message().find("HKLM\\SOFTWARE\\Classes\\AppID\\" + clsid) != std::string::npos,
             checked.error().message());
  BOOST_TEST(checked.error().message().find("machine's default") != std::string::npos, checked.error().message());
}

// A missing AppID key is refused the same way.
BOOST_AUTO_TEST_CASE(a_missing_appid_key_refuses_to_serve) {
  BOOST_TEST(!require_access_permission(registry, "{11111111-2222-3333-4444-555555555555}").ok());
}

// Data that is not a self-relative descriptor with a DACL is refused: a wrong type, garbage, and a
// descriptor without a DACL (which would grant everyone).
BOOST_AUTO_TEST_CASE(unusable_descriptors_refuse_to_serve) {
  set(reg_sz("D:(A;;0x1F;;;SY)"));
  BOOST_TEST(!require_access_permission(registry, clsid).ok());
  set(reg_binary({1, 0, 4, 0x80, 0, 0}));
  BOOST_TEST(!require_access_permission(registry, clsid).ok());
  set(reg_binary(sddl("O:BAG:BA")));
  const auto no_dacl = require_access_permission(registry, clsid);
  BOOST_REQUIRE(!no_dacl.ok());
  BOOST_TEST(no_dacl.error().message().find("no DACL") != std::string::npos, no_dacl.error().message());
}

BOOST_AUTO_TEST_SUITE_END()
