// Syntax of the Windows paths wsbkit writes into the registry and runs from policies.
#pragma once

#include <string>

namespace wsbkit {

// A drive path ("C:\..." or "C:/...") or a UNC path ("\\server\share\..."), with none of the
// characters Windows forbids in names ("<>|*?) and no control characters (a quote would also
// break the quoted command lines wsbkit builds).
bool is_absolute_windows_path(const std::string& path);

}  // namespace wsbkit
