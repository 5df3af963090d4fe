// Contract backends: the in-memory fakes of mock/.
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_locks.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_registry.hpp"
#include "mock/fake_service_control.hpp"
#include "tests/contract/backends.hpp"

namespace wsbkit::contract {

RegistryBackend make_registry_backend() { return {"fake", std::make_unique<mock::FakeRegistry>()}; }
FileSystemBackend make_file_system_backend() {
  auto fake = std::make_unique<mock::FakeFileSystem>();
  auto* files = fake.get();
  return {"fake", std::move(fake), "C:/Temp", [files](const std::string& link, const std::string& target) {
            files->create_link(link, target, true);
            return true;
          },
          {}};  // the fake models no sharing modes (no program holds a file on it)
}
ClockBackend make_clock_backend() { return {"fake", std::make_unique<mock::FakeClock>()}; }
EventLogBackend make_event_log_backend() { return {"fake", std::make_unique<mock::FakeEventLog>()}; }
ServiceControlBackend make_service_control_backend(int, char**) {
  auto fake = std::make_unique<mock::FakeServiceControl>();
  mock::FakeServiceControl* scm = fake.get();
  return {"fake", std::move(fake), "C:\\wsbkit\\test-service.exe",
          [scm](const ServiceDefinition& definition, std::uint32_t service_code) -> Result<void> {
            if (auto created = scm->create_service(definition); !created) return created;
            scm->set_exits_while_starting(definition.name, win32_error::service_specific_error, service_code);
            return success();
          }};
}

FileLocksBackend make_file_locks_backend() { return {"fake", std::make_unique<mock::FakeFileLocks>(), "C:\\Locks", "\\"}; }

}  // namespace wsbkit::contract
