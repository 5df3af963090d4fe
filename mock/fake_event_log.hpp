// Records every reported event; can be made to fail (at the N-th call or every call) like
// ReportEventW would, so callers' "logging failed" paths are tested.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "mock/fault_injection.hpp"
#include "platform/event_log.hpp"

namespace wsbkit::mock {

struct EventLogEntry {
  EventSeverity severity;
  std::uint32_t event_id;
  std::string message;
  bool operator==(const EventLogEntry&) const = default;
};

class FakeEventLog final : public EventLog {
 public:
  Result<void> report(EventSeverity severity, std::uint32_t event_id, const std::string& message) override;

  // --- test controls ---
  std::vector<EventLogEntry> entries() const;  // successful reports, in order
  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code = win32_error::access_denied);
  void fail_when(FaultInjector<EventLogEntry>::Predicate predicate,
                 std::uint32_t win32_code = win32_error::access_denied);
  std::uint64_t call_count() const;

 private:
  mutable std::mutex mutex_;
  std::vector<EventLogEntry> entries_;
  FaultInjector<EventLogEntry> faults_;
};

}  // namespace wsbkit::mock
