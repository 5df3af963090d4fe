// Win32 registry backend: must contain only Win32-specific code. Every call opens the key it needs
// with the least access that works, in the 64-bit view (KEY_WOW64_64KEY), and closes it again
// (unique_hkey); errors name the API, the key (and value) and carry the system's message.
#include <algorithm>
#include <memory>

#include "platform/registry.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

HKEY root_handle(RegistryRoot root) {
  switch (root) {
    case RegistryRoot::local_machine: return HKEY_LOCAL_MACHINE;
    case RegistryRoot::classes_root: return HKEY_CLASSES_ROOT;
    case RegistryRoot::current_user: return HKEY_CURRENT_USER;
    case RegistryRoot::users: return HKEY_USERS;
  }
  return HKEY_LOCAL_MACHINE;
}

// RegSetValueExW adds a string's forgotten terminator when the UTF-16 unit after the data in the
// caller's memory is NUL ("yes NT does this", says Wine; Windows does the same), and for a
// one-byte string it even reads the unit before the data. Our copy is framed by two non-NUL bytes
// on each side, so the data is stored exactly as given, byte for byte (what restoring an
// overwritten value needs), whatever lies around the caller's buffer.
constexpr std::uint8_t frame_byte = 0xFF;
constexpr std::size_t frame_size = 2;
std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> copy(data.size() + 2 * frame_size, frame_byte);
  for (std::size_t i = 0; i < data.size(); ++i) copy[frame_size + i] = data[i];
  return copy;
}

class Win32Registry final : public Registry {
 public:
  Result<bool> create_key(RegistryRoot root, const std::string& path) override {
    // The root itself always exists; Wine would report REG_CREATED_NEW_KEY for "", Windows not.
    if (path.empty()) return false;
    unique_hkey key;
    DWORD disposition = 0;
    // Least access that works: a non-elevated caller can still "create" an HKLM key that exists.
    const LSTATUS status =
        ::RegCreateKeyExW(root_handle(root), widen(path).c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE,
                          KEY_QUERY_VALUE | KEY_WOW64_64KEY, nullptr, key.put(), &disposition);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegCreateKeyExW", key_display(root, path));
    return disposition == REG_CREATED_NEW_KEY;
  }

  Result<bool> key_exists(RegistryRoot root, const std::string& path) override {
    unique_hkey key;
    const LSTATUS status = open(root, path, KEY_QUERY_VALUE, key);
    if (status == ERROR_FILE_NOT_FOUND) return false;
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    return true;
  }

  Result<void> delete_key(RegistryRoot root, const std::string& path) override {
    const LSTATUS status = ::RegDeleteKeyExW(root_handle(root), widen(path).c_str(), KEY_WOW64_64KEY, 0);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegDeleteKeyExW", key_display(root, path));
    return success();
  }

  Result<void> delete_tree(RegistryRoot root, const std::string& path) override {
    // RegDeleteTreeW takes no view flag: open the key in the 64-bit view, empty it, then delete it.
    {
      unique_hkey key;
      const LSTATUS status =
          open(root, path, DELETE | KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE | KEY_SET_VALUE, key);
      if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
      const LSTATUS deleted = ::RegDeleteTreeW(key.get(), nullptr);
      if (deleted != ERROR_SUCCESS) return win32_error(deleted, "RegDeleteTreeW", key_display(root, path));
    }
    return delete_key(root, path);
  }

