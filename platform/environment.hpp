// Environment facility: expands %NAME% references the way Windows does (ExpandEnvironmentStringsW)
// from the calling process's own environment. VSS writer metadata paths may contain them
// ("%SystemRoot%\Ledger"); the add-in expands them before mapping a path to a snapshot. Text is
// UTF-8 (WTF-8 inside: unpaired surrogates round-trip).
//
// Windows' rules, which every backend follows: a name matches case-insensitively; a reference to
// an undefined name stays as written, percent signs included ("%NOPE%\x" -> "%NOPE%\x"); a lone
// '%' stays; "%%" is an empty name and stays. Expansion is one pass (a value holding "%X%" is not
// expanded again). Whether the closing '%' of an undefined name may open the next reference
// ("%NOPE%X%") is not documented: Wine skips it, and so does the fake; nothing relies on it.
#pragma once

#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class Environment {
 public:
  virtual ~Environment() = default;
  virtual Result<std::string> expand(const std::string& text) = 0;
};

}  // namespace wsbkit
