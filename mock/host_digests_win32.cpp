#include "mock/host_digests.hpp"
#include "platform/win32/digests_backend.hpp"

namespace wsbkit::mock {
std::unique_ptr<Digests> make_host_digests() { return win32::make_win32_digests(); }
}  // namespace wsbkit::mock
