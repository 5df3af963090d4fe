// .reg files as regedit writes them ("Windows Registry Editor Version 5.00"): UTF-16LE with a
// byte order mark, CRLF lines, one [key] block per key followed by a blank line, values as
// "name"="text" (\ and " escaped), dword:0000002a, hex:..., hex(2): (REG_EXPAND_SZ), hex(7):
// (REG_MULTI_SZ) and hex(N): for the rest, hex lines wrapped with ",\" at regedit's width.
// What `wsbkit export` writes and `reg import` / regedit read back.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "platform/registry.hpp"

namespace wsbkit {

struct RegFileKey {
  RegistryRoot root = RegistryRoot::local_machine;
  std::string path;
  std::vector<std::pair<std::string, RegistryValue>> values;
};

// "HKEY_LOCAL_MACHINE" & co.
std::string reg_file_root(RegistryRoot root);
// One value line (possibly wrapped over several), without the final CRLF. The name must hold no
// CR or LF (reg_file_text checks).
std::string reg_file_value(const std::string& name, const RegistryValue& value);
// The whole file as UTF-8 text; `comments` become ";" lines after the header, one per line of
// the comment. A key path or value name holding a CR or LF is refused (ERROR_INVALID_DATA):
// regedit has no escape for a line break there, and the name would end its line early and could
// start a key or value of its own.
Result<std::string> reg_file_text(const std::vector<RegFileKey>& keys, const std::vector<std::string>& comments = {});
// The bytes regedit writes: FF FE, then the text in UTF-16LE.
std::string utf16le_with_bom(const std::string& utf8);

}  // namespace wsbkit
