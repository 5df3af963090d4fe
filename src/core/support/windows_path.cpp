#include "core/support/windows_path.hpp"

#include <algorithm>
#include <cctype>

namespace wsbkit {

bool is_absolute_windows_path(const std::string& path) {
  const bool drive = path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
                     (path[2] == '\\' || path[2] == '/');
  const bool unc = path.size() > 2 && path[0] == '\\' && path[1] == '\\';
  const bool control = std::any_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  return (drive || unc) && path.find_first_of("\"<>|*?") == std::string::npos && !control;
}

}  // namespace wsbkit
