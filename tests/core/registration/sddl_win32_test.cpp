// Windows only (run under Wine): the portable SDDL encoder against the system's own
// ConvertStringSecurityDescriptorToSecurityDescriptorW, for a table of SDDL strings.
//
// Windows lays a self-relative descriptor out as RtlMakeSelfRelativeSD does (header, SACL, DACL,
// owner, group: see the blobs in sddl_test.cpp, taken from Windows registry exports); Wine's
// converter puts owner and group first. So each system descriptor is first re-laid out in
// Windows' order (components copied byte for byte, offsets recomputed) and then compared with
// ours over every byte. Windows' own APIs must also accept ours as it is.
#include <boost/test/unit_test.hpp>

#include "core/registration/security_descriptor.hpp"
#include "platform/win32/windows.hpp"

#include <sddl.h>

using namespace wsbkit;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint32_t get32(const Bytes& b, std::size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
void set32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// The same descriptor in Windows' component order: DACL, owner, group (no SACL in our subset).
Bytes windows_layout(const Bytes& sd) {
  Bytes out(sd.begin(), sd.begin() + 20);
  for (std::size_t field = 4; field <= 16; field += 4) set32(out, field, 0);
  const auto copy = [&](std::size_t field, std::size_t size) {
    const std::uint32_t at = get32(sd, field);
    if (!at) return;
    set32(out, field, static_cast<std::uint32_t>(out.size()));
    out.insert(out.end(), sd.begin() + at, sd.begin() + at + size);
  };
  const auto sid_size = [&](std::size_t field) { return get32(sd, field) ? 8u + 4u * sd[get32(sd, field) + 1] : 0u; };
  const std::uint32_t dacl = get32(sd, 16);
  copy(16, dacl ? (sd[dacl + 2] | (sd[dacl + 3] << 8)) : 0);
  copy(4, sid_size(4));
  copy(8, sid_size(8));
  return out;
}

struct SystemSd {
  Bytes bytes;
  DWORD error = 0;
};

SystemSd convert(const std::string& sddl) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  ULONG size = 0;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(win32::widen(sddl).c_str(), SDDL_REVISION_1, &sd, &size)) {
    return {{}, GetLastError()};
  }
  SystemSd result{Bytes(static_cast<std::uint8_t*>(sd), static_cast<std::uint8_t*>(sd) + size), 0};
  LocalFree(sd);
  return result;
}

std::string to_string_sd(Bytes bytes) {
  LPWSTR text = nullptr;
  const SECURITY_INFORMATION all = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(bytes.data(), SDDL_REVISION_1, all, &text, nullptr)) {
    return "<error " + std::to_string(GetLastError()) + ">";
  }
  std::string s = win32::narrow(text);
  LocalFree(text);
  return s;
}

const std::vector<std::string> table{
    std::string(default_com_permission_sddl),
    "O:BAG:BAD:(A;;0x1F;;;BA)(A;;0x1F;;;IU)(A;;0x1F;;;SY)",
    "O:BAG:BAD:(D;;0x1F;;;WD)",
    "D:(A;;CCDCLC;;;WD)",
    "D:(A;;CCDCLCSWRP;;;SY)(A;;0x3;;;BO)",
    "O:SYD:P(D;;GA;;;AU)(A;OICI;0x7;;;S-1-5-21-1-2-3-500)",
    "O:S-1-5-32-544G:S-1-5-18D:AI(A;;GRGX;;;LS)(A;;KA;;;NS)(D;CI;FA;;;BU)",
    "D:",
    "O:BO",
    "G:AN",
    "O:BAG:BA",
    "D:PAR(A;NPIO;0x80000000;;;BG)(A;ID;CR;;;S-1-5-11)",
    "O:S-1-5-21-4294967295-1-2-3G:BAD:(A;;0xFFFFFFFF;;;S-1-5-21-4294967295-1-2-3)",
    "D:(A;;SDRCWDWO;;;SY)(A;;FRFWFX;;;BA)(A;;KRKWKX;;;BO)",
    "D:(A;;RPWPCCDCLCSWLODTCR;;;SY)(A;;GW;;;IU)",
    "O:BUG:BUD:(A;;0x1;;;S-1-5-32-551)(A;;0x2;;;S-1-1-0)(A;;0x4;;;S-1-5-18)",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sddl_win32)

// For every SDDL of the table: same bytes as the system's converter (in Windows' layout).
BOOST_AUTO_TEST_CASE(encoder_matches_the_system_converter_byte_for_byte) {
  for (const auto& sddl : table) {
    const SystemSd system = convert(sddl);
    BOOST_REQUIRE_MESSAGE(system.error == 0, sddl << ": the system refused it (" << system.error << ")");
    auto ours = sddl_to_self_relative(sddl);
    BOOST_REQUIRE_MESSAGE(ours.ok(), sddl << ": " << (ours.ok() ? "" : ours.error().message()));
    BOOST_TEST(*ours == windows_layout(system.bytes), sddl);
    BOOST_TEST(ours->size() == system.bytes.size(), sddl);
  }
  BOOST_TEST_MESSAGE(table.size() << " SDDL strings encoded identically");
}

// The system reads our bytes as they are: valid, same length, same SDDL back as for its own.
BOOST_AUTO_TEST_CASE(system_accepts_our_descriptors) {
  for (const auto& sddl : table) {
    Bytes ours = sddl_to_self_relative(sddl).value();
    BOOST_TEST(IsValidSecurityDescriptor(ours.data()), sddl);
    BOOST_TEST(GetSecurityDescriptorLength(ours.data()) == ours.size(), sddl);
    BOOST_TEST(to_string_sd(ours) == to_string_sd(convert(sddl).bytes), sddl);
    BOOST_TEST((decode_self_relative(ours).value() == decode_self_relative(convert(sddl).bytes).value()), sddl);
  }
}

// Malformed strings that the encoder refuses, the system refuses too.
BOOST_AUTO_TEST_CASE(both_refuse_malformed_strings) {
  for (const char* sddl : {"O:XX", "D:(A;;0x1F;;;SY", "D:(A;;QQ;;;SY)", "D:(A;;0x1;;;S-2-5-18)", "D:(Z;;0x1;;;SY)"}) {
    BOOST_TEST(!sddl_to_self_relative(sddl).ok(), sddl);
    BOOST_TEST(convert(sddl).error != 0u, sddl);
  }
}

BOOST_AUTO_TEST_SUITE_END()
