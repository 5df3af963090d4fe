#include "core/registration/registry_transaction.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/registration/planned_registry.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string hex_byte(std::uint8_t b) {
  char text[3];
  std::snprintf(text, sizeof text, "%02X", b);
  return text;
}

std::string service_text(const ServiceDefinition& d) {
  return "service " + d.name + " (\"" + d.display_name + "\", " + to_string(d.start_type) +
         ", LocalSystem): " + d.command_line;
}

}  // namespace

std::string parent_key(const std::string& path) {
  const auto slash = path.rfind('\\');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string key_leaf(const std::string& path) {
  const auto slash = path.rfind('\\');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string describe(const RegistryValue& value) {
  switch (value.type) {
    case reg_type::sz:
    case reg_type::expand_sz: {
      auto text = decode_string(value);
      if (!text) break;
      return std::string(value.type == reg_type::sz ? "REG_SZ" : "REG_EXPAND_SZ") + " \"" + *text + "\"";
    }
    case reg_type::dword: {
      auto number = decode_dword(value);
      if (!number) break;
      char text[16];
      std::snprintf(text, sizeof text, "0x%08X", *number);
      return std::string("REG_DWORD ") + text;
    }
    case reg_type::multi_sz: {
      auto strings = decode_multi_string(value);
      if (!strings) break;
      std::string text = "REG_MULTI_SZ [";
      for (std::size_t i = 0; i < strings->size(); ++i) text += (i ? ", \"" : "\"") + (*strings)[i] + "\"";
      return text + "]";
    }
    default: break;
  }
  std::string text = value.type == reg_type::binary ? "REG_BINARY" : "type " + std::to_string(value.type);
  text += " (" + std::to_string(value.data.size()) + " bytes)";
  for (const auto b : value.data) text += " " + hex_byte(b);
  return text;
}

std::string describe(const Change& c) {
  const std::string value = key_display(c.root, c.path) + " \"" + c.value_name + "\"";
  switch (c.kind) {
    case ChangeKind::create_key: return "+ key     " + key_display(c.root, c.path);
    case ChangeKind::delete_key: return "- key     " + key_display(c.root, c.path);
    case ChangeKind::set_value:
      if (c.old_value) return "~ value   " + value + ": " + describe(*c.old_value) + " -> " + describe(*c.new_value);
      return "+ value   " + value + ": " + describe(*c.new_value);
    case ChangeKind::delete_value: return "- value   " + value + ": " + describe(*c.old_value);
    case ChangeKind::create_service: return "+ " + service_text(*c.service);
    case ChangeKind::delete_service: return "- " + service_text(*c.service);
  }
  return "?";
}

Result<RegistryTree> read_tree(Registry& reg, RegistryRoot root, const std::string& path) {
  RegistryTree tree;
  tree.name = key_leaf(path);
  auto names = reg.list_values(root, path);
  if (!names) return names.error();
  // By name: backends enumerate values in their own order (Windows by creation, Wine otherwise,
  // the plan's overlay as it wrote them), and the plan must list a tree's deletion as the real run does.
  std::sort(names->begin(), names->end());
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

RegistryTransaction::RegistryTransaction(Registry& reg, TransactionMode mode, ServiceControl* services)
    : reg_(reg), mode_(mode), services_(services) {
  if (planning()) overlay_ = std::make_unique<PlannedRegistry>(reg);
}

// The safety net for a transaction left by an exception: callers that fail normally roll back
// themselves and report what rollback could not undo (Registrar's `conclude`); a destructor has no
// one to report to.
RegistryTransaction::~RegistryTransaction() {
  if (committed_) return;
  if (const auto failures = rollback(); !failures.empty()) return;
}

Registry& RegistryTransaction::view() { return overlay_ ? *overlay_ : reg_; }

void RegistryTransaction::remember(std::function<Result<void>()> undo, std::size_t first_change, std::size_t count) {
  if (planning()) return;  // nothing was written
  undo_.push_back({std::move(undo), first_change, count});
}

std::vector<UndoFailure> RegistryTransaction::rollback_to(std::size_t mark) {
  std::vector<UndoFailure> failures;
  while (undo_.size() > mark) {
    Undo undo = std::move(undo_.back());
    undo_.pop_back();
    auto r = undo.step();
    if (r) continue;
    for (std::size_t i = 0; i < undo.change_count; ++i) failures.push_back({changes_[undo.first_change + i], r.error()});
  }
  return failures;
}

Result<void> RegistryTransaction::create_key(RegistryRoot root, const std::string& path) {
  Registry& reg = view();
  // Find the first missing ancestor: undo removes from there down, nothing that existed before.
  std::vector<std::string> missing;
  std::string current = path;
  for (;;) {
    auto exists = reg.key_exists(root, current);
    if (!exists) return exists.error();
    if (*exists) break;
    missing.push_back(current);
    const auto slash = current.rfind('\\');
    if (slash == std::string::npos) break;
    current = current.substr(0, slash);
  }
  if (missing.empty()) return success();
  auto created = reg.create_key(root, path);
  if (!created) return created.error();
  // Outermost first; undo (newest first) deletes the deepest first.
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const std::string key = *it;
    remember([this, root, key]() -> Result<void> {
      auto r = reg_.delete_key(root, key);
      if (!r && r.error().is_win32(win32_error::file_not_found)) return success();
      return r;
    }, changes_.size());
    changes_.push_back({ChangeKind::create_key, root, key, {}, std::nullopt, std::nullopt, std::nullopt});
  }
  return success();
}

Result<void> RegistryTransaction::set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                            const RegistryValue& value) {
  Registry& reg = view();
  auto old = reg.get_value(root, path, name);
  if (!old && !old.error().is_win32(win32_error::file_not_found)) return old.error();
  if (old && *old == value) return success();
  if (auto r = reg.set_value(root, path, name, value); !r) return r;
  std::optional<RegistryValue> prior;
  if (old) prior = *old;
  if (prior) {
    remember([this, root, path, name, p = *prior]() { return reg_.set_value(root, path, name, p); }, changes_.size());
  } else {
    remember([this, root, path, name]() { return reg_.delete_value(root, path, name); }, changes_.size());
  }
  changes_.push_back({ChangeKind::set_value, root, path, name, prior, value, std::nullopt});
  return success();
}

Result<void> RegistryTransaction::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
  Registry& reg = view();
  auto old = reg.get_value(root, path, name);
  if (!old) return old.error().is_win32(win32_error::file_not_found) ? success() : Result<void>(old.error());
  if (auto r = reg.delete_value(root, path, name); !r) return r;
  remember([this, root, path, name, prior = *old]() { return reg_.set_value(root, path, name, prior); }, changes_.size());
  changes_.push_back({ChangeKind::delete_value, root, path, name, *old, std::nullopt, std::nullopt});
  return success();
}

