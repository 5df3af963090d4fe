#include "core/registration/reg_file.hpp"

#include <cstdio>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

// regedit wraps hex data once a line reaches this many characters (measured on Windows exports:
// 18 bytes after `"LaunchPermission"=hex:`, then 25 bytes per continuation line).
constexpr std::size_t hex_wrap_at = 77;

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// A REG_SZ regedit writes as "text": terminated by its one NUL, no other NUL, no line break.
bool printable_string(const RegistryValue& value) {
  if (value.type != reg_type::sz || value.data.size() < 2 || value.data.size() % 2 != 0) return false;
  const std::size_t units = value.data.size() / 2;
  for (std::size_t i = 0; i < units; ++i) {
    const unsigned unit = value.data[2 * i] | (value.data[2 * i + 1] << 8);
    const bool last = i + 1 == units;
    if (last != (unit == 0) || unit == '\r' || unit == '\n') return false;
  }
  return true;
}

std::string hex2(unsigned v) {
  char text[3];
  std::snprintf(text, sizeof text, "%02x", v & 0xFF);
  return text;
}

bool has_line_break(const std::string& name) { return name.find_first_of("\r\n") != std::string::npos; }

Error unwritable(const std::string& key, const std::string& what) {
  return Error::win32(win32_error::invalid_data, "write .reg", key,
                      what + " holds a line break, which a .reg file cannot hold (regedit has no escape for it)");
}

}  // namespace

std::string reg_file_root(RegistryRoot root) {
  switch (root) {
    case RegistryRoot::local_machine: return "HKEY_LOCAL_MACHINE";
    case RegistryRoot::classes_root: return "HKEY_CLASSES_ROOT";
    case RegistryRoot::current_user: return "HKEY_CURRENT_USER";
    case RegistryRoot::users: return "HKEY_USERS";
  }
  return "HKEY_LOCAL_MACHINE";
}

std::string reg_file_value(const std::string& name, const RegistryValue& value) {
  std::string line = (name.empty() ? std::string("@") : quoted(name)) + "=";
  if (printable_string(value)) return line + quoted(decode_string(value).value());
  if (value.type == reg_type::dword && value.data.size() == 4) {
    char text[16];
    std::snprintf(text, sizeof text, "dword:%08x", decode_dword(value).value());
    return line + text;
  }
  if (value.type == reg_type::binary) {
    line += "hex:";
  } else {
    char text[24];
    std::snprintf(text, sizeof text, "hex(%x):", value.type);
    line += text;
  }
  std::size_t width = utf8_to_utf16(line).size();
  for (std::size_t i = 0; i < value.data.size(); ++i) {
    line += hex2(value.data[i]);
    if (i + 1 == value.data.size()) break;
    line += ",";
    width += 3;
    if (width >= hex_wrap_at) {
      line += "\\\r\n  ";
      width = 2;
    }
  }
  return line;
}

Result<std::string> reg_file_text(const std::vector<RegFileKey>& keys, const std::vector<std::string>& comments) {
  std::string text = "Windows Registry Editor Version 5.00\r\n\r\n";
  for (const auto& comment : comments) {
    // Each line of the comment is a comment line of its own: nothing in it can become a key or value.
    for (std::size_t start = 0;;) {
      const std::size_t end = comment.find_first_of("\r\n", start);
      text += "; " + comment.substr(start, end - start) + "\r\n";
      if (end == std::string::npos) break;
      start = end + (comment.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
  }
  if (!comments.empty()) text += "\r\n";
  for (const auto& key : keys) {
    const std::string where = reg_file_root(key.root) + "\\" + key.path;
    if (has_line_break(key.path)) return unwritable(where, "the key path");
    text += "[" + where + "]\r\n";
    for (const auto& [name, value] : key.values) {
      if (has_line_break(name)) return unwritable(where, "the value name '" + name + "'");
      text += reg_file_value(name, value) + "\r\n";
    }
    text += "\r\n";
  }
  return text;
}

std::string utf16le_with_bom(const std::string& utf8) {
  std::string bytes = "\xFF\xFE";
  for (const char16_t unit : utf8_to_utf16(utf8)) {
    bytes.push_back(static_cast<char>(unit & 0xFF));
    bytes.push_back(static_cast<char>(unit >> 8));
  }
  return bytes;
}

}  // namespace wsbkit
