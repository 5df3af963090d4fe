#include "core/registration/ownership_record.hpp"

#include <algorithm>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

constexpr auto hklm = RegistryRoot::local_machine;
constexpr char separator = '|';  // "key|value name": wsbkit's value names never hold a '|'

bool at_or_below(const std::string& path, const std::string& root) {
  return iequals(path, root) ||
         (path.size() > root.size() && path[root.size()] == '\\' && iequals(std::string_view(path).substr(0, root.size()), root));
}

std::string value_id(const std::string& key, const std::string& name) { return key + separator + name; }

std::pair<std::string, std::string> split_value_id(const std::string& id) {
  const auto bar = id.rfind(separator);
  if (bar == std::string::npos) return {id, ""};
  return {id.substr(0, bar), id.substr(bar + 1)};
}

Result<std::optional<RegistryValue>> read_optional(Registry& reg, const std::string& key, const std::string& name) {
  auto value = reg.get_value(hklm, key, name);
  if (value) return std::optional<RegistryValue>(*value);
  if (value.error().is_win32(win32_error::file_not_found)) return std::optional<RegistryValue>();
  return value.error();
}

Result<std::vector<std::string>> read_list(Registry& reg, const std::string& key, const std::string& name) {
  auto value = read_optional(reg, key, name);
  if (!value) return value.error();
  if (!*value) return std::vector<std::string>();
  auto list = decode_multi_string(**value);
  if (!list) return Error::win32(list.error().win32_code(), "read_ownership", value_display(hklm, key, name),
                                 list.error().system_message());
  return list;
}

}  // namespace

bool OwnershipRecord::owns_key(const std::string& key) const {
  return std::any_of(created_keys.begin(), created_keys.end(), [&](const std::string& k) { return iequals(k, key); });
}

const OwnedValue* OwnershipRecord::find_value(const std::string& key, const std::string& name) const {
  for (const auto& v : values) {
    if (iequals(v.key, key) && iequals(v.name, name)) return &v;
  }
  return nullptr;
}

const DesiredValue* DesiredState::find_value(const std::string& key, const std::string& name) const {
  for (const auto& v : values) {
    if (iequals(v.key, key) && iequals(v.name, name)) return &v;
  }
  return nullptr;
}

bool DesiredState::covers(const std::string& key, const std::string& name) const {
  return find_value(key, name) ||
         std::any_of(absent.begin(), absent.end(), [&](const auto& a) { return iequals(a.first, key) && iequals(a.second, name); });
}

bool DesiredState::has_key(const std::string& key) const {
  return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return iequals(k, key); });
}

Result<OwnershipRecord> read_ownership(Registry& reg, const std::string& record_key) {
  OwnershipRecord record;
  auto keys = read_list(reg, record_key, "CreatedKeys");
  if (!keys) return keys.error();
  record.created_keys = *keys;
  auto values = read_list(reg, record_key, "WrittenValues");
  if (!values) return values.error();
  for (const auto& id : *values) {
    auto [key, name] = split_value_id(id);
    auto prior = read_optional(reg, record_key + "\\Prior", id);
    if (!prior) return prior.error();
    record.values.push_back({key, name, *prior});
  }
  return record;
}

Result<void> write_key_exactly(RegistryTransaction& tx, const std::string& key,
                         const std::vector<std::pair<std::string, RegistryValue>>& values, bool delete_when_empty) {
  if (values.empty() && delete_when_empty) return tx.delete_tree(hklm, key);
  if (auto r = tx.create_key(hklm, key); !r) return r;
  auto names = tx.view().list_values(hklm, key);
  if (!names) return names.error();
  for (const auto& name : *names) {
    const bool wanted = std::any_of(values.begin(), values.end(), [&](const auto& v) { return iequals(v.first, name); });
    if (!wanted) {
      if (auto r = tx.delete_value(hklm, key, name); !r) return r;
    }
  }
  for (const auto& [name, value] : values) {
    if (auto r = tx.set_value(hklm, key, name, value); !r) return r;
  }
  return success();
}

void merge(OwnershipRecord& record, const OwnershipRecord& more) {
  for (const auto& key : more.created_keys) {
    if (!record.owns_key(key)) record.created_keys.push_back(key);
  }
  for (const auto& v : more.values) {
    if (!record.find_value(v.key, v.name)) record.values.push_back(v);
  }
}

Result<void> write_record(RegistryTransaction& tx, const std::string& record_key, const OwnershipRecord& record,
                          const std::vector<std::pair<std::string, RegistryValue>>& other_values) {
  std::vector<std::pair<std::string, RegistryValue>> values = other_values;
  if (!record.created_keys.empty()) values.emplace_back("CreatedKeys", reg_multi_sz(record.created_keys));
  std::vector<std::string> ids;
  std::vector<std::pair<std::string, RegistryValue>> priors;
  for (const auto& v : record.values) {
    ids.push_back(value_id(v.key, v.name));
    if (v.prior) priors.emplace_back(ids.back(), *v.prior);
  }
  if (!ids.empty()) values.emplace_back("WrittenValues", reg_multi_sz(ids));
  if (auto r = write_key_exactly(tx, record_key, values, false); !r) return r;
  return write_key_exactly(tx, record_key + "\\Prior", priors, true);
}

