// Event log facility: what wsbkit reports to the Windows Application log (source "wsbkit").
// Reporting is best effort for callers, but a failure is still returned, never thrown.
#pragma once

#include <cstdint>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

enum class EventSeverity { information, warning, error };

class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual Result<void> report(EventSeverity severity, std::uint32_t event_id, const std::string& message) = 0;
};

}  // namespace wsbkit
