// A strict reader of the .reg files core/registration/reg_file writes (regedit's format, version
// 5.00): the oracle of the fuzz target `reg_file`, which writes keys and reads them back. It accepts
// exactly what regedit would read the same way, so a file it refuses (a line a name broke, an
// unknown line) is a file regedit would misread. Test code: wsbkit itself never reads .reg files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/registration/reg_file.hpp"

namespace wsbkit::fuzz {

struct RegFile {
  std::vector<std::string> comments;
  std::vector<RegFileKey> keys;
};

// `bytes`: FF FE, then UTF-16LE text. The error says which line is wrong and why.
Result<RegFile> read_reg_file(const std::string& bytes);

}  // namespace wsbkit::fuzz
