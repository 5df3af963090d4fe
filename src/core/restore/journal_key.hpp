// The machine's journal key: 32 random bytes that authenticate every journal record (HMAC-SHA-256,
// core/restore/journal.hpp), kept in the registry where only SYSTEM and Administrators can read or
// change it: HKLM\SOFTWARE\wsbkit\JournalKey, value "Key" (REG_BINARY), a key created with a
// protected DACL (journal_key_sddl). Whoever cannot read the key cannot make a journal the add-in
// accepts, so a planted or edited journal is refused even where file ACLs are not enforced.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/registry.hpp"

namespace wsbkit {

inline constexpr std::string_view journal_key_path = "SOFTWARE\\wsbkit\\JournalKey";
inline constexpr std::string_view journal_key_value = "Key";
inline constexpr std::string_view journal_key_sddl = "O:BAG:SYD:P(A;;KA;;;SY)(A;;KA;;;BA)";
inline constexpr std::size_t journal_key_size = 32;

// Why the registry key's security (a self-relative descriptor) lets someone other than SYSTEM or
// Administrators use the key itself (own it, read it, change it); empty when it does not. Inherit-
// only ACEs are for subkeys and do not count; a DACL that cannot be read counts as a problem.
std::string journal_key_security_problem(const std::vector<std::uint8_t>& descriptor);

// The key's bytes, creating the registry key (protected) and the secret (random) on first use.
// Refused (ERROR_ACCESS_DENIED, the reason in the message) when the registry key's security fails
// journal_key_security_problem or the secret is not 32 bytes of REG_BINARY: nothing is created or
// replaced then (a secret others could read is no secret; making a new one would strand journals).
Result<std::string> load_or_create_journal_key(Registry& registry);

}  // namespace wsbkit
