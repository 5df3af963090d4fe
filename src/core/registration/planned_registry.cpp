#include "core/registration/planned_registry.hpp"

#include <algorithm>

#include "core/registration/registry_transaction.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string folded(RegistryRoot root, const std::string& path) {
  return root_name(root) + "\\" + to_upper_ascii(path);
}

Error not_found(const char* api, RegistryRoot root, const std::string& path) {
  return Error::win32(win32_error::file_not_found, api, key_display(root, path),
                      "The system cannot find the file specified.");
}

}  // namespace

Result<bool> PlannedRegistry::create_key(RegistryRoot root, const std::string& path) {
  auto exists = key_exists(root, path);
  if (!exists) return exists.error();
  if (*exists) return false;
  for (std::string p = path; !p.empty(); p = parent_key(p)) {
    auto present = key_exists(root, p);
    if (!present) return present.error();
    if (*present) break;
    keys_[folded(root, p)] = true;
    names_[folded(root, p)] = key_leaf(p);
  }
  return true;
}

Result<bool> PlannedRegistry::key_exists(RegistryRoot root, const std::string& path) {
  switch (state(root, path)) {
    case State::exists: return true;
    case State::absent: return false;
    case State::base: return base_.key_exists(root, path);
  }
  return false;
}

Result<void> PlannedRegistry::delete_key(RegistryRoot root, const std::string& path) {
  auto subkeys = list_subkeys(root, path);
  if (!subkeys) return subkeys.error();
  if (!subkeys->empty()) {
    return Error::win32(win32_error::access_denied, "RegDeleteKeyExW", key_display(root, path), "Access is denied.");
  }
  forget_below(root, path);
  keys_[folded(root, path)] = false;
  return success();
}

Result<void> PlannedRegistry::delete_tree(RegistryRoot root, const std::string& path) {
  auto exists = key_exists(root, path);
  if (!exists) return exists.error();
  if (!*exists) return not_found("RegDeleteTreeW", root, path);
  forget_below(root, path);
  keys_[folded(root, path)] = false;
  return success();
}

Result<std::vector<std::string>> PlannedRegistry::list_subkeys(RegistryRoot root, const std::string& path) {
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

Result<std::vector<std::string>> PlannedRegistry::list_values(RegistryRoot root, const std::string& path) {
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

Result<RegistryValue> PlannedRegistry::get_value(RegistryRoot root, const std::string& path, const std::string& name) {
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

Result<void> PlannedRegistry::set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                        const RegistryValue& value) {
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

Result<void> PlannedRegistry::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
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

PlannedRegistry::State PlannedRegistry::state(RegistryRoot root, const std::string& path) const {
  if (path.empty()) return State::base;
  for (std::string p = path; !p.empty(); p = parent_key(p)) {
    const auto it = keys_.find(folded(root, p));
    if (it == keys_.end()) continue;
    if (p.size() == path.size()) return it->second ? State::exists : State::absent;
    return State::absent;  // below a deleted key, or below a new one that never had this child
  }
  return State::base;
}

PlannedRegistry::Override* PlannedRegistry::find_override(std::vector<Override>& overrides, const std::string& name) {
  for (auto& o : overrides) {
    if (iequals(o.first, name)) return &o;
  }
  return nullptr;
}

void PlannedRegistry::forget_below(RegistryRoot root, const std::string& path) {
  const std::string key = folded(root, path);
  const auto below = [&](const std::string& k) { return k == key || k.rfind(key + "\\", 0) == 0; };
  std::erase_if(keys_, [&](const auto& entry) { return below(entry.first); });
  std::erase_if(values_, [&](const auto& entry) { return below(entry.first); });
}

}  // namespace wsbkit
