// `wsbkit doctor`: checks each application registered with Windows Server Backup (and the
// proxy/stub its add-in needs) and reports every check as ok or problem, with what to do about a
// problem. Read-only: it never changes anything (its record check plans a re-registration in plan
// mode).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/support/guid.hpp"
#include "platform/file_security.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

enum class CheckStatus { ok, problem };

struct DoctorCheck {
  std::string subject;  // "'Ledger' {writer}" or "proxy/stub"
  std::string name;     // "identifier unique"
  CheckStatus status = CheckStatus::ok;
  std::string detail;   // what was found
  std::string fix;      // what to do (problems only)
};

struct DoctorOptions {
  std::optional<Guid> writer;  // only this application
  std::function<bool(const std::string& path)> file_exists;
  // Validates a policy file as the add-in of `writer_id` (registered as `identifier`) will read it on
  // this machine (core/registration/policy_target_checks.hpp); the error message lists the problems,
  // one a line. Unset: the check is presence only.
  std::function<Result<void>(const std::string& path, const std::string& writer_id, const std::string& identifier)>
      validate_policy;
  // Who may change the add-in and its folder, the proxy/stub DLL and the policy (only SYSTEM,
  // Administrators and TrustedInstaller may). Unset (no such facility on the host): not checked.
  FileSecurity* security = nullptr;
};

// The checks, in the order they are reported. Errors are registry failures only; what the checks
// find is in the list.
Result<std::vector<DoctorCheck>> run_doctor(Registry& registry, ServiceControl* services, const DoctorOptions& options);

// The state folder check: ok when <root>\{,sessions,logs} are SYSTEM's and the administrators'
// alone (or do not exist yet: they are created protected on first use); a problem names each
// folder that is a junction, a file, or lets anyone else in, with the fix. Errors: system calls.
class ProtectedFolders;
Result<DoctorCheck> check_state_folder(ProtectedFolders& folders, const std::string& root);

// The add-in's --policy argument in its command line, if any.
std::optional<std::string> policy_argument(const std::string& command_line);

// The command line that registers `spec` again (doctor's fix for a registry that drifted from
// wsbkit's record).
struct RegistrationSpec;
std::string register_command_line(const RegistrationSpec& spec);

}  // namespace wsbkit
