// The registry as a plan sees it: the real registry underneath (only ever read), and on top the
// keys and values the plan has created, changed or deleted so far. Names compare as Windows
// compares them (case-insensitively); a key the plan created, or deleted and created again, hides
// whatever the real registry has below it. RegistryTransaction runs plan mode against one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/registry.hpp"

namespace wsbkit {

class PlannedRegistry final : public Registry {
 public:
  explicit PlannedRegistry(Registry& base) : base_(base) {}

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
  // Registration never plans protected keys: planned as create_key (the security is not kept);
  // key_security reads the real registry's.
  Result<bool> create_key_with_security(RegistryRoot root, const std::string& path,
                                        const std::vector<std::uint8_t>&) override {
    return create_key(root, path);
  }
  Result<std::vector<std::uint8_t>> key_security(RegistryRoot root, const std::string& path) override {
    return base_.key_security(root, path);
  }

 private:
  enum class State { exists, absent, base };
  using Override = std::pair<std::string, std::optional<RegistryValue>>;  // nullopt: deleted

  // The nearest key at or above `path` the plan has touched decides; none: the real registry.
  State state(RegistryRoot root, const std::string& path) const;
  static Override* find_override(std::vector<Override>& overrides, const std::string& name);
  void forget_below(RegistryRoot root, const std::string& path);

  Registry& base_;
  std::map<std::string, bool> keys_;          // folded path -> exists (created) / deleted
  std::map<std::string, std::string> names_;  // folded path -> leaf name as created
  std::map<std::string, std::vector<Override>> values_;
};

}  // namespace wsbkit
