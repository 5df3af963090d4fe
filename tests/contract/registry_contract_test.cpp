// Registry contract: the same cases run natively against mock::FakeRegistry and under Wine against
// the Win32 backend (tests/contract/backend_*.cpp), so the fake stays honest. Every case
// works below a scratch key HKCU\Software\wsbkit-contract-test-<unique> that the fixture deletes.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "platform/registry.hpp"
#include "tests/contract/contract_support.hpp"
#include "tests/contract/backends.hpp"

using namespace wsbkit;
using namespace wsbkit::contract;

namespace {

constexpr RegistryRoot hkcu = RegistryRoot::current_user;

struct ScratchKey {
  RegistryBackend backend = make_registry_backend();
  Registry& reg = *backend.registry;
  const std::string base = "Software\\wsbkit-contract-test-" + unique_suffix();

  ScratchKey() {
    BOOST_TEST_MESSAGE("registry backend: " << backend.name << ", scratch HKCU\\" << base);
    BOOST_REQUIRE(reg.create_key(hkcu, base).value());
  }
  ~ScratchKey() { (void)reg.delete_tree(hkcu, base); }

  std::string key(const std::string& relative) const { return relative.empty() ? base : base + "\\" + relative; }
};

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

using Strings = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(registry_contract, ScratchKey)

// --- keys ---

// Creating a key reports "new" the first time and "existed" afterwards, whatever the case used.
BOOST_AUTO_TEST_CASE(create_key_reports_new_then_existing) {
  BOOST_TEST(reg.create_key(hkcu, key("Fresh")).value() == true);
  BOOST_TEST(reg.create_key(hkcu, key("Fresh")).value() == false);
  BOOST_TEST(reg.create_key(hkcu, key("FRESH")).value() == false);
}

// A key created with a security descriptor reads back a self-relative descriptor with a DACL
// (the memory backend keeps the one given; Wine 8 ignores it and gives its default, measured:
// O:BAG:BAD:(A;CIIO;GR;;;BU)(A;;KA;;;BA)); creating it again changes nothing and says so.
BOOST_AUTO_TEST_CASE(create_key_with_security_then_read_it_back) {
  // O:BAG:SYD:P(A;;KA;;;SY)(A;;KA;;;BA), self-relative (DACL, owner, group), as the SDDL encoder lays it out.
  const std::vector<std::uint8_t> sd = {
      0x01, 0x00, 0x04, 0x90, 0x48, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
      0x02, 0x00, 0x34, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x3f, 0x00, 0x0f, 0x00, 0x01, 0x01, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x3f, 0x00, 0x0f, 0x00, 0x01, 0x02, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
      0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00};
  BOOST_TEST(reg.create_key_with_security(hkcu, key("Secret\\Inner"), sd).value() == true);
  BOOST_TEST(reg.key_exists(hkcu, key("Secret")).value());
  const auto back = reg.key_security(hkcu, key("Secret\\Inner")).value();
  BOOST_REQUIRE(back.size() >= 20u);
  BOOST_TEST(back[0] == 1);                                   // revision
  BOOST_TEST(((back[2] | back[3] << 8) & 0x8004) == 0x8004);  // self-relative, DACL present
  if (backend.name.find("fake") != std::string::npos) BOOST_TEST((back == sd));
  BOOST_TEST(reg.create_key_with_security(hkcu, key("Secret\\Inner"), sd).value() == false);
  BOOST_TEST(!reg.key_security(hkcu, key("Missing")).ok());
}

// Creating a deep key creates every missing parent.
BOOST_AUTO_TEST_CASE(create_key_creates_missing_parents) {
  BOOST_TEST(reg.create_key(hkcu, key("P\\Q\\R")).value() == true);
  BOOST_TEST(reg.key_exists(hkcu, key("P")).value());
  BOOST_TEST(reg.key_exists(hkcu, key("P\\Q")).value());
  BOOST_TEST(reg.key_exists(hkcu, key("P\\Q\\R")).value());
}

// key_exists is false, not an error, for a missing key and for a key under a missing parent.
BOOST_AUTO_TEST_CASE(key_exists_is_false_for_missing_keys) {
  BOOST_TEST(reg.key_exists(hkcu, key("")).value() == true);
  BOOST_TEST(reg.key_exists(hkcu, key("Missing")).value() == false);
  BOOST_TEST(reg.key_exists(hkcu, key("Missing\\Child")).value() == false);
}

// A key without subkeys is deleted together with its values.
BOOST_AUTO_TEST_CASE(delete_key_removes_a_leaf_with_its_values) {
  BOOST_REQUIRE(reg.create_key(hkcu, key("Leaf")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key("Leaf"), "v", reg_dword(1)).ok());
  BOOST_TEST(reg.delete_key(hkcu, key("Leaf")).ok());
  BOOST_TEST(reg.key_exists(hkcu, key("Leaf")).value() == false);
}

// Deleting a missing key (or one under a missing parent) is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(delete_key_of_missing_key_is_file_not_found) {
  BOOST_TEST(code_of(reg.delete_key(hkcu, key("Missing"))) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.delete_key(hkcu, key("Missing\\Child"))) == win32_error::file_not_found);
}

