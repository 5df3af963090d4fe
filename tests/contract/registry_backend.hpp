// The registry under test. Each build links exactly one registry_backend_*.cpp (meson picks it):
// the fake natively, the Win32 backend under Wine; the contract test itself is the same source.
#pragma once

#include <memory>
#include <string>

#include "platform/registry.hpp"

namespace wsbkit::contract {

struct RegistryBackend {
  std::string name;
  std::unique_ptr<Registry> registry;
};

RegistryBackend make_registry_backend();

}  // namespace wsbkit::contract
