#include "mock/host_clock.hpp"

#include "platform/posix/backends.hpp"

namespace wsbkit::mock {

std::unique_ptr<Clock> make_host_clock() { return posix::make_posix_clock(); }

}  // namespace wsbkit::mock
