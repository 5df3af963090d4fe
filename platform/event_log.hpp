// Event log facility: what wsbkit reports to the Windows Application log (source "wsbkit").
// Reporting is best effort for callers, but a failure is still returned, never thrown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/error.hpp"

namespace wsbkit {

enum class EventSeverity { information, warning, error };

// ReportEventW's limit for one insertion string, in UTF-16 code units.
inline constexpr std::size_t max_event_message_units = 31839;

// What a backend writes for `message`: always valid text, never a failure because of the text.
// Bytes that are not UTF-8, unpaired surrogates, U+FFFE/U+FFFF and control characters other than
// tab, CR and LF (none of which an event's XML rendering can hold) become U+FFFD; past
// max_event_message_units the text is cut between characters and ends with a note saying how much
// was cut. Exact strings from COM are in the call log, not in events.
std::string event_message_text(std::string_view message);

class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual Result<void> report(EventSeverity severity, std::uint32_t event_id, const std::string& message) = 0;
};

}  // namespace wsbkit
