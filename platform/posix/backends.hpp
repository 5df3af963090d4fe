// Factories of the real POSIX backends (Linux): the file system and the clock, so file-heavy logic
// runs on real files natively. Other facilities have no POSIX backend (they are faked).
#pragma once

#include <memory>

#include "platform/clock.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::posix {

std::unique_ptr<FileSystem> make_posix_file_system();
std::unique_ptr<Clock> make_posix_clock();

}  // namespace wsbkit::posix
