// Portable part of the registry facility: the typed value helpers (REG_SZ & co. encoded exactly
// as Windows stores them) and how keys are named in messages. No Windows types here.
#include "platform/registry.hpp"

#include "platform/text.hpp"

namespace wsbkit {
namespace {

void append_utf16le(std::vector<std::uint8_t>& out, std::u16string_view text) {
  for (char16_t c : text) {
    out.push_back(static_cast<std::uint8_t>(c & 0xFF));
    out.push_back(static_cast<std::uint8_t>(c >> 8));
  }
}

RegistryValue string_value(std::uint32_t type, const std::string& utf8) {
  RegistryValue v{type, {}};
  append_utf16le(v.data, utf8_to_utf16(utf8));
  append_utf16le(v.data, std::u16string_view(u"\0", 1));
  return v;
}

std::string type_name(std::uint32_t type) {
  switch (type) {
    case reg_type::none: return "REG_NONE";
    case reg_type::sz: return "REG_SZ";
    case reg_type::expand_sz: return "REG_EXPAND_SZ";
    case reg_type::binary: return "REG_BINARY";
    case reg_type::dword: return "REG_DWORD";
    case reg_type::multi_sz: return "REG_MULTI_SZ";
    case reg_type::qword: return "REG_QWORD";
    default: return "type " + std::to_string(type);
  }
}

Error wrong_type(const char* decoder, std::uint32_t actual, const char* expected) {
  return Error::win32(error_unsupported_type, decoder, {},
                      "value is " + type_name(actual) + ", expected " + expected);
}

// UTF-16LE bytes -> code units; an odd byte count cannot be UTF-16 and is refused.
Result<std::u16string> utf16_units(const RegistryValue& value, const char* decoder) {
  if (value.data.size() % 2 != 0) {
    return Error::win32(win32_error::invalid_data, decoder, {},
                        type_name(value.type) + " data has an odd byte count (" +
                            std::to_string(value.data.size()) + ")");
  }
  std::u16string units(value.data.size() / 2, u'\0');
  for (std::size_t i = 0; i < units.size(); ++i) {
    units[i] = static_cast<char16_t>(value.data[2 * i] | (value.data[2 * i + 1] << 8));
  }
  return units;
}

// Re-labels an error from a decoder with the key and value it was read from.
Error with_object(const Error& e, const std::string& api, RegistryRoot root, const std::string& path,
                  const std::string& name) {
  return Error::win32(e.win32_code(), api, value_display(root, path, name), e.system_message());
}

}  // namespace

std::string root_name(RegistryRoot root) {
  switch (root) {
    case RegistryRoot::local_machine: return "HKLM";
    case RegistryRoot::classes_root: return "HKCR";
    case RegistryRoot::current_user: return "HKCU";
    case RegistryRoot::users: return "HKU";
  }
  return "HK?";
}

std::string key_display(RegistryRoot root, const std::string& path) {
  return path.empty() ? root_name(root) : root_name(root) + "\\" + path;
}

std::string value_display(RegistryRoot root, const std::string& path, const std::string& name) {
  return key_display(root, path) + ", value \"" + name + "\"";
}

RegistryValue reg_sz(const std::string& utf8) { return string_value(reg_type::sz, utf8); }
RegistryValue reg_expand_sz(const std::string& utf8) { return string_value(reg_type::expand_sz, utf8); }

RegistryValue reg_dword(std::uint32_t value) {
  return {reg_type::dword,
          {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
           static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)}};
}

RegistryValue reg_binary(std::vector<std::uint8_t> bytes) { return {reg_type::binary, std::move(bytes)}; }

// Each string NUL-terminated, then one more NUL ending the list. An empty string inside the list
// is written as is; decode_multi_string reads it back (see there).
RegistryValue reg_multi_sz(const std::vector<std::string>& utf8_strings) {
  RegistryValue v{reg_type::multi_sz, {}};
  for (const std::string& s : utf8_strings) {
    append_utf16le(v.data, utf8_to_utf16(s));
    append_utf16le(v.data, std::u16string_view(u"\0", 1));
  }
  append_utf16le(v.data, std::u16string_view(u"\0", 1));
  return v;
}

Result<std::string> decode_string(const RegistryValue& value) {
  if (value.type != reg_type::sz && value.type != reg_type::expand_sz) {
    return wrong_type("decode_string", value.type, "REG_SZ or REG_EXPAND_SZ");
  }
  auto units = utf16_units(value, "decode_string");
  if (!units) return units.error();
  // The string ends at the first NUL, or at the end of the data if the writer left it out.
  std::u16string_view text(*units);
  text = text.substr(0, text.find(u'\0'));
  return utf16_to_utf8(text);
}

Result<std::uint32_t> decode_dword(const RegistryValue& value) {
  if (value.type != reg_type::dword) return wrong_type("decode_dword", value.type, "REG_DWORD");
  if (value.data.size() != 4) {
    return Error::win32(win32_error::invalid_data, "decode_dword", {},
                        "REG_DWORD data has " + std::to_string(value.data.size()) + " bytes, expected 4");
  }
  return static_cast<std::uint32_t>(value.data[0]) | (static_cast<std::uint32_t>(value.data[1]) << 8) |
         (static_cast<std::uint32_t>(value.data[2]) << 16) | (static_cast<std::uint32_t>(value.data[3]) << 24);
}

// The data is a run of NUL-terminated strings; the last one, if empty, is the list terminator and
// not part of the list. So every list reg_multi_sz writes (including ones holding empty strings)
// reads back unchanged, and data written by others with a missing final terminator still reads.
Result<std::vector<std::string>> decode_multi_string(const RegistryValue& value) {
  if (value.type != reg_type::multi_sz) return wrong_type("decode_multi_string", value.type, "REG_MULTI_SZ");
  auto units = utf16_units(value, "decode_multi_string");
  if (!units) return units.error();
  std::vector<std::string> strings;
  std::u16string_view rest(*units);
  while (!rest.empty()) {
    const std::size_t end = rest.find(u'\0');
    strings.push_back(utf16_to_utf8(rest.substr(0, end)));
    rest = end == std::u16string_view::npos ? std::u16string_view() : rest.substr(end + 1);
  }
  if (!strings.empty() && strings.back().empty()) strings.pop_back();
  return strings;
}

Result<std::string> get_string(Registry& reg, RegistryRoot root, const std::string& path,
                               const std::string& name) {
  auto value = reg.get_value(root, path, name);
  if (!value) return value.error();
  auto text = decode_string(*value);
  if (!text) return with_object(text.error(), "get_string", root, path, name);
  return text;
}

Result<std::uint32_t> get_dword(Registry& reg, RegistryRoot root, const std::string& path,
                                const std::string& name) {
  auto value = reg.get_value(root, path, name);
  if (!value) return value.error();
  auto number = decode_dword(*value);
  if (!number) return with_object(number.error(), "get_dword", root, path, name);
  return number;
}

}  // namespace wsbkit
