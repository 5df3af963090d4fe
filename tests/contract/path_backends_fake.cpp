// Path backends for the contracts: the in-memory fakes (volumes, environment).
#include "mock/fake_environment.hpp"
#include "mock/fake_privileges.hpp"
#include "mock/fake_volumes.hpp"
#include "tests/contract/path_backends.hpp"

namespace wsbkit::contract {

VolumesBackend make_volumes_backend() {
  auto volumes = std::make_unique<mock::FakeVolumes>();
  volumes->add("C:\\", "\\\\?\\Volume{c0c0c0c0-0000-0000-0000-000000000000}\\");
  return {"fake", std::move(volumes), "C:\\"};
}

EnvironmentBackend make_environment_backend() {
  auto environment = std::make_unique<mock::FakeEnvironment>();
  mock::FakeEnvironment* fake = environment.get();
  return {"fake", std::move(environment), [fake](const std::string& name, const char* value) {
            if (value) fake->set(name, value);
            else fake->unset(name);
          }};
}

PrivilegesBackend make_privileges_backend() { return {"fake", std::make_unique<mock::FakePrivileges>()}; }

}  // namespace wsbkit::contract