// Deleting a key that still has subkeys is ERROR_ACCESS_DENIED and leaves it in place.
BOOST_AUTO_TEST_CASE(delete_key_with_subkeys_is_access_denied) {
  BOOST_REQUIRE(reg.create_key(hkcu, key("Parent\\Child")).ok());
  BOOST_TEST(code_of(reg.delete_key(hkcu, key("Parent"))) == win32_error::access_denied);
  BOOST_TEST(reg.key_exists(hkcu, key("Parent\\Child")).value());
}

// delete_tree removes the key, its subkeys at any depth and all values; siblings stay.
BOOST_AUTO_TEST_CASE(delete_tree_removes_the_whole_subtree) {
  BOOST_REQUIRE(reg.create_key(hkcu, key("Tree\\A\\B\\C")).ok());
  BOOST_REQUIRE(reg.create_key(hkcu, key("Tree\\D")).ok());
  BOOST_REQUIRE(reg.create_key(hkcu, key("Sibling")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key("Tree\\A"), "v", reg_sz("x")).ok());
  BOOST_TEST(reg.delete_tree(hkcu, key("Tree")).ok());
  BOOST_TEST(reg.key_exists(hkcu, key("Tree")).value() == false);
  BOOST_TEST(reg.key_exists(hkcu, key("Sibling")).value() == true);
}

// delete_tree of a missing key is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(delete_tree_of_missing_key_is_file_not_found) {
  BOOST_TEST(code_of(reg.delete_tree(hkcu, key("Missing"))) == win32_error::file_not_found);
}

// Key names compare case-insensitively (beyond ASCII) and keep the case they were created with.
BOOST_AUTO_TEST_CASE(key_names_are_case_insensitive_and_case_preserving) {
  BOOST_REQUIRE(reg.create_key(hkcu, key("MixedCase")).ok());
  BOOST_REQUIRE(reg.create_key(hkcu, key("\xC3\xA9t\xC3\xA9")).ok());  // "été"
  BOOST_TEST(reg.key_exists(hkcu, key("MIXEDCASE")).value());
  BOOST_TEST(reg.create_key(hkcu, key("mixedcase")).value() == false);
  BOOST_TEST(reg.create_key(hkcu, key("\xC3\x89T\xC3\x89")).value() == false);  // "ÉTÉ"
  BOOST_TEST(reg.list_subkeys(hkcu, key("")).value() == (Strings{"MixedCase", "\xC3\xA9t\xC3\xA9"}));
}

// Subkeys enumerate in case-insensitive alphabetical order, whatever order they were created in.
BOOST_AUTO_TEST_CASE(list_subkeys_is_case_insensitively_sorted) {
  for (const char* name : {"gamma", "Alpha", "beta", "Delta2", "delta1"}) {
    BOOST_REQUIRE(reg.create_key(hkcu, key(name)).ok());
  }
  BOOST_TEST(reg.list_subkeys(hkcu, key("")).value() == (Strings{"Alpha", "beta", "delta1", "Delta2", "gamma"}));
}

