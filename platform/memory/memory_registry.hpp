// An in-memory Registry that behaves like Windows (checked by tests/contract against the Win32
// backend under Wine):
//  - key and value names compare case-insensitively (Unicode upper-casing, see windows_names.hpp)
//    and keep the case they were created with; setting an existing value under another case keeps
//    the first name;
//  - values are stored exactly as given (type and bytes; an unterminated string stays so, as the
//    Win32 backend stores it);
//  - subkeys enumerate in Windows' order (upper-cased names), values in creation order;
//  - paths: a leading '\' is ERROR_BAD_PATHNAME (161), empty components ("a\\b", "a\") are
//    ignored, '/' is an ordinary character; "" is the root itself;
//  - HKCR is HKLM\SOFTWARE\Classes (what Windows shows for keys no user has overridden);
//    HKLM\SOFTWARE, HKLM\SOFTWARE\Classes, HKLM\SYSTEM and HKCU\Software exist from the start;
//  - every key has a security descriptor (self-relative bytes): a key made by create_key gets its
//    parent's (the roots': owner Administrators, SYSTEM and Administrators full control, Users read,
//    container-inherit: what HKLM\SOFTWARE hands down), one made by create_key_with_security the
//    one given; an existing key keeps its own (no ACL is enforced: the caller is an administrator);
//  - errors where Windows gives them: ERROR_FILE_NOT_FOUND for a missing key or value (reads,
//    writes and deletes alike), ERROR_ACCESS_DENIED for deleting a key with subkeys or a root.
// A real backend, not a test double: the native (Linux) `wsbkit` keeps its registry here, and
// `snapshot()` gives the whole tree as a comparable value. Test controls (failure injection, a
// "not elevated" mode) live in mock::FakeRegistry, which builds on this class through the two
// protected hooks.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/error.hpp"
#include "platform/registry.hpp"

namespace wsbkit {

inline constexpr std::uint32_t error_bad_pathname = 161;

enum class RegistryOperation {
  create_key, key_exists, delete_key, delete_tree, list_subkeys, list_values, get_value, set_value, delete_value,
  key_security  // create_key_with_security is a create_key call
};

// One interface call, as failure predicates and the call log see it.
struct RegistryCall {
  RegistryOperation operation;
  RegistryRoot root;
  std::string path;
  std::string value_name;  // for the value operations
  bool is_write() const;
};

// "A\B" and "a\\b\" name the same key: whether `path` is `base` or below it.
bool registry_path_is_at_or_below(const std::string& path, const std::string& base);

// The whole registry as a comparable value: every key (depth first, Windows order) with its values
// (sorted by name), names in the case they were created with.
struct RegistrySnapshot {
  struct Key {
    std::string path;  // "HKLM\SOFTWARE\Vendor"
    std::vector<std::pair<std::string, RegistryValue>> values;
    bool operator==(const Key&) const = default;
  };
  std::vector<Key> keys;
  bool operator==(const RegistrySnapshot&) const = default;
};
std::ostream& operator<<(std::ostream& out, const RegistrySnapshot& snapshot);
// One line per difference ("+ key HKLM\X", "~ value HKLM\X, value \"v\""); empty when equal.
std::string describe_differences(const RegistrySnapshot& before, const RegistrySnapshot& after);

class MemoryRegistry : public Registry {
 public:
  MemoryRegistry();
  ~MemoryRegistry() override;

  Result<bool> create_key(RegistryRoot root, const std::string& path) override;
  Result<bool> key_exists(RegistryRoot root, const std::string& path) override;
  Result<void> delete_key(RegistryRoot root, const std::string& path) override;
  Result<void> delete_tree(RegistryRoot root, const std::string& path) override;
  Result<std::vector<std::string>> list_subkeys(RegistryRoot root, const std::string& path) override;
  Result<std::vector<std::string>> list_values(RegistryRoot root, const std::string& path) override;
  Result<RegistryValue> get_value(RegistryRoot root, const std::string& path, const std::string& name) override;
  Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                         const RegistryValue& value) override;
  Result<void> delete_value(RegistryRoot root, const std::string& path, const std::string& name) override;
  Result<bool> create_key_with_security(RegistryRoot root, const std::string& path,
                                        const std::vector<std::uint8_t>& security) override;
  Result<std::vector<std::uint8_t>> key_security(RegistryRoot root, const std::string& path) override;

  RegistrySnapshot snapshot() const;

 protected:
  // Called first by every interface call, under the registry's lock: an error fails the call
  // before anything changes (as when the real API fails). Default: none.
  virtual std::optional<Error> before_call(const RegistryCall& call, const char* api);
  // Whether writes to this root are refused with ERROR_ACCESS_DENIED (as for a process that is
  // not elevated). Default: never.
  virtual bool write_denied(RegistryRoot root) const;

 private:
  struct Node;
  struct Resolved;
  Result<Resolved> resolve(const char* api, RegistryRoot root, const std::string& path) const;
  Result<bool> create(RegistryRoot root, const std::string& path, const std::vector<std::uint8_t>* security);

  mutable std::mutex mutex_;
  std::unique_ptr<Node> local_machine_, current_user_, users_;
};

}  // namespace wsbkit
