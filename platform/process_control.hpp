// Processes by id: this process's own id, and terminating another one (what `wsbkit simulate
// --kill-addin-after` does to the add-in's server process: a crash as WSB's host would see it).
// Win32: GetCurrentProcessId, OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE) + TerminateProcess,
// waiting until the process is gone (platform/win32/process_control.cpp); fake: mock/fake_process_control.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  virtual std::uint32_t current_process_id() = 0;
  // The full path of the process's executable (QueryFullProcessImageNameW): what a caller checks
  // before it terminates an id read from a file (the id may name another process by now).
  virtual Result<std::string> image_path(std::uint32_t process_id) = 0;
  // Ends the process with `exit_code` and waits up to `wait` until it is gone. An id that names
  // no process is an error (ERROR_INVALID_PARAMETER, as OpenProcess says), nothing touched.
  virtual Result<void> terminate(std::uint32_t process_id, std::uint32_t exit_code, std::chrono::milliseconds wait) = 0;
};

}  // namespace wsbkit
