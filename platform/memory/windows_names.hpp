// How Windows compares registry (and NTFS) names: case-insensitively by upper-casing each UTF-16
// code unit, beyond ASCII ("été" and "ÉTÉ" are the same key). This table covers ASCII, Latin-1,
// Latin Extended-A, Greek, Cyrillic and fullwidth Latin, which is what wsbkit's names use; Windows'
// own table covers all of Unicode.
#pragma once

#include <string>
#include <string_view>

namespace wsbkit {

char16_t windows_upcase(char16_t c);
// The name as Windows compares it: upper-cased UTF-16. Ordering by it is Windows' subkey order.
std::u16string fold_name(std::string_view utf8);
bool names_equal(std::string_view a, std::string_view b);

}  // namespace wsbkit
