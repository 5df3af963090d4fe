// All-or-nothing changes to the registry (and to the add-in's Windows service). Each operation
// reads the prior state before it changes anything and records the effective change (kind, key,
// value, old -> new); the first failure undoes everything already done, in reverse, restoring
// overwritten values exactly (type and bytes) and deleted trees key by key.
//
// Plan mode runs the very same operations against an overlay of the registry instead: nothing is
// written, later steps see the keys and values earlier steps would have created, and the change
// list is what a real run starting from the same state records. That is how `--dry-run` prints the
// exact plan: one code path for the plan and for the change.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

// A key's full content, for restoring a deleted tree.
struct RegistryTree {
  std::string name;
  std::vector<std::pair<std::string, RegistryValue>> values;
  std::vector<RegistryTree> subkeys;
};
// Key paths ('\'-separated): the parent ("" for a top-level key) and the last component.
std::string parent_key(const std::string& path);
std::string key_leaf(const std::string& path);

Result<RegistryTree> read_tree(Registry& reg, RegistryRoot root, const std::string& path);
Result<void> write_tree(Registry& reg, RegistryRoot root, const std::string& path, const RegistryTree& tree);

enum class ChangeKind { create_key, delete_key, set_value, delete_value, create_service, delete_service };

// One effective change. A deleted tree is recorded key by key and value by value (deepest first),
// so the list says exactly what disappears.
struct Change {
  ChangeKind kind = ChangeKind::create_key;
  RegistryRoot root = RegistryRoot::local_machine;
  std::string path;                           // the key, or the service's name
  std::string value_name;                     // set_value / delete_value ("" = default value)
  std::optional<RegistryValue> old_value;     // set_value over an existing value, delete_value
  std::optional<RegistryValue> new_value;     // set_value
  std::optional<ServiceDefinition> service;   // create_service / delete_service
  bool operator==(const Change&) const = default;
};

// One line for plans and reports: `+ key HKLM\X`, `~ value HKLM\X "v": REG_SZ "a" -> REG_SZ "b"`.
std::string describe(const Change& change);
// How plans show a value: REG_SZ "text", REG_DWORD 0x00000001, REG_BINARY 01 00 ...
std::string describe(const RegistryValue& value);

enum class TransactionMode { apply, plan };

// A change that rollback could not undo (it is still in place), and why.
struct UndoFailure {
  Change change;
  Error error;
};

class RegistryTransaction {
 public:
  // `services` is needed only for the service operations.
  explicit RegistryTransaction(Registry& reg, TransactionMode mode = TransactionMode::apply,
                               ServiceControl* services = nullptr);
  ~RegistryTransaction();  // rolls back unless committed
  RegistryTransaction(const RegistryTransaction&) = delete;
  RegistryTransaction& operator=(const RegistryTransaction&) = delete;

  bool planning() const { return mode_ == TransactionMode::plan; }
  // The registry as this transaction sees it: read through this between steps (in plan mode it
  // shows what the earlier steps would have done).
  Registry& view();

  // Creates the key and missing parents (one create_key change per key created, outermost first;
  // undo deletes exactly the keys it created).
  Result<void> create_key(RegistryRoot root, const std::string& path);
  Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                         const RegistryValue& value);
  // Absent values are not an error (and no change).
  Result<void> delete_value(RegistryRoot root, const std::string& path, const std::string& name);
  // Deletes one key that has no subkeys (ERROR_ACCESS_DENIED if it has some); absent: no change.
  Result<void> delete_key(RegistryRoot root, const std::string& path);
  // Deletes the key and everything under it; absent keys are not an error.
  Result<void> delete_tree(RegistryRoot root, const std::string& path);

  // The add-in's service. Creating one that exists is ERROR_SERVICE_EXISTS. Deleting takes the
  // definition it was created with, which undo creates again.
  Result<bool> service_exists(const std::string& name);
  Result<void> create_service(const ServiceDefinition& definition);
  Result<void> delete_service(const ServiceDefinition& definition);

  const std::vector<Change>& changes() const { return changes_; }
  std::size_t change_count() const { return changes_.size(); }
  void commit() { committed_ = true; undo_.clear(); }
  // Undoes everything done so far, newest first; every undo is attempted, and each change one
  // could not undo is returned with its error (empty: all undone). Plan mode has nothing to undo.
  std::vector<UndoFailure> rollback() { return rollback_to(0); }
  // A point to roll back to: rollback_to(mark()) undoes only what was done after it.
  std::size_t mark() const { return undo_.size(); }
  std::vector<UndoFailure> rollback_to(std::size_t mark);

 private:
  Result<void> require_services(const char* api, const std::string& name) const;
  // Records how to undo the changes [first_change, first_change + count) (apply mode only).
  void remember(std::function<Result<void>()> undo, std::size_t first_change, std::size_t count = 1);

  struct Undo {
    std::function<Result<void>()> step;
    std::size_t first_change = 0;
    std::size_t change_count = 0;
  };

  Registry& reg_;
  TransactionMode mode_;
  ServiceControl* services_;
  std::unique_ptr<Registry> overlay_;            // plan mode only
  std::map<std::string, bool> planned_services_; // plan mode: folded name -> exists afterwards
  std::vector<Undo> undo_;
  std::vector<Change> changes_;
  bool committed_ = false;
};

}  // namespace wsbkit
