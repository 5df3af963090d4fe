// ProcessControl contract backend: the fake (mock/fake_process_control.hpp).
#include "mock/fake_process_control.hpp"
#include "tests/contract/process_control_backends.hpp"

namespace wsbkit::contract {

ProcessControlBackend make_process_control_backend(int, char**) {
  auto fake = std::make_unique<mock::FakeProcessControl>();
  mock::FakeProcessControl* f = fake.get();
  return {"fake", std::move(fake), [f] { return f->spawn("C:\\tools\\helper.exe"); }, "helper.exe",
          [f](std::uint32_t id) { return f->alive(id); }};
}

}  // namespace wsbkit::contract