Result<void> apply_desired(RegistryTransaction& tx, const DesiredState& desired) {
  for (const auto& key : desired.keys) {
    if (auto r = tx.create_key(hklm, key); !r) return r;
  }
  for (const auto& [key, name] : desired.absent) {
    if (auto r = tx.delete_value(hklm, key, name); !r) return r;
  }
  for (const auto& v : desired.values) {
    if (auto r = tx.set_value(hklm, v.key, v.name, v.value); !r) return r;
  }
  return success();
}

void absorb(OwnershipRecord& record, const std::vector<Change>& changes, std::size_t from,
            const std::vector<std::string>& roots) {
  const auto owned_path = [&](const std::string& path) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) { return at_or_below(path, root); });
  };
  for (std::size_t i = from; i < changes.size(); ++i) {
    const Change& c = changes[i];
    if (c.root != hklm || !owned_path(c.path)) continue;
    switch (c.kind) {
      case ChangeKind::create_key:
        if (!record.owns_key(c.path)) record.created_keys.push_back(c.path);
        break;
      case ChangeKind::set_value:
        if (!record.find_value(c.path, c.value_name)) record.values.push_back({c.path, c.value_name, c.old_value});
        break;
      case ChangeKind::delete_value:
        if (const OwnedValue* v = record.find_value(c.path, c.value_name)) {
          if (!v->prior) {  // wsbkit's own value: nothing to put back
            std::erase_if(record.values, [&](const OwnedValue& o) { return iequals(o.key, c.path) && iequals(o.name, c.value_name); });
          }
        } else {
          record.values.push_back({c.path, c.value_name, c.old_value});  // someone else's: put back on release
        }
        break;
      case ChangeKind::delete_key:
        std::erase_if(record.created_keys, [&](const std::string& k) { return iequals(k, c.path); });
        std::erase_if(record.values, [&](const OwnedValue& v) { return iequals(v.key, c.path); });
        break;
      default: break;
    }
  }
}

namespace {

// Whether `current` is none of the data the `expected` states wrote for this value (and one did).
bool changed_since_written(const std::vector<DesiredState>& expected, const OwnedValue& v, const RegistryValue& current) {
  bool wrote = false;
  for (const DesiredState& state : expected) {
    const DesiredValue* d = state.find_value(v.key, v.name);
    if (!d) continue;
    if (d->value == current) return false;
    wrote = true;
  }
  return wrote;
}

}  // namespace

Result<void> release(RegistryTransaction& tx, OwnershipRecord& record, const DesiredState& keep,
                     const std::vector<DesiredState>& expected, std::vector<std::string>& left_behind) {
  Registry& reg = tx.view();
  std::vector<OwnedValue> kept_values;
  for (auto it = record.values.rbegin(); it != record.values.rend(); ++it) {
    const OwnedValue& v = *it;
    if (keep.covers(v.key, v.name)) {
      kept_values.insert(kept_values.begin(), v);
      continue;
    }
    auto current = read_optional(reg, v.key, v.name);
    if (!current) return current.error();
    if (!*current) {
      // Gone (wsbkit deleted it, or someone did): put back what was there before wsbkit, if anything.
      if (v.prior) {
        auto key_there = reg.key_exists(hklm, v.key);
        if (!key_there) return key_there.error();
        if (*key_there) {
          if (auto r = tx.set_value(hklm, v.key, v.name, *v.prior); !r) return r;
        }
      }
      continue;
    }
    if (v.prior && *v.prior == **current) continue;  // holds what it held before wsbkit
    if (changed_since_written(expected, v, **current)) {
      left_behind.push_back(value_display(hklm, v.key, v.name) + ": changed since wsbkit wrote it; left as is");
      continue;
    }
    if (v.prior) {
      if (auto r = tx.set_value(hklm, v.key, v.name, *v.prior); !r) return r;
    } else {
      if (auto r = tx.delete_value(hklm, v.key, v.name); !r) return r;
    }
  }
  record.values = std::move(kept_values);

  // Deepest first: a key's subkeys were created after it.
  std::vector<std::string> kept_keys;
  for (auto it = record.created_keys.rbegin(); it != record.created_keys.rend(); ++it) {
    const std::string& key = *it;
    if (keep.has_key(key)) {
      kept_keys.insert(kept_keys.begin(), key);
      continue;
    }
    auto exists = reg.key_exists(hklm, key);
    if (!exists) return exists.error();
    if (!*exists) continue;
    auto subkeys = reg.list_subkeys(hklm, key);
    if (!subkeys) return subkeys.error();
    auto values = reg.list_values(hklm, key);
    if (!values) return values.error();
    if (!subkeys->empty() || !values->empty()) {
      left_behind.push_back(key_display(hklm, key) + ": holds entries wsbkit did not write; left in place");
      continue;
    }
    if (auto r = tx.delete_key(hklm, key); !r) return r;
  }
  record.created_keys = std::move(kept_keys);
  return success();
}

}  // namespace wsbkit
