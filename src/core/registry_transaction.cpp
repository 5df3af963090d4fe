#include "core/registry_transaction.hpp"

#include <algorithm>

namespace wsbkit {

Result<RegistryTree> read_tree(Registry& reg, RegistryRoot root, const std::string& path) {
  RegistryTree tree;
  tree.name = path.substr(path.rfind('\\') == std::string::npos ? 0 : path.rfind('\\') + 1);
  auto names = reg.list_values(root, path);
  if (!names) return names.error();
  for (const auto& name : *names) {
    auto value = reg.get_value(root, path, name);
    if (!value) return value.error();
    tree.values.emplace_back(name, *value);
  }
  auto subkeys = reg.list_subkeys(root, path);
  if (!subkeys) return subkeys.error();
  for (const auto& sub : *subkeys) {
    auto child = read_tree(reg, root, path + "\\" + sub);
    if (!child) return child.error();
    tree.subkeys.push_back(std::move(*child));
  }
  return tree;
}

Result<void> write_tree(Registry& reg, RegistryRoot root, const std::string& path, const RegistryTree& tree) {
  if (auto r = reg.create_key(root, path); !r) return r.error();
  for (const auto& [name, value] : tree.values) {
    if (auto r = reg.set_value(root, path, name, value); !r) return r.error();
  }
  for (const auto& sub : tree.subkeys) {
    if (auto r = write_tree(reg, root, path + "\\" + sub.name, sub); !r) return r;
  }
  return success();
}

RegistryTransaction::~RegistryTransaction() {
  if (!committed_) (void)rollback();
}

Result<void> RegistryTransaction::rollback() {
  std::optional<Error> first;
  while (!undo_.empty()) {
    auto step = std::move(undo_.back());
    undo_.pop_back();
    if (auto r = step(); !r && !first) first = r.error();
  }
  if (first) return *first;
  return success();
}

Result<void> RegistryTransaction::create_key(RegistryRoot root, const std::string& path) {
  // Find the first missing ancestor: undo removes from there down, nothing that existed before.
  std::vector<std::string> missing;
  std::string current = path;
  for (;;) {
    auto exists = reg_.key_exists(root, current);
    if (!exists) return exists.error();
    if (*exists) break;
    missing.push_back(current);
    const auto slash = current.rfind('\\');
    if (slash == std::string::npos) break;
    current = current.substr(0, slash);
  }
  if (missing.empty()) return success();
  auto created = reg_.create_key(root, path);
  if (!created) return created.error();
  for (const auto& key : missing) {  // deepest first
    undo_.push_back([this, root, key]() -> Result<void> {
      auto r = reg_.delete_key(root, key);
      if (!r && r.error().is_win32(win32_error::file_not_found)) return success();
      return r;
    });
  }
  std::reverse(undo_.end() - static_cast<std::ptrdiff_t>(missing.size()), undo_.end());
  return success();
}

Result<void> RegistryTransaction::set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                            const RegistryValue& value) {
  auto old = reg_.get_value(root, path, name);
  if (!old && !old.error().is_win32(win32_error::file_not_found)) return old.error();
  if (old && *old == value) return success();
  if (auto r = reg_.set_value(root, path, name, value); !r) return r;
  if (old) {
    undo_.push_back([this, root, path, name, prior = *old]() { return reg_.set_value(root, path, name, prior); });
  } else {
    undo_.push_back([this, root, path, name]() { return reg_.delete_value(root, path, name); });
  }
  return success();
}

Result<void> RegistryTransaction::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
  auto old = reg_.get_value(root, path, name);
  if (!old) return old.error().is_win32(win32_error::file_not_found) ? success() : Result<void>(old.error());
  if (auto r = reg_.delete_value(root, path, name); !r) return r;
  undo_.push_back([this, root, path, name, prior = *old]() { return reg_.set_value(root, path, name, prior); });
  return success();
}

Result<void> RegistryTransaction::delete_tree(RegistryRoot root, const std::string& path) {
  auto exists = reg_.key_exists(root, path);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto tree = read_tree(reg_, root, path);
  if (!tree) return tree.error();
  if (auto r = reg_.delete_tree(root, path); !r) return r;
  undo_.push_back([this, root, path, saved = std::move(*tree)]() { return write_tree(reg_, root, path, saved); });
  return success();
}

}  // namespace wsbkit