// A key without subkeys or values lists nothing (not an error).
BOOST_AUTO_TEST_CASE(empty_key_lists_nothing) {
  BOOST_TEST(reg.list_subkeys(hkcu, key("")).value().empty());
  BOOST_TEST(reg.list_values(hkcu, key("")).value().empty());
}

// Listing subkeys or values of a missing key is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(listing_a_missing_key_is_file_not_found) {
  BOOST_TEST(code_of(reg.list_subkeys(hkcu, key("Missing"))) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.list_values(hkcu, key("Missing"))) == win32_error::file_not_found);
}

// Doubled and trailing backslashes are ignored: "A\\B\" is the key A\B.
BOOST_AUTO_TEST_CASE(empty_path_components_are_ignored) {
  BOOST_TEST(reg.create_key(hkcu, key("A\\\\B\\")).value() == true);
  BOOST_TEST(reg.key_exists(hkcu, key("A\\B")).value());
  BOOST_TEST(reg.list_subkeys(hkcu, key("A")).value() == (Strings{"B"}));
}

// A path starting with a backslash is ERROR_BAD_PATHNAME (161) for creating and opening.
BOOST_AUTO_TEST_CASE(leading_backslash_is_bad_pathname) {
  BOOST_TEST(code_of(reg.create_key(hkcu, "\\" + key("X"))) == 161u);
  BOOST_TEST(code_of(reg.key_exists(hkcu, "\\" + key(""))) == 161u);
}

// '/' is an ordinary character in a key name, not a separator.
BOOST_AUTO_TEST_CASE(slash_is_part_of_the_key_name) {
  BOOST_REQUIRE(reg.create_key(hkcu, key("x/y")).ok());
  BOOST_TEST(reg.list_subkeys(hkcu, key("")).value() == (Strings{"x/y"}));
  BOOST_TEST(reg.key_exists(hkcu, key("x")).value() == false);
}

// Long key names (255 characters, the Windows maximum) enumerate in full.
BOOST_AUTO_TEST_CASE(long_key_names_enumerate_in_full) {
  const std::string long_name(255, 'k');
  BOOST_REQUIRE(reg.create_key(hkcu, key(long_name)).ok());
  BOOST_TEST(reg.list_subkeys(hkcu, key("")).value() == (Strings{long_name}));
}

// HKCR shows HKLM\SOFTWARE\Classes: a key created under HKCR is visible there.
BOOST_AUTO_TEST_CASE(classes_root_is_local_machine_software_classes) {
  const std::string name = "wsbkit-contract-test-" + unique_suffix();
  BOOST_REQUIRE(reg.create_key(RegistryRoot::classes_root, name + "\\Sub").ok());
  BOOST_TEST(reg.key_exists(RegistryRoot::local_machine, "SOFTWARE\\Classes\\" + name + "\\Sub").value());
  BOOST_TEST(reg.delete_tree(RegistryRoot::classes_root, name).ok());
  BOOST_TEST(reg.key_exists(RegistryRoot::local_machine, "SOFTWARE\\Classes\\" + name).value() == false);
}

// --- values ---

// Every value type round-trips byte for byte, including empty data, NULs inside binary data,
// unicode text and empty strings inside REG_MULTI_SZ.
BOOST_AUTO_TEST_CASE(values_round_trip_byte_exact) {
  const std::vector<std::pair<std::string, RegistryValue>> cases = {
      {"sz", reg_sz("hello")},
      {"sz_empty", reg_sz("")},
      {"sz_unicode", reg_sz("\xC3\x9C" "n\xC3\xAF" "c\xC3\xB8" "d\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")},
      {"expand_sz", reg_expand_sz("%SystemRoot%\\system32")},
      {"dword", reg_dword(0xDEADBEEF)},
      {"qword", RegistryValue{reg_type::qword, {1, 2, 3, 4, 5, 6, 7, 8}}},
      {"binary_with_nuls", reg_binary({0, 1, 0, 0, 255, 0})},
      {"binary_empty", reg_binary({})},
      {"multi_sz", reg_multi_sz({"first", "", "third", "\xE2\x82\xAC"})},
      {"multi_sz_empty", reg_multi_sz({})},
      {"none", RegistryValue{reg_type::none, {9, 9}}},
  };
  for (const auto& [name, value] : cases) {
    BOOST_TEST_CONTEXT("value " << name) {
      BOOST_REQUIRE(reg.set_value(hkcu, key(""), name, value).ok());
      const auto read = reg.get_value(hkcu, key(""), name);
      BOOST_REQUIRE(read.ok());
      BOOST_TEST(read->type == value.type);
      BOOST_TEST(read->data == value.data);
    }
  }
}

