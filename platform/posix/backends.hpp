// Factories of the real POSIX backends (Linux): the file system, the clock, network checks and file locks, so file-heavy logic
// runs on real files natively. Other facilities have no POSIX backend (they are faked).
#pragma once

#include <memory>

#include "platform/clock.hpp"
#include "platform/file_lock.hpp"
#include "platform/file_system.hpp"
#include "platform/network.hpp"

namespace wsbkit::posix {

std::unique_ptr<FileSystem> make_posix_file_system();
std::unique_ptr<Clock> make_posix_clock();
// flock on the lock file (platform/posix/file_lock.cpp).
std::unique_ptr<FileLocks> make_posix_file_locks();
// TCP connect checks for `wait.port` (getaddrinfo, non-blocking connect, poll).
std::unique_ptr<Network> make_posix_network();

}  // namespace wsbkit::posix
