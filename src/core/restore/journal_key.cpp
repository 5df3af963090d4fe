#include "core/restore/journal_key.hpp"

#include "core/registration/security_descriptor.hpp"
#include "platform/file_security.hpp"
#include "platform/random.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr RegistryRoot hklm = RegistryRoot::local_machine;
constexpr std::uint8_t inherit_only = 0x08;

bool is_admin_or_system(const std::string& sid) {
  return iequals(sid, well_known_sid::system) || iequals(sid, well_known_sid::administrators);
}

Error refused(const std::string& why) {
  return Error::win32(win32_error::access_denied, "journal key", key_display(hklm, std::string(journal_key_path)), why);
}

Result<std::string> new_secret(Registry& registry) {
  auto secret = random_bytes(journal_key_size);
  if (!secret) return secret.error();
  const std::vector<std::uint8_t> bytes(secret->begin(), secret->end());
  if (auto r = registry.set_value(hklm, std::string(journal_key_path), std::string(journal_key_value), reg_binary(bytes)); !r) {
    return r.error();
  }
  return secret;
}

}  // namespace

std::string journal_key_security_problem(const std::vector<std::uint8_t>& descriptor) {
  auto sd = decode_self_relative(descriptor);
  if (!sd) return "its security descriptor cannot be read: " + sd.error().message();
  if (!sd->owner || !is_admin_or_system(*sd->owner)) return "it is owned by " + sd->owner.value_or("nobody") + ", not by SYSTEM or Administrators";
  if (!sd->dacl) return "it has no DACL (everyone may use it)";
  for (const AccessControlEntry& ace : *sd->dacl) {
    if (ace.type == 1 || (ace.flags & inherit_only) != 0 || ace.mask == 0) continue;  // deny, or for subkeys only
    if (ace.type != 0) return "its DACL holds an ACE of type " + std::to_string(ace.type) + " wsbkit does not evaluate";
    if (!is_admin_or_system(ace.sid)) return "its DACL grants " + ace.sid + " access (only SYSTEM and Administrators may read it)";
  }
  return {};
}

Result<std::string> load_or_create_journal_key(Registry& registry) {
  const std::string path(journal_key_path);
  auto sddl = sddl_to_self_relative(journal_key_sddl);
  if (!sddl) return sddl.error();
  if (auto created = registry.create_key_with_security(hklm, path, *sddl); !created) return created.error();
  auto security = registry.key_security(hklm, path);
  if (!security) return security.error();
  if (std::string problem = journal_key_security_problem(*security); !problem.empty()) {
    return refused("refused: " + problem + "; the journal key must be readable by SYSTEM and Administrators only");
  }
  auto value = registry.get_value(hklm, path, std::string(journal_key_value));
  if (!value && value.error().win32_code() == win32_error::file_not_found) return new_secret(registry);
  if (!value) return value.error();
  if (value->type != reg_type::binary || value->data.size() != journal_key_size) {
    return refused("refused: value \"Key\" is not " + std::to_string(journal_key_size) + " bytes of REG_BINARY");
  }
  return std::string(value->data.begin(), value->data.end());
}

}  // namespace wsbkit
