// The portable SDDL -> self-relative security descriptor encoder (and decoder), natively. The
// same bytes are compared with Windows' converter under Wine in sddl_win32_test.cpp.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "core/registration/security_descriptor.hpp"

using namespace wsbkit;

namespace {

std::vector<std::uint8_t> hex(const std::string& text) {
  std::vector<std::uint8_t> bytes;
  std::istringstream in(text);
  std::string byte;
  while (std::getline(in, byte, ',')) bytes.push_back(static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
  return bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sddl)

// Windows' default DefaultLaunchPermission as found in a real registry export (regedit, Windows
// layout: DACL first, then owner and group) is what the encoder makes of its SDDL, byte for byte.
BOOST_AUTO_TEST_CASE(matches_a_blob_windows_wrote) {
  const auto windows = hex(
      "01,00,04,80,5c,00,00,00,6c,00,00,00,00,00,00,00,14,00,00,00,02,00,48,00,03,00,00,00,00,00,18,00,1f,00,00,00,"
      "01,02,00,00,00,00,00,05,20,00,00,00,20,02,00,00,00,00,14,00,1f,00,00,00,01,01,00,00,00,00,00,05,04,00,00,00,"
      "00,00,14,00,1f,00,00,00,01,01,00,00,00,00,00,05,12,00,00,00,01,02,00,00,00,00,00,05,20,00,00,00,20,02,00,00,"
      "01,02,00,00,00,00,00,05,20,00,00,00,20,02,00,00");
  auto ours = sddl_to_self_relative("O:BAG:BAD:(A;;0x1F;;;BA)(A;;0x1F;;;IU)(A;;0x1F;;;SY)");
  BOOST_REQUIRE(ours.ok());
  BOOST_TEST(*ours == windows, boost::test_tools::per_element());
  // And a deny ACE (an AppID LaunchPermission from another export).
  const auto deny = hex(
      "01,00,04,80,30,00,00,00,40,00,00,00,00,00,00,00,14,00,00,00,02,00,1c,00,01,00,00,00,01,00,14,00,1f,00,00,00,"
      "01,01,00,00,00,00,00,01,00,00,00,00,01,02,00,00,00,00,00,05,20,00,00,00,20,02,00,00,01,02,00,00,00,00,00,05,"
      "20,00,00,00,20,02,00,00");
  BOOST_TEST(sddl_to_self_relative("O:BAG:BAD:(D;;0x1F;;;WD)").value() == deny, boost::test_tools::per_element());
}

// The default permission (SYSTEM, Administrators, Backup Operators) encodes to the documented
// structure: header, DACL of three ACEs (76 bytes), owner BA, group BA; 128 bytes.
BOOST_AUTO_TEST_CASE(default_permission_layout) {
  const auto sd = sddl_to_self_relative(default_com_permission_sddl).value();
  BOOST_TEST(sd.size() == 128u);
  BOOST_TEST(sd[0] == 1);
  BOOST_TEST((sd[2] | (sd[3] << 8)) == 0x8004);  // self-relative, DACL present
  BOOST_TEST(sd[16] == 0x14);                     // DACL right after the header
  BOOST_TEST(sd[4] == 0x60);                      // owner after the 76-byte DACL
  BOOST_TEST(sd[8] == 0x70);
  BOOST_TEST(sd[20] == 2);                        // ACL_REVISION
  BOOST_TEST(sd[24] == 3);                        // three ACEs
}

// Names and hex spell the same rights; aliases and literals the same SIDs; flags map to bits.
BOOST_AUTO_TEST_CASE(equivalent_spellings_encode_identically) {
  BOOST_TEST(sddl_to_self_relative("D:(A;;CCDCLCSWRP;;;SY)").value() == sddl_to_self_relative("D:(A;;0x1F;;;SY)").value());
  BOOST_TEST(sddl_to_self_relative("O:S-1-5-32-544G:S-1-5-18D:(A;;0x1;;;S-1-1-0)").value() ==
             sddl_to_self_relative("O:BAG:SYD:(A;;0x1;;;WD)").value());
  BOOST_TEST(sddl_to_self_relative("D:(A;;GA;;;BA)").value() == sddl_to_self_relative("D:(A;;0x10000000;;;BA)").value());
  auto flags = parse_sddl("D:PAI(A;OICI;FA;;;SY)").value();
  BOOST_TEST(flags.control == (sd_control::self_relative | sd_control::dacl_present | sd_control::dacl_protected |
                               sd_control::dacl_auto_inherited));
  BOOST_TEST(flags.dacl->at(0).flags == 0x03);
  BOOST_TEST(flags.dacl->at(0).mask == 0x1F01FFu);
}

// Decoding gives back what was encoded, for Windows' layout and for Wine's (owner first).
BOOST_AUTO_TEST_CASE(decode_round_trips_and_reads_any_layout) {
  for (const char* text : {"O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)", "D:", "O:SY", "G:BU",
                           "O:S-1-5-21-1-2-3-500D:P(D;;GA;;;AU)(A;OICI;0x7;;;S-1-5-21-1-2-3-500)"}) {
    const auto sd = parse_sddl(text).value();
    auto decoded = decode_self_relative(encode_self_relative(sd));
    BOOST_REQUIRE_MESSAGE(decoded.ok(), text);
    BOOST_TEST((*decoded == sd), text);
  }
  // Wine's ConvertStringSecurityDescriptorToSecurityDescriptorW output for 'D:(A;;CCDCLC;;;WD)'.
  const auto wine = hex("01,00,04,80,00,00,00,00,00,00,00,00,00,00,00,00,14,00,00,00,02,00,1c,00,01,00,00,00,00,00,"
                        "14,00,07,00,00,00,01,01,00,00,00,00,00,01,00,00,00,00");
  BOOST_TEST(to_sddl(decode_self_relative(wine).value()) == "D:(A;;0x7;;;WD)");
  BOOST_TEST(to_sddl(parse_sddl(default_com_permission_sddl).value()) == "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)");
}

// An ACE flag bit SDDL has no name for (0x20) is shown in hex, never dropped from the display
// (found by the fuzz target sddl; its input is tests/fuzz/regressions/sddl/).
BOOST_AUTO_TEST_CASE(unnamed_ace_flags_are_shown_not_dropped) {
  auto bytes = sddl_to_self_relative("D:(D;CI;0x1;;;WD)").value();
  bytes[20 + 8 + 1] = 0x02 | 0x20;  // the first ACE's flags: CI and the unnamed 0x20
  const auto shown = to_sddl(decode_self_relative(bytes).value());
  BOOST_TEST(shown == "D:(D;CI0x20;0x1;;;WD)");
  BOOST_TEST(!parse_sddl(shown).ok());
}

// Malformed descriptors are refused by the decoder, not read past their end.
BOOST_AUTO_TEST_CASE(decoder_refuses_malformed_bytes) {
  const auto good = sddl_to_self_relative(default_com_permission_sddl).value();
  BOOST_TEST(!decode_self_relative({}).ok());
  BOOST_TEST(!decode_self_relative(std::vector<std::uint8_t>(good.begin(), good.begin() + 60)).ok());
  auto bad_offset = good;
  bad_offset[4] = 0xF0;  // owner past the end
  BOOST_TEST(!decode_self_relative(bad_offset).ok());
  auto absolute = good;
  absolute[3] = 0x00;  // not self-relative
  BOOST_TEST(!decode_self_relative(absolute).ok());
  // A DACL offset near 4 GiB must not wrap past the bounds checks (found by the fuzz target sddl,
  // an out-of-bounds read under ASan; its input is in tests/fuzz/regressions/sddl/).
  for (const std::uint8_t low : {0xF8, 0xFC, 0xFD, 0xFF}) {
    auto wrapping = good;
    wrapping[16] = low;
    wrapping[17] = wrapping[18] = wrapping[19] = 0xFF;
    BOOST_TEST(!decode_self_relative(wrapping).ok());
  }
}

// Every malformed SDDL is refused with a message naming the rule and the position.
BOOST_AUTO_TEST_CASE(malformed_sddl_is_refused_with_the_rule_and_position) {
  const std::vector<std::pair<std::string, std::string>> rows{
      {"", "is empty"},
      {"X:BA", "unknown component"},
      {"O:XX", "unknown or malformed SID 'XX' at position 3"},
      {"O:BAO:SY", "second O:"},
      {"S:(AU;SA;0x1;;;WD)", "SACL"},
      {"D:(A;;0x1F;;;SY", "without ')'"},
      {"D:(A;;0x1F;;SY)", "5 fields"},
      {"D:(OA;;0x1F;;;SY)", "unsupported ACE type 'OA'"},
      {"D:(A;ZZ;0x1F;;;SY)", "unknown ACE flag 'ZZ'"},
      {"D:(A;;QQ;;;SY)", "unknown rights 'QQ'"},
      {"D:(A;;0xZZ;;;SY)", "malformed rights"},
      {"D:(A;;;;;SY)", "without rights"},
      {"D:(A;;0x1;a;;SY)", "object ACE"},
      {"D:(A;;0x1;;;S-1-5)", "unknown or malformed SID"},
      {"D:(A;;0x1;;;S-2-5-18)", "unknown or malformed SID"},
      {"D:(A;;0x1;;;S-1-5-99999999999)", "unknown or malformed SID"},
      {"D:Q(A;;0x1;;;SY)", "unknown DACL flag"},
      {"D:(A;;0x1;;;SY)junk", "component"},
  };
  for (const auto& [text, rule] : rows) {
    auto result = parse_sddl(text);
    BOOST_REQUIRE_MESSAGE(!result.ok(), "accepted: " << text);
    BOOST_TEST(result.error().api() == "sddl");
    BOOST_TEST(result.error().system_message().find(rule) != std::string::npos,
               text << " -> " << result.error().system_message());
  }
}

// Everyone, Users, Authenticated Users, Interactive, Anonymous and Guests count as "any user".
BOOST_AUTO_TEST_CASE(broad_principals) {
  for (const char* sid : {"S-1-1-0", "S-1-5-32-545", "S-1-5-11", "S-1-5-4", "S-1-5-7", "S-1-5-32-546"}) {
    BOOST_TEST(is_broad_principal(sid), sid);
  }
  for (const char* sid : {"S-1-5-18", "S-1-5-32-544", "S-1-5-32-551", "S-1-5-21-1-2-3-500"}) {
    BOOST_TEST(!is_broad_principal(sid), sid);
  }
}

BOOST_AUTO_TEST_SUITE_END()
