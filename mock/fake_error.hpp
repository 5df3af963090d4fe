// Errors as the fakes report them: exactly what the in-memory backends give (system_messages.hpp).
#pragma once

#include "platform/memory/system_messages.hpp"

namespace wsbkit::mock {

inline Error fake_error(std::uint32_t win32_code, std::string api, std::string object = {}) {
  return memory_error(win32_code, std::move(api), std::move(object));
}
using wsbkit::english_system_message;

}  // namespace wsbkit::mock
