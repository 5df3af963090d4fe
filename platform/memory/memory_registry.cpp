#include "platform/memory/memory_registry.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <sstream>

#include "platform/memory/system_messages.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit {

struct MemoryRegistry::Node {
  std::string name;
  std::map<std::u16string, std::unique_ptr<Node>> subkeys;   // by folded name: Windows' order
  std::vector<std::pair<std::string, RegistryValue>> values;  // creation order, as Windows
  std::vector<std::uint8_t> security;                          // self-relative descriptor

  // A new subkey inherits this key's security.
  Node* add_subkey(const std::string& child) {
    auto& slot = subkeys[fold_name(child)];
    if (!slot) {
      slot = std::make_unique<Node>();
      slot->name = child;
      slot->security = security;
    }
    return slot.get();
  }
  Node* find_subkey(const std::string& child) const {
    const auto it = subkeys.find(fold_name(child));
    return it == subkeys.end() ? nullptr : it->second.get();
  }
  auto find_value(const std::string& value_name) {
    return std::find_if(values.begin(), values.end(),
                        [&](const auto& v) { return names_equal(v.first, value_name); });
  }
};

// Where a path leads: the root's node, the components below it, and how far they exist.
struct MemoryRegistry::Resolved {
  Node* root_node = nullptr;
  std::vector<std::string> components;   // below root_node
  std::size_t root_depth = 0;            // components naming the root itself (HKCR: SOFTWARE\Classes)
  Node* parent = nullptr;                // the node holding the last component (if it exists)
  Node* node = nullptr;                  // the key itself, nullptr if missing
  bool is_root() const { return components.size() == root_depth; }
};

namespace {

// O:BAG:SYD:(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU): what HKLM\SOFTWARE hands down to new keys.
const std::vector<std::uint8_t> inherited_key_security = {
    0x01, 0x00, 0x04, 0x80, 0x60, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x4c, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0x00, 0x3f, 0x00, 0x0f, 0x00,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00, 0x00, 0x02, 0x18, 0x00, 0x3f, 0x00,
    0x0f, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
    0x00, 0x02, 0x18, 0x00, 0x19, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00,
    0x00, 0x00, 0x21, 0x02, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00,
    0x20, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00};

bool is_write_operation(RegistryOperation op) {
  switch (op) {
    case RegistryOperation::create_key:
    case RegistryOperation::delete_key:
    case RegistryOperation::delete_tree:
    case RegistryOperation::set_value:
    case RegistryOperation::delete_value: return true;
    default: return false;
  }
}

// Splits "A\B\C"; empty components (doubled or trailing '\') are ignored as Windows and Wine do.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('\\', start), path.size());
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

bool RegistryCall::is_write() const { return is_write_operation(operation); }

// "A\B" and "a\\b\" name the same key.
bool registry_path_is_at_or_below(const std::string& path, const std::string& base) {
  const auto p = split_path(path);
  const auto b = split_path(base);
  if (p.size() < b.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!names_equal(p[i], b[i])) return false;
  }
  return true;
}


MemoryRegistry::MemoryRegistry()
    : local_machine_(std::make_unique<Node>()),
      current_user_(std::make_unique<Node>()),
      users_(std::make_unique<Node>()) {
  for (Node* root : {local_machine_.get(), current_user_.get(), users_.get()}) root->security = inherited_key_security;
  local_machine_->add_subkey("SOFTWARE")->add_subkey("Classes");
  local_machine_->add_subkey("SYSTEM");
  current_user_->add_subkey("Software");
}

MemoryRegistry::~MemoryRegistry() = default;

Result<MemoryRegistry::Resolved> MemoryRegistry::resolve(const char* api, RegistryRoot root,
                                                     const std::string& path) const {
  if (!path.empty() && path.front() == '\\') return memory_error(error_bad_pathname, api, key_display(root, path));
  Resolved r;
  switch (root) {
    case RegistryRoot::local_machine: r.root_node = local_machine_.get(); break;
    case RegistryRoot::current_user: r.root_node = current_user_.get(); break;
    case RegistryRoot::users: r.root_node = users_.get(); break;
    case RegistryRoot::classes_root:
      r.root_node = local_machine_.get();
      r.components = {"SOFTWARE", "Classes"};
      r.root_depth = 2;
      break;
  }
  for (std::string& c : split_path(path)) r.components.push_back(std::move(c));
  Node* node = r.root_node;
  for (const std::string& c : r.components) {
    r.parent = node;  // null once an ancestor is missing
    node = node ? node->find_subkey(c) : nullptr;
  }
  r.node = node;
  return r;
}

std::optional<Error> MemoryRegistry::before_call(const RegistryCall&, const char*) { return std::nullopt; }

bool MemoryRegistry::write_denied(RegistryRoot) const { return false; }

Result<bool> MemoryRegistry::create_key(RegistryRoot root, const std::string& path) { return create(root, path, nullptr); }

Result<bool> MemoryRegistry::create_key_with_security(RegistryRoot root, const std::string& path,
                                                      const std::vector<std::uint8_t>& security) {
  return create(root, path, &security);
}

