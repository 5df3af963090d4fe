// Every event id wsbkit reports to the Windows Application log (source "wsbkit"), in one place.
// The ids are stable: administrators filter on them and README lists them. A new event gets a new
// id here; an id is never reused for another meaning. Each id has its message (the event's text
// around its details, %1) in src/resources/wsbkit_events.mc: the wine_msi test fails without it.
#pragma once

#include <cstdint>

namespace wsbkit::event_id {

// The add-in process.
inline constexpr std::uint32_t addin_started = 1;
inline constexpr std::uint32_t addin_failed = 2;

// Restore sessions (PreRestore / PostRestore).
inline constexpr std::uint32_t session_started = 10;
inline constexpr std::uint32_t session_completed = 11;
inline constexpr std::uint32_t pre_restore_failed = 12;
inline constexpr std::uint32_t post_restore_failed = 13;
inline constexpr std::uint32_t services_given_back = 14;
inline constexpr std::uint32_t interrupted_session_completed = 15;
inline constexpr std::uint32_t journal_damaged = 16;
inline constexpr std::uint32_t policy_invalid = 17;
// A `run` step or check (restore and consistency checks alike), or the policy file itself, that
// someone other than SYSTEM/Administrators could change: refused.
inline constexpr std::uint32_t step_refused_insecure = 18;
inline constexpr std::uint32_t step_failed_continued = 19;
// A restore run log line could not be written (the step's outcome stands).
inline constexpr std::uint32_t run_log_failed = 20;
// A journal that fails its authentication (planted, edited, older format): refused, nothing acted on.
inline constexpr std::uint32_t journal_refused = 21;
// The state folder (or the journal key) fails its check (a junction, an owner or DACL that lets
// others in): the add-in refuses to use it.
inline constexpr std::uint32_t state_folder_refused = 22;
// A boot or system start service (a driver) that a journal or a step would have touched: left alone.
inline constexpr std::uint32_t driver_left_alone = 23;

// Consistency checks (CheckConsistency).
inline constexpr std::uint32_t check_passed = 30;
inline constexpr std::uint32_t check_failed = 31;
inline constexpr std::uint32_t check_aborted = 32;
inline constexpr std::uint32_t check_step_failed_continued = 33;
// SeBackupPrivilege could not be put back as a check found it (the token keeps it enabled).
inline constexpr std::uint32_t backup_privilege_not_restored = 34;

}  // namespace wsbkit::event_id
