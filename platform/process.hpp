// Process facility: run an executable to completion with captured output.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

class HeldFile;  // platform/file_security.hpp

struct ProcessRequest {
  std::string executable;               // a path; not searched on PATH
  // The checked executable, held open (FileSecurity::open_checked), or null. When set, the runner
  // starts it suspended, compares the image of the process with image->identity() (Win32: the
  // NT path from QueryFullProcessImageNameW(PROCESS_NAME_NATIVE)) and lets it run only when they
  // are equal; otherwise it is killed before its first instruction and the run fails with
  // ERROR_ACCESS_DENIED. It must outlive the run.
  const HeldFile* image = nullptr;
  std::vector<std::string> arguments;   // argv[1..]; the backend quotes them for the OS
  // Added to (or replacing in) the caller's environment; names compare case-insensitively on Windows.
  std::vector<std::pair<std::string, std::string>> environment_additions;
  std::string working_directory;        // empty: the caller's
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::string standard_input;           // written to the child's stdin, which is then closed
  // Polled (on the calling thread) at least every 20 ms while the child runs, and once before it
  // starts: when it returns true the whole process tree is killed at once and the outcome says
  // `cancelled`. Empty: never cancelled. It must not throw.
  std::function<bool()> cancelled;
  // Bytes kept per output stream: the first and the last halves, the middle replaced by a note
  // "[... N bytes cut ...]" (counted in ProcessOutcome::standard_*_bytes_cut).
  std::size_t output_limit = 256 * 1024;
};

struct ProcessOutcome {
  std::uint32_t exit_code = 0;
  std::string standard_output;  // bytes as the child wrote them
  std::string standard_error;
  // The timeout expired: the process and every process it started were killed (a Windows job
  // object), and exit_code is process_exit_code::timed_out. The output captured so far is kept.
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
  // ProcessRequest::cancelled said so: the tree was killed like on a timeout, with exit_code
  // process_exit_code::cancelled. The output captured so far is kept.
  bool cancelled = false;
  std::uint64_t standard_output_bytes_cut = 0;  // beyond ProcessRequest::output_limit
  std::uint64_t standard_error_bytes_cut = 0;
};

// The exit code a killed tree gets (ERROR_TIMEOUT, ERROR_CANCELLED): the flags above, not the
// code, say whether the child was killed; a child may exit with these codes on its own.
namespace process_exit_code {
inline constexpr std::uint32_t timed_out = 1460;
inline constexpr std::uint32_t cancelled = 1223;
}  // namespace process_exit_code

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // An error only when the process could not be started (ERROR_FILE_NOT_FOUND for a missing
  // executable, as CreateProcessW); a non-zero exit code or a timeout is an outcome, not an error.
  virtual Result<ProcessOutcome> run(const ProcessRequest& request) = 0;
};

}  // namespace wsbkit