Result<void> RegistryTransaction::delete_key(RegistryRoot root, const std::string& path) {
  Registry& reg = view();
  auto exists = reg.key_exists(root, path);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto tree = read_tree(reg, root, path);
  if (!tree) return tree.error();
  if (!tree->subkeys.empty()) {
    return Error::win32(win32_error::access_denied, "delete_key", key_display(root, path), "the key has subkeys");
  }
  // Its values go with it: undo puts them back.
  if (auto r = reg.delete_key(root, path); !r) return r;
  const std::size_t first = changes_.size();
  for (const auto& [name, value] : tree->values) {
    changes_.push_back({ChangeKind::delete_value, root, path, name, value, std::nullopt, std::nullopt});
  }
  changes_.push_back({ChangeKind::delete_key, root, path, {}, std::nullopt, std::nullopt, std::nullopt});
  remember([this, root, path, saved = *tree]() { return write_tree(reg_, root, path, saved); }, first,
           changes_.size() - first);
  return success();
}

Result<void> RegistryTransaction::delete_tree(RegistryRoot root, const std::string& path) {
  Registry& reg = view();
  auto exists = reg.key_exists(root, path);
  if (!exists) return exists.error();
  if (!*exists) return success();
  auto tree = read_tree(reg, root, path);
  if (!tree) return tree.error();
  if (auto r = reg.delete_tree(root, path); !r) return r;
  // Recorded deepest first, each key's values before the key.
  std::function<void(const RegistryTree&, const std::string&)> record = [&](const RegistryTree& t, const std::string& p) {
    for (const auto& sub : t.subkeys) record(sub, p + "\\" + sub.name);
    for (const auto& [name, value] : t.values) {
      changes_.push_back({ChangeKind::delete_value, root, p, name, value, std::nullopt, std::nullopt});
    }
    changes_.push_back({ChangeKind::delete_key, root, p, {}, std::nullopt, std::nullopt, std::nullopt});
  };
  const std::size_t first = changes_.size();
  record(*tree, path);
  remember([this, root, path, saved = std::move(*tree)]() { return write_tree(reg_, root, path, saved); }, first,
           changes_.size() - first);
  return success();
}

Result<void> RegistryTransaction::require_services(const char* api, const std::string& name) const {
  if (services_) return success();
  return Error::hresult(hr::e_notimpl, api, name, "no service control available to this command");
}

Result<bool> RegistryTransaction::service_exists(const std::string& name) {
  if (auto r = require_services("service_exists", name); !r) return r.error();
  if (const auto it = planned_services_.find(to_upper_ascii(name)); it != planned_services_.end()) return it->second;
  return services_->exists(name);
}

Result<void> RegistryTransaction::create_service(const ServiceDefinition& definition) {
  auto exists = service_exists(definition.name);
  if (!exists) return exists.error();
  if (*exists) {
    return Error::win32(win32_error::service_exists, "CreateServiceW", definition.name,
                        "The specified service already exists.");
  }
  if (planning()) {
    planned_services_[to_upper_ascii(definition.name)] = true;
  } else {
    if (auto r = services_->create_service(definition); !r) return r;
    remember([this, name = definition.name]() { return services_->delete_service(name); }, changes_.size());
  }
  changes_.push_back({ChangeKind::create_service, RegistryRoot::local_machine, definition.name, {}, std::nullopt,
                      std::nullopt, definition});
  return success();
}

Result<void> RegistryTransaction::delete_service(const ServiceDefinition& definition) {
  auto exists = service_exists(definition.name);
  if (!exists) return exists.error();
  if (!*exists) return success();
  if (planning()) {
    planned_services_[to_upper_ascii(definition.name)] = false;
  } else {
    if (auto r = services_->delete_service(definition.name); !r) return r;
    remember([this, definition]() { return services_->create_service(definition); }, changes_.size());
  }
  changes_.push_back({ChangeKind::delete_service, RegistryRoot::local_machine, definition.name, {}, std::nullopt,
                      std::nullopt, definition});
  return success();
}

}  // namespace wsbkit
