#include "core/steps/trust.hpp"

namespace wsbkit {

TrustedFile open_trusted(FileSecurity& security, const std::string& path, FileRole role) {
  auto held = security.open_checked(path, role);
  if (!held) {
    if (held.error().win32_code() == win32_error::bad_pathname) return {nullptr, held.error().system_message()};
    return {nullptr, "cannot check who may change " + path + ": " + held.error().message()};
  }
  TrustedFile trusted{std::move(*held), ""};
  const auto& writers = trusted.file->untrusted_writers();
  if (writers.empty()) return trusted;
  trusted.refusal = path + " can be changed by principals other than SYSTEM and Administrators:";
  for (const auto& w : writers) trusted.refusal += " " + w.describe() + ";";
  return trusted;
}

std::string untrusted_reason(FileSecurity& security, const std::string& path, FileRole role) {
  return open_trusted(security, path, role).refusal;
}

}  // namespace wsbkit
