// An in-memory Registry that behaves like Windows (checked by tests/contract against the Win32
// backend under Wine):
//  - key and value names compare case-insensitively (Unicode upper-casing, see windows_names.hpp)
//    and keep the case they were created with; setting an existing value under another case keeps
//    the first name;
//  - subkeys enumerate in Windows' order (upper-cased names), values in creation order;
//  - paths: a leading '\' is ERROR_BAD_PATHNAME (161), empty components ("a\\b", "a\") are
//    ignored, '/' is an ordinary character; "" is the root itself;
//  - HKCR is HKLM\SOFTWARE\Classes (what Windows shows for keys no user has overridden);
//    HKLM\SOFTWARE, HKLM\SOFTWARE\Classes, HKLM\SYSTEM and HKCU\Software exist from the start;
//  - errors where Windows gives them: ERROR_FILE_NOT_FOUND for a missing key or value (reads,
//    writes and deletes alike), ERROR_ACCESS_DENIED for deleting a key with subkeys or a root.
// Test controls: failure injection at the N-th interface call or by predicate, a "not elevated"
// mode (writes to HKLM/HKCR fail with ERROR_ACCESS_DENIED, as for a non-admin process), the call
// log, and snapshots to assert "registry identical to before".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mock/fault_injection.hpp"
#include "platform/registry.hpp"

namespace wsbkit::mock {

inline constexpr std::uint32_t error_bad_pathname = 161;

enum class RegistryOperation {
  create_key, key_exists, delete_key, delete_tree, list_subkeys, list_values, get_value, set_value, delete_value
};

// One interface call, as failure predicates and the call log see it.
struct RegistryCall {
  RegistryOperation operation;
  RegistryRoot root;
  std::string path;
  std::string value_name;  // for the value operations
  bool is_write() const;
};

// Predicate: a write (create/delete key or tree, set/delete value) to `path` or below it.
FaultInjector<RegistryCall>::Predicate writes_under(RegistryRoot root, std::string path);

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

class FakeRegistry final : public Registry {
 public:
  FakeRegistry();
  ~FakeRegistry() override;

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

  // --- test controls (not counted as calls) ---
  // Failure injection: see FaultInjector. Call numbers count every interface call since construction.
  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code = win32_error::access_denied);
  void fail_when(FaultInjector<RegistryCall>::Predicate predicate,
                 std::uint32_t win32_code = win32_error::access_denied);
  void clear_faults();
  std::uint64_t call_count() const;
  std::vector<RegistryCall> calls() const;
  // Not elevated: every write to HKLM or HKCR fails with ERROR_ACCESS_DENIED (reads still work,
  // and creating a key that already exists still succeeds, as with KEY_QUERY_VALUE access).
  void set_elevated(bool elevated);
  RegistrySnapshot snapshot() const;

 private:
  struct Node;
  struct Resolved;
  Result<Resolved> resolve(const char* api, RegistryRoot root, const std::string& path) const;
  std::optional<Error> check_call(const RegistryCall& call, const char* api);
  bool write_denied(RegistryRoot root) const;

  mutable std::mutex mutex_;
  std::unique_ptr<Node> local_machine_, current_user_, users_;
  FaultInjector<RegistryCall> faults_;
  bool elevated_ = true;
};

}  // namespace wsbkit::mock
