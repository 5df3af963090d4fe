#include "core/registry_transaction.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string folded(RegistryRoot root, const std::string& path) {
  return root_name(root) + "\\" + to_upper_ascii(path);
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('\\');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string leaf_of(const std::string& path) {
  const auto slash = path.rfind('\\');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error not_found(const char* api, RegistryRoot root, const std::string& path) {
  return Error::win32(win32_error::file_not_found, api, key_display(root, path),
                      "The system cannot find the file specified.");
}

// The registry as a plan sees it: the real registry underneath (only ever read), and on top the
// keys and values the plan has created, changed or deleted so far. Names compare as Windows
// compares them (case-insensitively); a key the plan created, or deleted and created again, hides
// whatever the real registry has below it.
class PlannedRegistry final : public Registry {
 public:
  explicit PlannedRegistry(Registry& base) : base_(base) {}

  Result<bool> create_key(RegistryRoot root, const std::string& path) override {
    auto exists = key_exists(root, path);
    if (!exists) return exists.error();
    if (*exists) return false;
    for (std::string p = path; !p.empty(); p = parent_of(p)) {
      auto present = key_exists(root, p);
      if (!present) return present.error();
      if (*present) break;
      keys_[folded(root, p)] = true;
      names_[folded(root, p)] = leaf_of(p);
    }
    return true;
  }

  Result<bool> key_exists(RegistryRoot root, const std::string& path) override {
    switch (state(root, path)) {
      case State::exists: return true;
      case State::absent: return false;
      case State::base: return base_.key_exists(root, path);
    }
    return false;
  }

  Result<void> delete_key(RegistryRoot root, const std::string& path) override {
    auto subkeys = list_subkeys(root, path);
    if (!subkeys) return subkeys.error();
    if (!subkeys->empty()) {
      return Error::win32(win32_error::access_denied, "RegDeleteKeyExW", key_display(root, path), "Access is denied.");
    }
    forget_below(root, path);
    keys_[folded(root, path)] = false;
    return success();
  }

  Result<void> delete_tree(RegistryRoot root, const std::string& path) override {
    auto exists = key_exists(root, path);
    if (!exists) return exists.error();
    if (!*exists) return not_found("RegDeleteTreeW", root, path);
    forget_below(root, path);
    keys_[folded(root, path)] = false;
    return success();
  }

  Result<std::vector<std::string>> list_subkeys(RegistryRoot root, const std::string& path) override {
    const State s = state(root, path);
    if (s == State::absent) return not_found("RegOpenKeyExW", root, path);
    std::map<std::string, std::string> children;  // folded -> name, Windows' order
    if (s == State::base) {
      auto base = base_.list_subkeys(root, path);
      if (!base) return base.error();
      for (const auto& name : *base) {
        auto present = key_exists(root, path + "\\" + name);
        if (!present) return present.error();
        if (*present) children.emplace(to_upper_ascii(name), name);
      }
    }
    const std::string prefix = folded(root, path) + "\\";
    for (const auto& [key, exists] : keys_) {
      if (!exists || key.rfind(prefix, 0) != 0 || key.find('\\', prefix.size()) != std::string::npos) continue;
      children.emplace(key.substr(prefix.size()), names_[key]);
    }
    std::vector<std::string> names;
    for (auto& [fold, name] : children) names.push_back(name);
    return names;
  }

  Result<std::vector<std::string>> list_values(RegistryRoot root, const std::string& path) override {
    const State s = state(root, path);
    if (s == State::absent) return not_found("RegOpenKeyExW", root, path);
    std::vector<std::string> names;
    auto& overrides = values_[folded(root, path)];
    if (s == State::base) {
      auto base = base_.list_values(root, path);
      if (!base) return base.error();
      for (const auto& name : *base) {
        const auto* o = find_override(overrides, name);
        if (!o || o->second) names.push_back(name);
      }
    }
    for (const auto& [name, value] : overrides) {
      const bool listed = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
      if (value && !listed) names.push_back(name);
    }
    return names;
  }

  Result<RegistryValue> get_value(RegistryRoot root, const std::string& path, const std::string& name) override {
    const State s = state(root, path);
    if (s == State::absent) return not_found("RegOpenKeyExW", root, path);
    if (const auto* o = find_override(values_[folded(root, path)], name)) {
      if (o->second) return *o->second;
      return Error::win32(win32_error::file_not_found, "RegQueryValueExW", value_display(root, path, name),
                          "The system cannot find the file specified.");
    }
    if (s == State::base) return base_.get_value(root, path, name);
    return Error::win32(win32_error::file_not_found, "RegQueryValueExW", value_display(root, path, name),
                        "The system cannot find the file specified.");
  }

  Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                         const RegistryValue& value) override {
    auto exists = key_exists(root, path);
    if (!exists) return exists.error();
    if (!*exists) return not_found("RegSetValueExW", root, path);
    auto& overrides = values_[folded(root, path)];
    if (auto* o = find_override(overrides, name)) {
      o->second = value;
    } else {
      overrides.emplace_back(name, value);
    }
    return success();
  }

  Result<void> delete_value(RegistryRoot root, const std::string& path, const std::string& name) override {
    auto old = get_value(root, path, name);
    if (!old) return old.error();
    auto& overrides = values_[folded(root, path)];
    if (auto* o = find_override(overrides, name)) {
      o->second.reset();
    } else {
      overrides.emplace_back(name, std::nullopt);
    }
    return success();
  }

 private:
  enum class State { exists, absent, base };
  using Override = std::pair<std::string, std::optional<RegistryValue>>;

  // The nearest key at or above `path` the plan has touched decides; none: the real registry.
  State state(RegistryRoot root, const std::string& path) const {
    if (path.empty()) return State::base;
    for (std::string p = path; !p.empty(); p = parent_of(p)) {
      const auto it = keys_.find(folded(root, p));
      if (it == keys_.end()) continue;
      if (p.size() == path.size()) return it->second ? State::exists : State::absent;
      return State::absent;  // below a deleted key, or below a new one that never had this child
    }
    return State::base;
  }

  static Override* find_override(std::vector<Override>& overrides, const std::string& name) {
    for (auto& o : overrides) {
      if (iequals(o.first, name)) return &o;
    }
    return nullptr;
  }

  void forget_below(RegistryRoot root, const std::string& path) {
    const std::string key = folded(root, path);
    const auto below = [&](const std::string& k) { return k == key || k.rfind(key + "\\", 0) == 0; };
    std::erase_if(keys_, [&](const auto& entry) { return below(entry.first); });
    std::erase_if(values_, [&](const auto& entry) { return below(entry.first); });
  }

  Registry& base_;
  std::map<std::string, bool> keys_;  // folded path -> exists (created) / deleted
  std::map<std::string, std::string> names_;  // folded path -> leaf name as created
  std::map<std::string, std::vector<Override>> values_;
};

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

