// Registry contract backend: the in-memory fake.
#include "mock/fake_registry.hpp"
#include "tests/contract/registry_backend.hpp"

namespace wsbkit::contract {

RegistryBackend make_registry_backend() { return {"fake", std::make_unique<mock::FakeRegistry>()}; }

}  // namespace wsbkit::contract
