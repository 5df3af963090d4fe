// .reg files as regedit writes them: header, UTF-16LE with BOM, escaping, dword/hex encodings and
// regedit's line wrapping (checked against lines from a real Windows export).
#include <boost/test/unit_test.hpp>

#include "core/registration/reg_file.hpp"
#include "core/registration/security_descriptor.hpp"

using namespace wsbkit;

BOOST_AUTO_TEST_SUITE(reg_file)

// The file: header, blank line, one [key] block per key each followed by a blank line, CRLF.
BOOST_AUTO_TEST_CASE(file_layout) {
  const std::vector<RegFileKey> keys{
      {RegistryRoot::local_machine, "SOFTWARE\\A", {{"", reg_sz("x")}}},
      {RegistryRoot::classes_root, "CLSID\\{1}", {}},
  };
  BOOST_TEST(reg_file_text(keys).value() ==
             "Windows Registry Editor Version 5.00\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\r\n@=\"x\"\r\n\r\n"
             "[HKEY_CLASSES_ROOT\\CLSID\\{1}]\r\n\r\n");
  BOOST_TEST(reg_file_text({}, {"made by a test"}).value() == "Windows Registry Editor Version 5.00\r\n\r\n; made by a test\r\n\r\n");
}

// A comment's lines are comment lines each: a line break in it (an identifier from a policy, say)
// cannot start a key or a value of its own (found by the fuzz target reg_file).
BOOST_AUTO_TEST_CASE(every_line_of_a_comment_stays_a_comment) {
  BOOST_TEST(reg_file_text({}, {"a\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Evil]\n\"x\"=\"y\"\rb"}).value() ==
             "Windows Registry Editor Version 5.00\r\n\r\n; a\r\n; [HKEY_LOCAL_MACHINE\\SOFTWARE\\Evil]\r\n"
             "; \"x\"=\"y\"\r\n; b\r\n\r\n");
}

// A key path or value name holding a CR or LF cannot be written (regedit has no escape for it):
// refused with a message, no file text (found by the fuzz target reg_file).
BOOST_AUTO_TEST_CASE(line_breaks_in_key_paths_and_value_names_are_refused) {
  const auto path = reg_file_text({{RegistryRoot::local_machine, "SOFTWARE\\A\r\nB", {}}});
  BOOST_REQUIRE(!path.ok());
  BOOST_TEST(path.error().message().find("line break") != std::string::npos, path.error().message());
  BOOST_TEST(!reg_file_text({{RegistryRoot::local_machine, "SOFTWARE\\A", {{"x\ny", reg_sz("v")}}}}).ok());
  BOOST_TEST(!reg_file_text({{RegistryRoot::local_machine, "SOFTWARE\\A", {{"x\r", reg_sz("v")}}}}).ok());
}

// UTF-16LE with a byte order mark, non-ASCII included.
BOOST_AUTO_TEST_CASE(utf16le_with_bom_encoding) {
  BOOST_TEST(utf16le_with_bom("A\xC3\xA9") == std::string("\xFF\xFE" "A\0\xE9\0", 6));
}

// Strings: backslash and quote escaped, in names and data; the default value is @.
BOOST_AUTO_TEST_CASE(string_values_are_escaped) {
  BOOST_TEST(reg_file_value("", reg_sz("\"C:\\wsbkit\\wsbkit-addin.exe\" --clsid {X}")) ==
             "@=\"\\\"C:\\\\wsbkit\\\\wsbkit-addin.exe\\\" --clsid {X}\"");
  BOOST_TEST(reg_file_value("Application Identifier", reg_sz("Grand livre \xC3\xA9")) ==
             "\"Application Identifier\"=\"Grand livre \xC3\xA9\"");
  BOOST_TEST(reg_file_value("a\"b", reg_sz("")) == "\"a\\\"b\"=\"\"");
}

// dword in 8 lower-case hex digits; hex(2), hex(7), hex(b), hex(0) for the other types.
BOOST_AUTO_TEST_CASE(typed_encodings) {
  BOOST_TEST(reg_file_value("ProxyStub", reg_dword(1)) == "\"ProxyStub\"=dword:00000001");
  BOOST_TEST(reg_file_value("d", reg_dword(0xDEADBEEF)) == "\"d\"=dword:deadbeef");
  BOOST_TEST(reg_file_value("e", reg_expand_sz("%A%")) == "\"e\"=hex(2):25,00,41,00,25,00,00,00");
  BOOST_TEST(reg_file_value("m", reg_multi_sz({"a", "b"})) == "\"m\"=hex(7):61,00,00,00,62,00,00,00,00,00");
  BOOST_TEST(reg_file_value("q", RegistryValue{reg_type::qword, {1, 0, 0, 0, 0, 0, 0, 0}}) ==
             "\"q\"=hex(b):01,00,00,00,00,00,00,00");
  BOOST_TEST(reg_file_value("n", RegistryValue{reg_type::none, {}}) == "\"n\"=hex(0):");
  BOOST_TEST(reg_file_value("b", reg_binary({})) == "\"b\"=hex:");
  BOOST_TEST(reg_file_value("b", reg_binary({0xAB})) == "\"b\"=hex:ab");
}

// Strings regedit cannot write as "text" (no terminator, embedded NUL, line break) go as hex(1),
// and a dword of the wrong size as hex(4): exactly what is stored, nothing lost.
BOOST_AUTO_TEST_CASE(unprintable_data_falls_back_to_hex) {
  BOOST_TEST(reg_file_value("s", RegistryValue{reg_type::sz, {'a', 0}}) == "\"s\"=hex(1):61,00");
  BOOST_TEST(reg_file_value("s", RegistryValue{reg_type::sz, {'a', 0, 0, 0, 'b', 0, 0, 0}}) ==
             "\"s\"=hex(1):61,00,00,00,62,00,00,00");
  BOOST_TEST(reg_file_value("s", reg_sz("a\nb")) == "\"s\"=hex(1):61,00,0a,00,62,00,00,00");
  BOOST_TEST(reg_file_value("d", RegistryValue{reg_type::dword, {1, 2}}) == "\"d\"=hex(4):01,02");
}

// Long hex data wraps as regedit does: ",\" then two spaces, at 77 columns (these four lines are
// from an export Windows' regedit wrote).
BOOST_AUTO_TEST_CASE(hex_lines_wrap_like_regedit) {
  const auto sd = sddl_to_self_relative("O:BAG:BAD:(D;;0x1F;;;WD)").value();
  BOOST_TEST(reg_file_value("LaunchPermission", reg_binary(sd)) ==
             "\"LaunchPermission\"=hex:01,00,04,80,30,00,00,00,40,00,00,00,00,00,00,00,14,00,\\\r\n"
             "  00,00,02,00,1c,00,01,00,00,00,01,00,14,00,1f,00,00,00,01,01,00,00,00,00,00,\\\r\n"
             "  01,00,00,00,00,01,02,00,00,00,00,00,05,20,00,00,00,20,02,00,00,01,02,00,00,\\\r\n"
             "  00,00,00,05,20,00,00,00,20,02,00,00");
  // A longer name wraps earlier (first line: 16 bytes after `"DefaultLaunchPermission"=hex:`).
  const auto line = reg_file_value("DefaultLaunchPermission", reg_binary(std::vector<std::uint8_t>(20, 0)));
  BOOST_TEST(line.substr(0, line.find('\r')) ==
             "\"DefaultLaunchPermission\"=hex:00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,\\");
}

BOOST_AUTO_TEST_SUITE_END()
