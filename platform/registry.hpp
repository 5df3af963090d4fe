// Registry facility. Keys are addressed by root + backslash path ("SOFTWARE\\Microsoft\\...");
// the Win32 backend always uses the 64-bit view (KEY_WOW64_64KEY). Values are what Windows
// stores: a type and raw bytes, so a value read and written back is identical to the byte (what
// rollback needs); the typed helpers below convert REG_SZ & co. portably (UTF-16LE <-> UTF-8).
//
// Errors are those Windows gives: ERROR_FILE_NOT_FOUND for a missing key or value,
// ERROR_ACCESS_DENIED without the right, ERROR_UNSUPPORTED_TYPE (1630) for a typed read of a
// value of another type, ERROR_INVALID_DATA for malformed data of the right type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

enum class RegistryRoot { local_machine, classes_root, current_user, users };
// "HKLM", "HKCR", "HKCU", "HKU": how messages, plans and .reg files name a root.
std::string root_name(RegistryRoot root);

namespace reg_type {
inline constexpr std::uint32_t none = 0;
inline constexpr std::uint32_t sz = 1;
inline constexpr std::uint32_t expand_sz = 2;
inline constexpr std::uint32_t binary = 3;
inline constexpr std::uint32_t dword = 4;
inline constexpr std::uint32_t multi_sz = 7;
inline constexpr std::uint32_t qword = 11;
}  // namespace reg_type

inline constexpr std::uint32_t error_unsupported_type = 1630;

struct RegistryValue {
  std::uint32_t type = reg_type::none;
  std::vector<std::uint8_t> data;
  bool operator==(const RegistryValue&) const = default;
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Creates the key and any missing parents; true if it did not exist before.
  virtual Result<bool> create_key(RegistryRoot root, const std::string& path) = 0;
  // false (not an error) when the key does not exist.
  virtual Result<bool> key_exists(RegistryRoot root, const std::string& path) = 0;
  // Deletes a key that has no subkeys (ERROR_FILE_NOT_FOUND if absent, ERROR_ACCESS_DENIED if it
  // has subkeys, as RegDeleteKeyExW).
  virtual Result<void> delete_key(RegistryRoot root, const std::string& path) = 0;
  // Deletes the key with all its subkeys and values (ERROR_FILE_NOT_FOUND if absent).
  virtual Result<void> delete_tree(RegistryRoot root, const std::string& path) = 0;
  virtual Result<std::vector<std::string>> list_subkeys(RegistryRoot root, const std::string& path) = 0;
  // Value names; "" is the key's default value.
  virtual Result<std::vector<std::string>> list_values(RegistryRoot root, const std::string& path) = 0;
  virtual Result<RegistryValue> get_value(RegistryRoot root, const std::string& path,
                                          const std::string& name) = 0;
  // The key must exist (ERROR_FILE_NOT_FOUND otherwise): writing never creates keys implicitly.
  virtual Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                 const RegistryValue& value) = 0;
  virtual Result<void> delete_value(RegistryRoot root, const std::string& path,
                                    const std::string& name) = 0;

  // Protected keys (wsbkit's machine secrets). `security` is a self-relative security descriptor
  // (owner, group, DACL; core/registration/security_descriptor.hpp encodes SDDL): the key is
  // created with it as its own security (missing parents are created as create_key does, with
  // inherited security). A key that already exists keeps its security: false, nothing changed.
  virtual Result<bool> create_key_with_security(RegistryRoot root, const std::string& path,
                                                const std::vector<std::uint8_t>& security) = 0;
  // The key's owner, group and DACL as a self-relative security descriptor (RegGetKeySecurity).
  virtual Result<std::vector<std::uint8_t>> key_security(RegistryRoot root, const std::string& path) = 0;
};

// Typed values, encoded exactly as Windows stores them (UTF-16LE, NUL-terminated).
RegistryValue reg_sz(const std::string& utf8);
RegistryValue reg_expand_sz(const std::string& utf8);
RegistryValue reg_dword(std::uint32_t value);
RegistryValue reg_binary(std::vector<std::uint8_t> bytes);
RegistryValue reg_multi_sz(const std::vector<std::string>& utf8_strings);

// Decoding; ERROR_UNSUPPORTED_TYPE on a type mismatch. Strings tolerate a missing terminator,
// as RegGetValueW does.
Result<std::string> decode_string(const RegistryValue& value);          // REG_SZ or REG_EXPAND_SZ
Result<std::uint32_t> decode_dword(const RegistryValue& value);
Result<std::vector<std::string>> decode_multi_string(const RegistryValue& value);

Result<std::string> get_string(Registry& reg, RegistryRoot root, const std::string& path,
                               const std::string& name);
Result<std::uint32_t> get_dword(Registry& reg, RegistryRoot root, const std::string& path,
                                const std::string& name);

// "HKLM\SOFTWARE\x" for messages and plans.
std::string key_display(RegistryRoot root, const std::string& path);
// `HKLM\SOFTWARE\x, value "Name"`: the object of an error about one value.
std::string value_display(RegistryRoot root, const std::string& path, const std::string& name);

}  // namespace wsbkit
