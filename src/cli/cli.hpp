// wsbkit.exe: the registrar and admin tool. Portable: main() builds the host's backends and
// passes them in, so every command is tested natively against fakes.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "platform/clock.hpp"
#include "platform/com/com_runtime.hpp"
#include "platform/console.hpp"
#include "platform/digests.hpp"
#include "platform/event_log.hpp"
#include "platform/file_lock.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"
#include "platform/process.hpp"
#include "platform/process_control.hpp"
#include "platform/protected_folders.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

// Exit codes (documented in README.md).
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failure = 1;        // a system call failed (message names API, object, reason)
inline constexpr int usage = 2;          // bad command line
inline constexpr int invalid_input = 3;  // a value broke a rule (message names field and rule)
inline constexpr int access_denied = 4;  // not elevated: run as Administrator
inline constexpr int not_found = 5;      // nothing registered under that writer / application
inline constexpr int calls_failed = 6;   // simulate: a WSB call returned something WSB would reject
inline constexpr int problems_found = 7; // doctor: at least one check found a problem
inline constexpr int recovery_refused = 8; // simulate: a consistency check failed, WSB would not allow recovery
inline constexpr int expectations_missed = 9;  // simulate --scenario: an expectation did not hold
}  // namespace exit_code

struct CliContext {
  Registry& registry;
  // Activates add-ins for `simulate`; created on first use (COM initialisation is not free).
  std::function<Result<std::unique_ptr<ComRuntime>>()> make_com_runtime;
  // For `simulate --in-process`: the add-in core, run inside wsbkit itself.
  std::function<std::shared_ptr<WsbApplication>()> make_in_process_addin;
  // Whether a file exists (the add-in and proxy/stub paths given to `register`).
  std::function<bool(const std::string& path)> file_exists;
  // For `validate` and `repair`; null where the host has no such backend.
  FileSystem* files = nullptr;
  ServiceControl* services = nullptr;
  Clock* clock = nullptr;
  EventLog* events = nullptr;
  std::string state_dir{};                // %ProgramData%\wsbkit: journals and logs
  bool check_referenced_files = false;  // validate: executables must exist (true on the target machine)
  FileLocks* locks = nullptr;           // repair: a session another live process holds is left alone
  // register / doctor: who may change the add-in (and its folder), the proxy/stub DLL and the
  // policy; null where the host has no such facility (nothing is checked).
  FileSecurity* security = nullptr;
  // repair: the journals' authentication (the key comes from `registry`, core/restore/journal_key.hpp).
  Digests* digests = nullptr;
  // repair, doctor: the state folder is checked (and held) before any journal in it is used; null:
  // no folder check (native tests).
  ProtectedFolders* folders = nullptr;
  // register: runs the add-in with --version to prove it is wsbkit's; null: not run.
  ProcessRunner* processes = nullptr;
  // `wsbkit --version`: the version this binary was built as (main() passes WSBKIT_VERSION).
  std::string version = "(unknown)";
  // simulate --kill-addin-after: terminates the add-in's process; null where the host has none.
  ProcessControl* process_control = nullptr;
  // simulate: the typed confirmation before a restore acts on live services without --yes; null
  // (or not interactive): --yes is the only way.
  Console* console = nullptr;
};

int run_cli(const std::vector<std::string>& args, CliContext& context, std::ostream& out, std::ostream& err);

}  // namespace wsbkit
