// Security descriptors for COM's AppID LaunchPermission / AccessPermission values: SDDL in, the
// self-relative binary form out (and back, for `doctor` and `status`). Portable: no Win32 call, so
// the encoding is tested natively; tests/unit/sddl_win32_test.cpp proves it against
// ConvertStringSecurityDescriptorToSecurityDescriptorW under Wine.
//
// Accepted SDDL subset:
//   O:sid  G:sid  D:[P][AI][AR](ace)(ace)...        (S: — a SACL — is refused)
//   ace = type;flags;rights;;;sid  with type A (allow) or D (deny); flags any of OI CI NP IO ID SA
//   FA; rights 0xHEX or two-letter names (GA GR GW GX RC SD WD WO RP WP CC DC LC SW LO DT CR FA FR
//   FW FX KA KR KW KX); sid one of SY BA BO BU WD AU LS NS IU AN BG or a literal S-1-...
// The binary layout is Windows' (RtlMakeSelfRelativeSD's): the 20-byte header, then the DACL,
// the owner, the group. Wine's own converter puts owner and group first; the content is the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

// SYSTEM, Administrators: launch/activate locally and remotely; Backup Operators: locally.
inline constexpr std::string_view default_com_permission_sddl =
    "O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO)";

namespace sd_control {
inline constexpr std::uint16_t dacl_present = 0x0004;
inline constexpr std::uint16_t dacl_auto_inherit_req = 0x0100;
inline constexpr std::uint16_t dacl_auto_inherited = 0x0400;
inline constexpr std::uint16_t dacl_protected = 0x1000;
inline constexpr std::uint16_t self_relative = 0x8000;
}  // namespace sd_control

struct AccessControlEntry {
  std::uint8_t type = 0;  // 0 ACCESS_ALLOWED, 1 ACCESS_DENIED (others kept as read)
  std::uint8_t flags = 0;
  std::uint32_t mask = 0;
  std::string sid;  // "S-1-5-18"
  bool operator==(const AccessControlEntry&) const = default;
};

struct SecurityDescriptor {
  std::uint16_t control = sd_control::self_relative;
  std::optional<std::string> owner;  // "S-1-5-32-544"
  std::optional<std::string> group;
  std::optional<std::vector<AccessControlEntry>> dacl;  // nullopt: no DACL
  bool operator==(const SecurityDescriptor&) const = default;
};

// Errors: api "sddl", message = the rule broken and where ("unknown SID 'XX' at position 12").
Result<SecurityDescriptor> parse_sddl(std::string_view sddl);
std::vector<std::uint8_t> encode_self_relative(const SecurityDescriptor& sd);
Result<std::vector<std::uint8_t>> sddl_to_self_relative(std::string_view sddl);

// Reads a self-relative descriptor (any component order); ERROR_INVALID_DATA when malformed.
Result<SecurityDescriptor> decode_self_relative(const std::vector<std::uint8_t>& bytes);
// SDDL for display: aliases for the well-known SIDs above, rights in hex. ACE flag bits SDDL has no
// name for are shown in hex after the named ones ("CI0x20"): such text does not parse back.
std::string to_sddl(const SecurityDescriptor& sd);

// "S-1-5-32-544" <-> SID bytes (revision 1, big-endian 48-bit authority, little-endian RIDs).
Result<std::vector<std::uint8_t>> sid_to_bytes(std::string_view sid);

// The well-known SIDs that stand for "anyone" or "any user" (Everyone, Users, Authenticated
// Users, Interactive, Anonymous, Guests): `doctor` flags a permission that lets them launch or
// use the add-in.
bool is_broad_principal(std::string_view sid);

}  // namespace wsbkit
