// Whether the add-in (running as SYSTEM) may use a file: the policy it reads, an executable a
// `run` step or check starts, a working directory. The rule and the held handle are
// FileSecurity's (platform/file_security.hpp); this gives every caller one refusal text.
//
// Use: `TrustedFile t = open_trusted(security, path, role); if (!t.refusal.empty()) refuse(t.refusal);`
// then read or run through `*t.file` while it lives (it holds the file: nobody can swap it).
#pragma once

#include <memory>
#include <string>

#include "platform/file_security.hpp"

namespace wsbkit {

struct TrustedFile {
  // Set whenever the file could be opened, even when it is refused (e.g. to read a refused policy's
  // writer id); null when it could not be opened or its path is refused.
  std::unique_ptr<HeldFile> file;
  // "" when the file may be used; else why not: its untrusted writers, a refused path, or the error
  // that kept the check from reading its security (never trusted on missing information).
  std::string refusal;
};

TrustedFile open_trusted(FileSecurity& security, const std::string& path, FileRole role);

// open_trusted's refusal alone (the file is released at once).
std::string untrusted_reason(FileSecurity& security, const std::string& path, FileRole role);

}  // namespace wsbkit