bool Change::operator==(const Change& other) const {
  const auto same_service = [](const std::optional<ServiceDefinition>& a, const std::optional<ServiceDefinition>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    return a->name == b->name && a->display_name == b->display_name && a->command_line == b->command_line &&
           a->start_type == b->start_type && a->dependencies == b->dependencies;
  };
  return kind == other.kind && root == other.root && path == other.path && value_name == other.value_name &&
         old_value == other.old_value && new_value == other.new_value && same_service(service, other.service);
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
  tree.name = leaf_of(path);
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

RegistryTransaction::RegistryTransaction(Registry& reg, TransactionMode mode, ServiceControl* services)
    : reg_(reg), mode_(mode), services_(services) {
  if (planning()) overlay_ = std::make_unique<PlannedRegistry>(reg);
}

RegistryTransaction::~RegistryTransaction() {
  if (!committed_) (void)rollback();
}

Registry& RegistryTransaction::view() { return overlay_ ? *overlay_ : reg_; }

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
  for (const auto& key : missing) {  // deepest first
    undo_.push_back([this, root, key]() -> Result<void> {
      auto r = reg_.delete_key(root, key);
      if (!r && r.error().is_win32(win32_error::file_not_found)) return success();
      return r;
    });
  }
  std::reverse(undo_.end() - static_cast<std::ptrdiff_t>(missing.size()), undo_.end());
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    changes_.push_back({ChangeKind::create_key, root, *it, {}, std::nullopt, std::nullopt, std::nullopt});
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
    undo_.push_back([this, root, path, name, p = *prior]() { return reg_.set_value(root, path, name, p); });
  } else {
    undo_.push_back([this, root, path, name]() { return reg_.delete_value(root, path, name); });
  }
  changes_.push_back({ChangeKind::set_value, root, path, name, prior, value, std::nullopt});
  return success();
}

Result<void> RegistryTransaction::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
  Registry& reg = view();
  auto old = reg.get_value(root, path, name);
  if (!old) return old.error().is_win32(win32_error::file_not_found) ? success() : Result<void>(old.error());
  if (auto r = reg.delete_value(root, path, name); !r) return r;
  undo_.push_back([this, root, path, name, prior = *old]() { return reg_.set_value(root, path, name, prior); });
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
  undo_.push_back([this, root, path, saved = *tree]() { return write_tree(reg_, root, path, saved); });
  for (const auto& [name, value] : tree->values) {
    changes_.push_back({ChangeKind::delete_value, root, path, name, value, std::nullopt, std::nullopt});
  }
  changes_.push_back({ChangeKind::delete_key, root, path, {}, std::nullopt, std::nullopt, std::nullopt});
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
  record(*tree, path);
  undo_.push_back([this, root, path, saved = std::move(*tree)]() { return write_tree(reg_, root, path, saved); });
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
    undo_.push_back([this, name = definition.name]() { return services_->delete_service(name); });
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
    undo_.push_back([this, definition]() { return services_->create_service(definition); });
  }
  changes_.push_back({ChangeKind::delete_service, RegistryRoot::local_machine, definition.name, {}, std::nullopt,
                      std::nullopt, definition});
  return success();
}

}  // namespace wsbkit
