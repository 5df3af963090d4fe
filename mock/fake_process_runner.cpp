#include "mock/fake_process_runner.hpp"

#include "mock/fake_error.hpp"
#include "platform/file_security.hpp"
#include "platform/memory/windows_names.hpp"

namespace wsbkit::mock {

FakeProcessRunner::Matcher executable_named(std::string file_name) {
  return [file_name = std::move(file_name)](const ProcessRequest& request) {
    const std::size_t slash = request.executable.find_last_of("/\\");
    const std::string base = slash == std::string::npos ? request.executable : request.executable.substr(slash + 1);
    return names_equal(base, file_name);
  };
}

Result<ProcessOutcome> FakeProcessRunner::run(const ProcessRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  // Cancelled before it starts, as the Win32 runner checks first: nothing runs, no script is used.
  if (request.cancelled && request.cancelled()) {
    ProcessOutcome outcome;
    outcome.exit_code = process_exit_code::cancelled;
    outcome.cancelled = true;
    return outcome;
  }
  if (request.image && identity_of_ && identity_of_(request.executable) != request.image->identity()) {
    return fake_error(win32_error::access_denied, "CreateProcessW", request.executable);
  }
  for (auto it = scripts_.begin(); it != scripts_.end(); ++it) {
    if (!it->matcher(request)) continue;
    Result<ProcessOutcome> result = it->result;
    if (!it->repeat) scripts_.erase(it);
    return result;
  }
  return fake_error(win32_error::file_not_found, "CreateProcessW", request.executable);
}

void FakeProcessRunner::expect(const std::string& executable_name, ProcessOutcome outcome) {
  expect(executable_named(executable_name), std::move(outcome));
}

void FakeProcessRunner::expect(Matcher matcher, ProcessOutcome outcome) {
  std::lock_guard lock(mutex_);
  // Single-use scripts go before repeating ones, in the order they were queued.
  auto pos = scripts_.begin();
  while (pos != scripts_.end() && !pos->repeat) ++pos;
  scripts_.insert(pos, Script{std::move(matcher), std::move(outcome), false});
}

void FakeProcessRunner::expect_start_failure(const std::string& executable_name, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  auto pos = scripts_.begin();
  while (pos != scripts_.end() && !pos->repeat) ++pos;
  scripts_.insert(pos, Script{executable_named(executable_name),
                              fake_error(win32_code, "CreateProcessW", executable_name), false});
}

void FakeProcessRunner::always(const std::string& executable_name, ProcessOutcome outcome) {
  std::lock_guard lock(mutex_);
  scripts_.push_back(Script{executable_named(executable_name), std::move(outcome), true});
}

void FakeProcessRunner::always_fails_to_start(const std::string& executable_name, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  scripts_.push_back(Script{executable_named(executable_name), fake_error(win32_code, "CreateProcessW", executable_name), true});
}

void FakeProcessRunner::set_image_resolver(std::function<std::string(const std::string& path)> identity_of) {
  std::lock_guard lock(mutex_);
  identity_of_ = std::move(identity_of);
}

std::vector<ProcessRequest> FakeProcessRunner::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeProcessRunner::unused_scripts() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const Script& s : scripts_) n += s.repeat ? 0 : 1;
  return n;
}

}  // namespace wsbkit::mock
