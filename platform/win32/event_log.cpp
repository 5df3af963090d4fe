// Win32 event log backend: must contain only Win32-specific code. Reports to the Application log
// through RegisterEventSourceW/ReportEventW. The message text is the event's only insertion
// string, %1 of the event id's message in src/resources/wsbkit_events.mc (compiled into the add-in
// and wsbkit.exe, the source's EventMessageFile, registered by the MSI); without a registered
// message file Event Viewer still shows it (after its "description cannot be found" preamble).
// Under Wine the events go nowhere, successfully. Any message is reported: event_message_text
// makes it valid text within ReportEventW's limit.
#include <memory>
#include <mutex>

#include "platform/win32/backends.hpp"
#include "platform/win32/windows.hpp"

namespace wsbkit::win32 {
namespace {

WORD event_type(EventSeverity severity) {
  switch (severity) {
    case EventSeverity::information: return EVENTLOG_INFORMATION_TYPE;
    case EventSeverity::warning: return EVENTLOG_WARNING_TYPE;
    case EventSeverity::error: return EVENTLOG_ERROR_TYPE;
  }
  return EVENTLOG_ERROR_TYPE;
}

class Win32EventLog final : public EventLog {
 public:
  explicit Win32EventLog(std::string source) : source_name_(std::move(source)) {}

  Result<void> report(EventSeverity severity, std::uint32_t event_id, const std::string& message) override {
    std::lock_guard lock(mutex_);
    // Registered on first use, so constructing the backend cannot fail.
    if (!source_) {
      source_.reset(::RegisterEventSourceW(nullptr, widen(source_name_).c_str()));
      if (!source_) return last_error("RegisterEventSourceW", source_name_);
    }
    const std::wstring text = widen(event_message_text(message));  // valid text within the limit
    const wchar_t* strings[] = {text.c_str()};
    if (!::ReportEventW(source_.get(), event_type(severity), 0, event_id, nullptr, 1, 0, strings, nullptr)) {
      return last_error("ReportEventW", source_name_ + " event " + std::to_string(event_id));
    }
    return success();
  }

 private:
  std::mutex mutex_;
  std::string source_name_;
  unique_event_source source_;
};

}  // namespace

std::unique_ptr<EventLog> make_win32_event_log(const std::string& source) {
  return std::make_unique<Win32EventLog>(source);
}

}  // namespace wsbkit::win32
