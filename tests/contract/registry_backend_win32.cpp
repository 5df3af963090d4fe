// Registry contract backend: the real Win32 registry (under Wine in CI). The tests work below a
// scratch key they delete afterwards.
#include "platform/win32/backends.hpp"
#include "tests/contract/registry_backend.hpp"

namespace wsbkit::contract {

RegistryBackend make_registry_backend() { return {"win32", win32::make_win32_registry()}; }

}  // namespace wsbkit::contract
