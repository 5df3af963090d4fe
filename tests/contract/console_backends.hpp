// The implementations under test for the Console contract: console_backend_fake.cpp (mock/, every
// host) or win32/console_backend_win32.cpp (under Wine: real handles). A console a person types at
// is shown under Wine on a pseudo-terminal (tests/wine/timeline_test.sh, step 3).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "platform/console.hpp"

namespace wsbkit::contract {

struct ConsoleBackend {
  std::string name;
  // A console whose standard input is a file holding `text` (input redirected: `< answer.txt`).
  std::function<std::unique_ptr<Console>(const std::string& text)> redirected_from_file;
};
ConsoleBackend make_console_backend();

}  // namespace wsbkit::contract