  Result<std::vector<std::string>> list_subkeys(RegistryRoot root, const std::string& path) override {
    unique_hkey key;
    LSTATUS status = open(root, path, KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    DWORD longest = 0;
    status = ::RegQueryInfoKeyW(key.get(), nullptr, nullptr, nullptr, nullptr, &longest, nullptr, nullptr,
                                nullptr, nullptr, nullptr, nullptr);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegQueryInfoKeyW", key_display(root, path));
    std::vector<std::string> names;
    std::wstring buffer(std::max<DWORD>(longest + 1, 256), L'\0');
    for (DWORD index = 0;;) {
      DWORD length = static_cast<DWORD>(buffer.size());
      status = ::RegEnumKeyExW(key.get(), index, buffer.data(), &length, nullptr, nullptr, nullptr, nullptr);
      if (status == ERROR_NO_MORE_ITEMS) break;
      if (status == ERROR_MORE_DATA) {  // a longer name appeared since RegQueryInfoKeyW
        buffer.resize(buffer.size() * 2);
        continue;
      }
      if (status != ERROR_SUCCESS) return win32_error(status, "RegEnumKeyExW", key_display(root, path));
      names.push_back(narrow(std::wstring_view(buffer.data(), length)));
      ++index;
    }
    return names;
  }

  Result<std::vector<std::string>> list_values(RegistryRoot root, const std::string& path) override {
    unique_hkey key;
    LSTATUS status = open(root, path, KEY_QUERY_VALUE, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    DWORD longest = 0;
    status = ::RegQueryInfoKeyW(key.get(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                &longest, nullptr, nullptr, nullptr);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegQueryInfoKeyW", key_display(root, path));
    std::vector<std::string> names;
    std::wstring buffer(std::max<DWORD>(longest + 1, 256), L'\0');
    for (DWORD index = 0;;) {
      DWORD length = static_cast<DWORD>(buffer.size());
      status = ::RegEnumValueW(key.get(), index, buffer.data(), &length, nullptr, nullptr, nullptr, nullptr);
      if (status == ERROR_NO_MORE_ITEMS) break;
      if (status == ERROR_MORE_DATA) {
        buffer.resize(buffer.size() * 2);
        continue;
      }
      if (status != ERROR_SUCCESS) return win32_error(status, "RegEnumValueW", key_display(root, path));
      names.push_back(narrow(std::wstring_view(buffer.data(), length)));
      ++index;
    }
    return names;
  }

  Result<RegistryValue> get_value(RegistryRoot root, const std::string& path, const std::string& name) override {
    unique_hkey key;
    LSTATUS status = open(root, path, KEY_QUERY_VALUE, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    const std::wstring wide_name = widen(name);
    RegistryValue value;
    DWORD type = REG_NONE;
    DWORD size = 0;
    status = ::RegQueryValueExW(key.get(), wide_name.c_str(), nullptr, &type, nullptr, &size);
    // The value may grow between the size query and the read: retry until the buffer fits.
    while (status == ERROR_SUCCESS || status == ERROR_MORE_DATA) {
      value.data.resize(size);
      status = ::RegQueryValueExW(key.get(), wide_name.c_str(), nullptr, &type,
                                  value.data.empty() ? nullptr : value.data.data(), &size);
      if (status == ERROR_SUCCESS) {
        value.data.resize(size);
        value.type = type;
        return value;
      }
    }
    return win32_error(status, "RegQueryValueExW", value_display(root, path, name));
  }

  Result<void> set_value(RegistryRoot root, const std::string& path, const std::string& name,
                         const RegistryValue& value) override {
    unique_hkey key;
    LSTATUS status = open(root, path, KEY_SET_VALUE, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    const std::vector<std::uint8_t> copy = framed(value.data);
    status = ::RegSetValueExW(key.get(), widen(name).c_str(), 0, value.type,
                              value.data.empty() ? nullptr : copy.data() + frame_size,
                              static_cast<DWORD>(value.data.size()));
    if (status != ERROR_SUCCESS) return win32_error(status, "RegSetValueExW", value_display(root, path, name));
    return success();
  }

  Result<void> delete_value(RegistryRoot root, const std::string& path, const std::string& name) override {
    unique_hkey key;
    LSTATUS status = open(root, path, KEY_SET_VALUE, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    status = ::RegDeleteValueW(key.get(), widen(name).c_str());
    if (status != ERROR_SUCCESS) return win32_error(status, "RegDeleteValueW", value_display(root, path, name));
    return success();
  }

  // The parents first (inherited security), then the key itself with `security` as its own.
  Result<bool> create_key_with_security(RegistryRoot root, const std::string& path,
                                        const std::vector<std::uint8_t>& security) override {
    if (const auto cut = path.find_last_of('\\'); cut != std::string::npos) {
      if (auto parent = create_key(root, path.substr(0, cut)); !parent) return parent.error();
    }
    std::vector<std::uint8_t> descriptor(security);  // the API takes a non-const pointer
    SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), descriptor.data(), FALSE};
    unique_hkey key;
    DWORD disposition = 0;
    const LSTATUS status =
        ::RegCreateKeyExW(root_handle(root), widen(path).c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE,
                          KEY_QUERY_VALUE | KEY_WOW64_64KEY, &attributes, key.put(), &disposition);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegCreateKeyExW", key_display(root, path));
    return disposition == REG_CREATED_NEW_KEY;
  }

  Result<std::vector<std::uint8_t>> key_security(RegistryRoot root, const std::string& path) override {
    unique_hkey key;
    LSTATUS status = open(root, path, READ_CONTROL, key);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegOpenKeyExW", key_display(root, path));
    const SECURITY_INFORMATION wanted = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    DWORD size = 0;
    status = ::RegGetKeySecurity(key.get(), wanted, nullptr, &size);
    std::vector<std::uint8_t> descriptor(size);
    if (status == ERROR_INSUFFICIENT_BUFFER) status = ::RegGetKeySecurity(key.get(), wanted, descriptor.data(), &size);
    if (status != ERROR_SUCCESS) return win32_error(status, "RegGetKeySecurity", key_display(root, path));
    descriptor.resize(size);
    return descriptor;
  }

 private:
  static LSTATUS open(RegistryRoot root, const std::string& path, REGSAM access, unique_hkey& key) {
    return ::RegOpenKeyExW(root_handle(root), widen(path).c_str(), 0, access | KEY_WOW64_64KEY, key.put());
  }
};

}  // namespace

std::unique_ptr<Registry> make_win32_registry() { return std::make_unique<Win32Registry>(); }

}  // namespace wsbkit::win32
