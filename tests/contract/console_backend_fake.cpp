// Console contract backend: the fake (mock/fake_console.hpp), its input not interactive.
#include "mock/fake_console.hpp"
#include "tests/contract/console_backends.hpp"

namespace wsbkit::contract {

ConsoleBackend make_console_backend() {
  return {"fake", [](const std::string& text) -> std::unique_ptr<Console> {
            auto console = std::make_unique<mock::FakeConsole>();
            console->type(text);  // in the input, yet not typed at a terminal
            return console;
          }};
}

}  // namespace wsbkit::contract
