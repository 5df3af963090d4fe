// Errors as the in-memory backends (and the fakes) report them: the same Win32 code, API name and
// object the real backend would give, with the English system message Windows has for the common
// codes.
#pragma once

#include <cstdint>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

std::string english_system_message(std::uint32_t win32_code);
Error memory_error(std::uint32_t win32_code, std::string api, std::string object = {});

}  // namespace wsbkit
