// Scripted process runs: a test queues outcomes for executables (matched by file name, case
// insensitive, or by a predicate over the whole request); each run takes the first matching
// script and records the request. A run nothing matches fails like CreateProcessW for a missing
// executable (ERROR_FILE_NOT_FOUND), so forgotten scripts show up as errors, not as silent zeros.
// A request whose `cancelled` already answers true yields a cancelled outcome without using a script.
// With an image resolver (FakeFileSecurity::identity_of), a request carrying a held image runs only
// when its executable path names that very file now, like the Win32 runner's image check:
// otherwise it fails with ERROR_ACCESS_DENIED and no script is used.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "platform/process.hpp"

namespace wsbkit::mock {

class FakeProcessRunner final : public ProcessRunner {
 public:
  using Matcher = std::function<bool(const ProcessRequest&)>;

  Result<ProcessOutcome> run(const ProcessRequest& request) override;

  // --- test controls ---
  // The next run of an executable with this file name ("vssadmin.exe" matches "C:\...\VSSADMIN.EXE")
  // yields `outcome`; queued scripts are used once each, in order.
  void expect(const std::string& executable_name, ProcessOutcome outcome);
  void expect(Matcher matcher, ProcessOutcome outcome);
  // The next matching run fails to start with this Win32 code.
  void expect_start_failure(const std::string& executable_name, std::uint32_t win32_code);
  // Every run matching answers this (after queued scripts are used up).
  void always(const std::string& executable_name, ProcessOutcome outcome);
  // Every run matching fails to start with this Win32 code (after queued scripts are used up).
  void always_fails_to_start(const std::string& executable_name, std::uint32_t win32_code);
  void set_image_resolver(std::function<std::string(const std::string& path)> identity_of);
  std::vector<ProcessRequest> requests() const;
  std::size_t unused_scripts() const;

 private:
  struct Script {
    Matcher matcher;
    Result<ProcessOutcome> result;
    bool repeat;
  };
  mutable std::mutex mutex_;
  std::deque<Script> scripts_;
  std::vector<ProcessRequest> requests_;
  std::function<std::string(const std::string& path)> identity_of_;
};

// Matches a request by the executable's file name (case-insensitive, either separator).
FakeProcessRunner::Matcher executable_named(std::string file_name);

}  // namespace wsbkit::mock
