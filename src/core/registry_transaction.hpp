// All-or-nothing registry changes. Each operation reads the prior state before it changes
// anything; the first failure undoes everything already done, in reverse, restoring overwritten
// values exactly (type and bytes) and deleted trees key by key.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "platform/registry.hpp"

namespace wsbkit {

// A key's full content, for restoring a deleted tree.
struct RegistryTree {
  std::string name;
  std::vector<std::pair<std::string, RegistryValue>> values;
  std::vector<RegistryTree> subkeys;
};
Result<RegistryTree> read_tree(Registry& reg, RegistryRoot root, const std::string& path);
Result<void> write_tree(Registry& reg, RegistryRoot root, const std::string& path, const RegistryTree& tree);

class RegistryTransaction {
 public:
  explicit RegistryTransaction(Registry& reg) : reg_(reg) {}
  ~RegistryTransaction();  // rolls back unless committed
  RegistryTransaction(const RegistryTransaction&) = delete;
  RegistryTransaction& operator=(const RegistryTransaction&) = delete;

  // Creates the key and missing parents (undo deletes exactly the keys it created).
  Result<void> create_key(RegistryRoot root, const std::string& path);
  Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                         const RegistryValue& value);
  Result<void> delete_value(RegistryRoot root, const std::string& path, const std::string& name);
  // Deletes the key and everything under it; absent keys are not an error.
  Result<void> delete_tree(RegistryRoot root, const std::string& path);

  // How many changes were made (an operation that found the registry already as asked counts 0).
  std::size_t change_count() const { return undo_.size(); }
  void commit() { committed_ = true; undo_.clear(); }
  // Undoes everything done so far; returns the first undo failure (the rest are still attempted).
  Result<void> rollback();

 private:
  Registry& reg_;
  std::vector<std::function<Result<void>()>> undo_;
  bool committed_ = false;
};

}  // namespace wsbkit