// A string value written without its terminating NUL (or with an odd byte count, or one byte) is
// stored exactly so, byte for byte, whatever the type: the backend never lets RegSetValueExW add a
// terminator (restoring an overwritten value must give back exactly what was there).
BOOST_AUTO_TEST_CASE(unterminated_strings_are_stored_byte_exact) {
  const std::vector<std::vector<std::uint8_t>> datas = {{'a', 0, 'b', 0}, {'a', 0, 'b'}, {'a'}, {'a', 0, 0, 0, 'b', 0}};
  for (const std::uint32_t type : {reg_type::sz, reg_type::expand_sz, reg_type::multi_sz, reg_type::binary}) {
    for (std::size_t i = 0; i < datas.size(); ++i) {
      BOOST_TEST_CONTEXT("type " << type << ", data " << i) {
        const std::string name = "s" + std::to_string(type) + "_" + std::to_string(i);
        BOOST_REQUIRE(reg.set_value(hkcu, key(""), name, RegistryValue{type, datas[i]}).ok());
        const auto read = reg.get_value(hkcu, key(""), name);
        BOOST_REQUIRE(read.ok());
        BOOST_TEST(read->type == type);
        BOOST_TEST(read->data == datas[i]);
      }
    }
  }
  BOOST_TEST(get_string(reg, hkcu, key(""), "s1_0").value() == "ab");  // typed reads tolerate the missing NUL
}

// A 1 MiB binary value round-trips (the backend grows its buffer as needed).
BOOST_AUTO_TEST_CASE(large_value_round_trips) {
  std::vector<std::uint8_t> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "big", reg_binary(data)).ok());
  BOOST_TEST((reg.get_value(hkcu, key(""), "big").value().data == data));
}

// The typed helpers read back what the typed constructors wrote.
BOOST_AUTO_TEST_CASE(typed_helpers_read_typed_values) {
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "s", reg_sz("Ledger \xE2\x82\xAC")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "e", reg_expand_sz("%TEMP%")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "d", reg_dword(42)).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "m", reg_multi_sz({"a", "", "c"})).ok());
  BOOST_TEST(get_string(reg, hkcu, key(""), "s").value() == "Ledger \xE2\x82\xAC");
  BOOST_TEST(get_string(reg, hkcu, key(""), "e").value() == "%TEMP%");
  BOOST_TEST(get_dword(reg, hkcu, key(""), "d").value() == 42u);
  BOOST_TEST(decode_multi_string(reg.get_value(hkcu, key(""), "m").value()).value() == (Strings{"a", "", "c"}));
}

// Reading a value as the wrong type is ERROR_UNSUPPORTED_TYPE naming the value; a missing value
// stays ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(typed_read_of_other_type_is_unsupported_type) {
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "d", reg_dword(1)).ok());
  const auto text = get_string(reg, hkcu, key(""), "d");
  BOOST_TEST(code_of(text) == error_unsupported_type);
  BOOST_TEST(text.error().object() == value_display(hkcu, key(""), "d"));
  BOOST_TEST(code_of(get_dword(reg, hkcu, key(""), "absent")) == win32_error::file_not_found);
}

