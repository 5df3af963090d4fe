#include "mock/fake_registry.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <sstream>

#include "mock/fake_error.hpp"
#include "mock/windows_names.hpp"

namespace wsbkit::mock {

struct FakeRegistry::Node {
  std::string name;
  std::map<std::u16string, std::unique_ptr<Node>> subkeys;   // by folded name: Windows' order
  std::vector<std::pair<std::string, RegistryValue>> values;  // creation order, as Windows

  Node* add_subkey(const std::string& child) {
    auto& slot = subkeys[fold_name(child)];
    if (!slot) {
      slot = std::make_unique<Node>();
      slot->name = child;
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
struct FakeRegistry::Resolved {
  Node* root_node = nullptr;
  std::vector<std::string> components;   // below root_node
  std::size_t root_depth = 0;            // components naming the root itself (HKCR: SOFTWARE\Classes)
  Node* parent = nullptr;                // the node holding the last component (if it exists)
  Node* node = nullptr;                  // the key itself, nullptr if missing
  bool is_root() const { return components.size() == root_depth; }
};

namespace {

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

// "A\B" and "a\\b\" name the same key.
bool path_is_at_or_below(const std::string& path, const std::string& base) {
  const auto p = split_path(path);
  const auto b = split_path(base);
  if (p.size() < b.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!names_equal(p[i], b[i])) return false;
  }
  return true;
}

bool same_root(RegistryRoot a, RegistryRoot b) {
  // HKCR is HKLM\SOFTWARE\Classes; a predicate on one root does not try to map the other.
  return a == b;
}

// What RegSetValueExW stores: for string types it adds a forgotten terminator when the UTF-16
// character after the data is NUL, which the Win32 backend guarantees by padding its copy with two
// NUL bytes (so: an unterminated string gains one; see platform/win32/registry.cpp).
RegistryValue as_stored(const RegistryValue& value) {
  const bool is_string = value.type == reg_type::sz || value.type == reg_type::expand_sz ||
                         value.type == reg_type::multi_sz;
  if (!is_string || value.data.size() < 2) return value;
  std::vector<std::uint8_t> padded = value.data;
  padded.push_back(0);
  padded.push_back(0);
  const std::size_t n = value.data.size() / 2;  // index of the UTF-16 unit just after the data
  const bool last_is_nul = padded[2 * n - 2] == 0 && padded[2 * n - 1] == 0;
  const bool next_is_nul = padded[2 * n] == 0 && padded[2 * n + 1] == 0;
  if (last_is_nul || !next_is_nul) return value;
  padded.resize(value.data.size() + 2);
  return {value.type, std::move(padded)};
}

}  // namespace

bool RegistryCall::is_write() const { return is_write_operation(operation); }

FaultInjector<RegistryCall>::Predicate writes_under(RegistryRoot root, std::string path) {
  return [root, path = std::move(path)](const RegistryCall& call) {
    return call.is_write() && same_root(call.root, root) && path_is_at_or_below(call.path, path);
  };
}

FakeRegistry::FakeRegistry()
    : local_machine_(std::make_unique<Node>()),
      current_user_(std::make_unique<Node>()),
      users_(std::make_unique<Node>()) {
  local_machine_->add_subkey("SOFTWARE")->add_subkey("Classes");
  local_machine_->add_subkey("SYSTEM");
  current_user_->add_subkey("Software");
}

FakeRegistry::~FakeRegistry() = default;

Result<FakeRegistry::Resolved> FakeRegistry::resolve(const char* api, RegistryRoot root,
                                                     const std::string& path) const {
  if (!path.empty() && path.front() == '\\') return fake_error(error_bad_pathname, api, key_display(root, path));
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

std::optional<Error> FakeRegistry::check_call(const RegistryCall& call, const char* api) {
  if (const auto code = faults_.on_call(call)) {
    const std::string object = call.operation == RegistryOperation::get_value ||
                                       call.operation == RegistryOperation::set_value ||
                                       call.operation == RegistryOperation::delete_value
                                   ? value_display(call.root, call.path, call.value_name)
                                   : key_display(call.root, call.path);
    Error e = fake_error(*code, api, object);
    return Error::win32(e.win32_code(), e.api(), e.object(),
                        e.system_message().empty() ? "injected failure" : e.system_message() + " (injected)");
  }
  return std::nullopt;
}

bool FakeRegistry::write_denied(RegistryRoot root) const {
  return !elevated_ && (root == RegistryRoot::local_machine || root == RegistryRoot::classes_root);
}

Result<bool> FakeRegistry::create_key(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  const char* api = "RegCreateKeyExW";
  if (auto e = check_call({RegistryOperation::create_key, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  if (r->node) return false;
  if (write_denied(root)) return fake_error(win32_error::access_denied, api, key_display(root, path));
  Node* node = r->root_node;
  for (const std::string& c : r->components) node = node->add_subkey(c);
  return true;
}

Result<bool> FakeRegistry::key_exists(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  const char* api = "RegOpenKeyExW";
  if (auto e = check_call({RegistryOperation::key_exists, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  return r->node != nullptr;
}

Result<void> FakeRegistry::delete_key(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  const char* api = "RegDeleteKeyExW";
  if (auto e = check_call({RegistryOperation::delete_key, root, path, {}}, api)) return *e;
  auto r = resolve(api, root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, api, key_display(root, path));
  // Windows refuses to delete a root, a key that still has subkeys, and (not elevated) HKLM keys.
  if (r->is_root() || !r->node->subkeys.empty() || write_denied(root)) {
    return fake_error(win32_error::access_denied, api, key_display(root, path));
  }
  r->parent->subkeys.erase(fold_name(r->components.back()));
  return success();
}

Result<void> FakeRegistry::delete_tree(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::delete_tree, root, path, {}}, "RegDeleteTreeW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  if (write_denied(root)) return fake_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  if (r->is_root()) return fake_error(win32_error::access_denied, "RegDeleteKeyExW", key_display(root, path));
  r->parent->subkeys.erase(fold_name(r->components.back()));
  return success();
}

Result<std::vector<std::string>> FakeRegistry::list_subkeys(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::list_subkeys, root, path, {}}, "RegEnumKeyExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  std::vector<std::string> names;
  for (const auto& [folded, child] : r->node->subkeys) names.push_back(child->name);
  return names;
}

Result<std::vector<std::string>> FakeRegistry::list_values(RegistryRoot root, const std::string& path) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::list_values, root, path, {}}, "RegEnumValueW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  std::vector<std::string> names;
  for (const auto& value : r->node->values) names.push_back(value.first);
  return names;
}

Result<RegistryValue> FakeRegistry::get_value(RegistryRoot root, const std::string& path, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::get_value, root, path, name}, "RegQueryValueExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it == r->node->values.end()) {
    return fake_error(win32_error::file_not_found, "RegQueryValueExW", value_display(root, path, name));
  }
  return it->second;
}

Result<void> FakeRegistry::set_value(RegistryRoot root, const std::string& path, const std::string& name,
                                     const RegistryValue& value) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::set_value, root, path, name}, "RegSetValueExW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  if (write_denied(root)) return fake_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it != r->node->values.end()) {
    it->second = as_stored(value);  // the name keeps the case it was created with
  } else {
    r->node->values.emplace_back(name, as_stored(value));
  }
  return success();
}

Result<void> FakeRegistry::delete_value(RegistryRoot root, const std::string& path, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto e = check_call({RegistryOperation::delete_value, root, path, name}, "RegDeleteValueW")) return *e;
  auto r = resolve("RegOpenKeyExW", root, path);
  if (!r) return r.error();
  if (!r->node) return fake_error(win32_error::file_not_found, "RegOpenKeyExW", key_display(root, path));
  // Opening the key for KEY_SET_VALUE fails before the value is looked up.
  if (write_denied(root)) return fake_error(win32_error::access_denied, "RegOpenKeyExW", key_display(root, path));
  const auto it = r->node->find_value(name);
  if (it == r->node->values.end()) {
    return fake_error(win32_error::file_not_found, "RegDeleteValueW", value_display(root, path, name));
  }
  r->node->values.erase(it);
  return success();
}

void FakeRegistry::fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_at_call(call_number, win32_code);
}

void FakeRegistry::fail_when(FaultInjector<RegistryCall>::Predicate predicate, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_when(std::move(predicate), win32_code);
}

void FakeRegistry::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear_faults();
}

std::uint64_t FakeRegistry::call_count() const {
  std::lock_guard lock(mutex_);
  return faults_.call_count();
}

std::vector<RegistryCall> FakeRegistry::calls() const {
  std::lock_guard lock(mutex_);
  return faults_.calls();
}

void FakeRegistry::set_elevated(bool elevated) {
  std::lock_guard lock(mutex_);
  elevated_ = elevated;
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

RegistrySnapshot FakeRegistry::snapshot() const {
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

}  // namespace wsbkit::mock
