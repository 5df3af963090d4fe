#include "mock/host_clock.hpp"

#include "platform/win32/backends.hpp"

namespace wsbkit::mock {

std::unique_ptr<Clock> make_host_clock() { return win32::make_win32_clock(); }

}  // namespace wsbkit::mock
