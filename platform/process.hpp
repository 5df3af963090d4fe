// Process facility: run an executable to completion with captured output.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "platform/error.hpp"

namespace wsbkit {

struct ProcessRequest {
  std::string executable;               // a path; not searched on PATH
  std::vector<std::string> arguments;   // argv[1..]; the backend quotes them for the OS
  // Added to (or replacing in) the caller's environment; names compare case-insensitively on Windows.
  std::vector<std::pair<std::string, std::string>> environment_additions;
  std::string working_directory;        // empty: the caller's
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::string standard_input;           // written to the child's stdin, which is then closed
};

struct ProcessOutcome {
  std::uint32_t exit_code = 0;
  std::string standard_output;  // bytes as the child wrote them
  std::string standard_error;
  // The timeout expired: the process and every process it started were killed (a Windows job
  // object), and exit_code is the kill's code. The output captured so far is kept.
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // An error only when the process could not be started (ERROR_FILE_NOT_FOUND for a missing
  // executable, as CreateProcessW); a non-zero exit code or a timeout is an outcome, not an error.
  virtual Result<ProcessOutcome> run(const ProcessRequest& request) = 0;
};

}  // namespace wsbkit
