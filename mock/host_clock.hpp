// The host's real clock for tests that need real time to pass (WSB's QueryStatus polling while a
// check runs on a worker thread): the POSIX clock natively, the Win32 one under Wine. Manual time
// is mock/fake_clock.hpp.
#pragma once

#include <memory>

#include "platform/clock.hpp"

namespace wsbkit::mock {

std::unique_ptr<Clock> make_host_clock();

}  // namespace wsbkit::mock