// Setting an existing value replaces its type and data.
BOOST_AUTO_TEST_CASE(set_value_replaces_type_and_data) {
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "v", reg_sz("text")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "v", reg_dword(7)).ok());
  BOOST_TEST((reg.get_value(hkcu, key(""), "v").value() == reg_dword(7)));
  BOOST_TEST(reg.list_values(hkcu, key("")).value() == (Strings{"v"}));
}

// Value names compare case-insensitively; writing under another case keeps the first name.
BOOST_AUTO_TEST_CASE(value_names_are_case_insensitive_and_keep_first_case) {
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "DisplayName", reg_sz("one")).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "DISPLAYNAME", reg_sz("two")).ok());
  BOOST_TEST(get_string(reg, hkcu, key(""), "displayname").value() == "two");
  BOOST_TEST(reg.list_values(hkcu, key("")).value() == (Strings{"DisplayName"}));
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "\xC3\xA9", reg_dword(1)).ok());   // "é"
  BOOST_TEST(reg.get_value(hkcu, key(""), "\xC3\x89").ok());                     // "É"
}

// Values list by name, the default value as "" (order is not part of the contract: Windows keeps
// creation order, Wine sorts).
BOOST_AUTO_TEST_CASE(list_values_names_every_value_including_default) {
  for (const char* name : {"Zed", "alpha", "", "Mid"}) {
    BOOST_REQUIRE(reg.set_value(hkcu, key(""), name, reg_dword(1)).ok());
  }
  BOOST_TEST(sorted(reg.list_values(hkcu, key("")).value()) == (Strings{"", "Mid", "Zed", "alpha"}));
}

// A fresh key has no default value: reading "" is ERROR_FILE_NOT_FOUND until it is set.
BOOST_AUTO_TEST_CASE(default_value_is_absent_until_set) {
  BOOST_TEST(code_of(reg.get_value(hkcu, key(""), "")) == win32_error::file_not_found);
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "", reg_sz("default")).ok());
  BOOST_TEST(get_string(reg, hkcu, key(""), "").value() == "default");
}

// A deleted value is gone; deleting it again is ERROR_FILE_NOT_FOUND.
BOOST_AUTO_TEST_CASE(delete_value_removes_it_once) {
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "v", reg_dword(1)).ok());
  BOOST_REQUIRE(reg.set_value(hkcu, key(""), "w", reg_dword(2)).ok());
  BOOST_TEST(reg.delete_value(hkcu, key(""), "V").ok());
  BOOST_TEST(code_of(reg.get_value(hkcu, key(""), "v")) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.delete_value(hkcu, key(""), "v")) == win32_error::file_not_found);
  BOOST_TEST(reg.list_values(hkcu, key("")).value() == (Strings{"w"}));
}

// Value operations on a missing key are ERROR_FILE_NOT_FOUND, and set_value creates no key.
BOOST_AUTO_TEST_CASE(value_operations_on_missing_key_are_file_not_found) {
  BOOST_TEST(code_of(reg.get_value(hkcu, key("Missing"), "v")) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.set_value(hkcu, key("Missing"), "v", reg_dword(1))) == win32_error::file_not_found);
  BOOST_TEST(code_of(reg.delete_value(hkcu, key("Missing"), "v")) == win32_error::file_not_found);
  BOOST_TEST(reg.key_exists(hkcu, key("Missing")).value() == false);
}

// Errors name the API, the key (and value) and carry the system's message text.
BOOST_AUTO_TEST_CASE(errors_name_api_object_and_system_message) {
  const auto missing_value = reg.get_value(hkcu, key(""), "absent");
  BOOST_REQUIRE(!missing_value.ok());
  BOOST_TEST(missing_value.error().api() == "RegQueryValueExW");
  BOOST_TEST(missing_value.error().object() == value_display(hkcu, key(""), "absent"));
  BOOST_TEST(!missing_value.error().system_message().empty());
  const auto missing_key = reg.delete_key(hkcu, key("Missing"));
  BOOST_REQUIRE(!missing_key.ok());
  BOOST_TEST(missing_key.error().object() == "HKCU\\" + key("Missing"));
  BOOST_TEST(missing_key.error().message().find("error 2") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