Result<bool> MemoryRegistry::create(RegistryRoot root, const std::string& path, const std::vector<std::uint8_t>* security) {
  std::lock_guard lock(mutex_);
  const char* api = "RegCreateKeyExW";
  if (auto e = before_call({RegistryOperation::create_key, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  if (r->node) return false;
  if (write_denied(root)) return memory_error(win32_error::access_denied, api, key_display(root, path));
  Node* node = r->root_node;
  for (const std::string& c : r->components) node = node->add_subkey(c);
  if (security) node->security = *security;
  return true;
}

Result<std::vector<std::uint8_t>> MemoryRegistry::key_security(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::key_security, root, path, {}}, "RegGetKeySecurity")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  return r->node->security;
}

Result<bool> MemoryRegistry::key_exists(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  const char* api = "RegOpenKeyExW";
  if (auto e = before_call({RegistryOperation::key_exists, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  return r->node != nullptr;
}

Result<void> MemoryRegistry::delete_key(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  const char* api = "RegDeleteKeyExW";
  if (auto e = before_call({RegistryOperation::delete_key, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, api, key_display(root, path));
  // Windows refuses to delete a root, a key that still has subkeys, and (not elevated) HKLM keys.
  if (r->is_root() || !r->node->subkeys.empty() || write_denied(root)) {
    return memory_error(win32_error::access_denied, api, key_display(root, path));
  }
  r->parent->subkeys.erase(fold_name(r->components.back()));
  return success();
}

Result<void> MemoryRegistry::delete_tree(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::delete_tree, root, path, {}}, "RegDeleteTreeW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  if (write_denied(root)) return memory_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  if (r->is_root()) return memory_error(win32_error::access_denied, "RegDeleteKeyExW", key_display(root, path));
  r->parent->subkeys.erase(fold_name(r->components.back()));
  return success();
}

Result<std::vector<std::string>> MemoryRegistry::list_subkeys(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::list_subkeys, root, path, {}}, "RegEnumKeyExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  std::vector<std::string> names;
  for (const auto& [folded, child] : r->node->subkeys) names.push_back(child->name);
  return names;
}

Result<std::vector<std::string>> MemoryRegistry::list_values(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::list_values, root, path, {}}, "RegEnumValueW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  std::vector<std::string> names;
  for (const auto& value : r->node->values) names.push_back(value.first);
  return names;
}

Result<RegistryValue> MemoryRegistry::get_value(RegistryRoot root, const std::string& path, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::get_value, root, path, name}, "RegQueryValueExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it == r->node->values.end()) {
    return memory_error(win32_error::file_not_found, "RegQueryValueExW", value_display(root, path, name));
  }
  return it->second;
}

Result<void> MemoryRegistry::set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                     const RegistryValue& value) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::set_value, root, path, name}, "RegSetValueExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  if (write_denied(root)) return memory_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it != r->node->values.end()) {
    it->second = value;  // the name keeps the case it was created with
  } else {
    r->node->values.emplace_back(name, value);
  }
  return success();
}

Result<void> MemoryRegistry::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = before_call({RegistryOperation::delete_value, root, path, name}, "RegDeleteValueW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return memory_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  // Opening the key for KEY_SET_VALUE fails before the value is looked up.
  if (write_denied(root)) return memory_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it == r->node->values.end()) {
    return memory_error(win32_error::file_not_found, "RegDeleteValueW", value_display(root, path, name));
  }
  r->node->values.erase(it);
  return success();
}

namespace {
template <class NodeT>
void collect(const NodeT& node, const std::string& path, RegistrySnapshot& out) {
  RegistrySnapshot::Key key{path, node.values};
  std::sort(key.values.begin(), key.values.end(),
            [](const auto& a, const auto& b) { return fold_name(a.first) < fold_name(b.first); });
  out.keys.push_back(std::move(key));
  for (const auto& [folded, child] : node.subkeys) collect(*child, path + "\\" + child->name, out);
}
}  // namespace

RegistrySnapshot MemoryRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  RegistrySnapshot out;
  collect(*local_machine_, "HKLM", out);
  collect(*current_user_, "HKCU", out);
  collect(*users_, "HKU", out);
  return out;
}

namespace {
std::string describe_value(const RegistryValue& v) {
  std::ostringstream out;
  out << "type " << v.type << ", " << v.data.size() << " bytes";
  return out.str();
}
}  // namespace

std::ostream& operator<<(std::ostream& out, const RegistrySnapshot& snapshot) {
  for (const auto& key : snapshot.keys) {
    out << key.path << '\n';
    for (const auto& [name, value] : key.values) out << "  \"" << name << "\" " << describe_value(value) << '\n';
  }
  return out;
}

std::string describe_differences(const RegistrySnapshot& before, const RegistrySnapshot& after) {
  std::map<std::string, const RegistrySnapshot::Key*> old_keys, new_keys;
  for (const auto& k : before.keys) old_keys[k.path] = &k;
  for (const auto& k : after.keys) new_keys[k.path] = &k;
  std::ostringstream out;
  for (const auto& [path, key] : old_keys) {
    if (!new_keys.count(path)) out << "- key " << path << '\n';
  }
  for (const auto& [path, key] : new_keys) {
    const auto old = old_keys.find(path);
    if (old == old_keys.end()) {
      out << "+ key " << path << '\n';
      continue;
    }
    std::map<std::string, const RegistryValue*> old_values, new_values;
    for (const auto& [n, v] : old->second->values) old_values[n] = &v;
    for (const auto& [n, v] : key->values) new_values[n] = &v;
    for (const auto& [n, v] : old_values) {
      const auto now = new_values.find(n);
      if (now == new_values.end()) out << "- value " << path << ", value \"" << n << "\"\n";
      else if (!(*now->second == *v)) out << "~ value " << path << ", value \"" << n << "\": "
                                          << describe_value(*v) << " -> " << describe_value(*now->second) << '\n';
    }
    for (const auto& [n, v] : new_values) {
      if (!old_values.count(n)) out << "+ value " << path << ", value \"" << n << "\"\n";
    }
  }
  return out.str();
}

}  // namespace wsbkit
