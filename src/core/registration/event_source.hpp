// The event source "wsbkit" of the Application log: EventMessageFile names a module carrying
// wsbkit's messages (the add-in; src/resources/wsbkit_events.mc), TypesSupported = 7 (error,
// warning, information).
//
// The MSI installs the source as one of its components. Where no installer ran, `register` (of an
// application with an add-in) writes it when no source "wsbkit" exists and the Application log's
// key does (Windows always has it; a machine without it has no event log to register with, and
// nothing is written), as a small step of its own inside the registration's
// transaction: the record SOFTWARE\wsbkit\EventSource claims the key and values first (so a
// command killed midway leaves a record naming them), then they are written and the record says
// exactly what was created (ownership_record.hpp). An existing source (the MSI's, or one written by
// an earlier registration) is left as it is. The last `unregister` gives back what the record owns
// and removes the record; a source wsbkit's record does not own is never touched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/registration/registry_transaction.hpp"

namespace wsbkit {

inline constexpr std::string_view application_log_key = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application";
inline constexpr std::string_view event_source_key = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\wsbkit";
inline constexpr std::string_view event_source_record = "SOFTWARE\\wsbkit\\EventSource";

// Writes the source with `message_file` (an absolute path) when no source "wsbkit" exists and the
// Application log's key does; completes one wsbkit's record already claims.
Result<void> claim_event_source(RegistryTransaction& tx, const std::string& message_file);
// Gives back what wsbkit's record of the source owns (values changed since are left, named in
// `left_behind`) and removes the record; nothing when there is no record.
Result<void> release_event_source(RegistryTransaction& tx, std::vector<std::string>& left_behind);

}  // namespace wsbkit
