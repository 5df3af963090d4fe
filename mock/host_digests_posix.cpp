#include "mock/host_digests.hpp"
#include "platform/posix/digests_backend.hpp"

namespace wsbkit::mock {
std::unique_ptr<Digests> make_host_digests() { return posix::make_posix_digests(); }
}  // namespace wsbkit::mock
