#include "mock/fake_event_log.hpp"

#include "mock/fake_error.hpp"

namespace wsbkit::mock {

Result<void> FakeEventLog::report(EventSeverity severity, std::uint32_t event_id, const std::string& message) {
  std::lock_guard lock(mutex_);
  EventLogEntry entry{severity, event_id, message};
  if (const auto code = faults_.on_call(entry)) {
    return fake_error(*code, "ReportEventW", "wsbkit event " + std::to_string(event_id));
  }
  entries_.push_back(std::move(entry));
  return success();
}

std::vector<EventLogEntry> FakeEventLog::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

void FakeEventLog::fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_at_call(call_number, win32_code);
}

void FakeEventLog::fail_when(FaultInjector<EventLogEntry>::Predicate predicate, std::uint32_t win32_code) {
  std::lock_guard lock(mutex_);
  faults_.fail_when(std::move(predicate), win32_code);
}

std::uint64_t FakeEventLog::call_count() const {
  std::lock_guard lock(mutex_);
  return faults_.call_count();
}

}  // namespace wsbkit::mock
