// Registers an application (and optionally its add-in) with Windows Server Backup, and removes
// exactly what it registered. Every change runs in one RegistryTransaction: all or nothing; the
// same code plans (dry run) and applies.
//
// What wsbkit writes is recorded under HKLM\SOFTWARE\wsbkit (see ownership_record.hpp):
//   Registrations\{writer}  the registration's inputs (Identifier, CLSID, Addin, Policy, Hosting,
//                           Service, LaunchPermission, AccessPermission, ProxyStubMode,
//                           ProxyStubDll, ProxyStub = 1 when it uses wsbkit's proxy/stub) and what
//                           it created and overwrote;
//   ProxyStub               the same for the shared proxy/stub registration, which goes with the
//                           last registration using it.
//   EventSource             the event source "wsbkit", when register wrote it because no installer
//                           had (event_source.hpp); it goes with the last registration.
// The record is written FIRST, as an intent (value Intent = "register" / "unregister"; while a
// re-registration replaces other inputs, those are kept under Previous): it claims everything the
// command is about to create or overwrite (predicted by planning the same command), so a command
// killed midway, or whose undo failed, leaves a record that says so. `doctor` reports it;
// running `register` again completes it, `unregister` removes it. The intent goes last.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/support/guid.hpp"
#include "core/support/windows_path.hpp"
#include "core/registration/registry_transaction.hpp"
#include "core/registration/security_descriptor.hpp"
#include "platform/file_security.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

struct RegistrationPlan;  // what a registration wants, checked before anything is written (registrar.cpp)

enum class ProxyStubMode { automatic, always, never };
// How COM starts the add-in: its own process per activation (LocalServer32), or a Windows service
// running as LocalSystem, demand start (AppID LocalService), as Exchange's add-in does.
enum class Hosting { local_server, local_service };

std::string to_string(ProxyStubMode mode);  // "auto", "always", "never"
std::string to_string(Hosting hosting);      // "LocalServer32", "LocalService"

struct AddinSpec {
  std::string exe_path;                    // absolute Windows path of wsbkit-addin.exe
  std::optional<std::string> policy_path;  // passed to the add-in on its command line
  std::optional<Guid> clsid;               // default: derived from the writer id
  Hosting hosting = Hosting::local_server;
  std::string service_name;                // LocalService; default: default_service_name(clsid)
  std::string launch_permission = std::string(default_com_permission_sddl);  // SDDL
  std::string access_permission = std::string(default_com_permission_sddl);  // SDDL
};

struct RegistrationSpec {
  Guid writer_id;
  std::string identifier;
  std::optional<AddinSpec> addin;
  ProxyStubMode proxy_stub = ProxyStubMode::automatic;
  std::string proxy_stub_dll;  // absolute Windows path of wsbkit-ps.dll (needed unless mode never)
  // Takes over an Application Support entry for this writer that wsbkit did not write (its values
  // are overwritten and put back by unregister). Never overrides anything else: not the
  // duplicate-identifier rule, not another product's CLSID, service or proxy/stub.
  bool force = false;
};

struct ApplicationEntry {
  std::string writer_id;   // the key name as found
  std::string identifier;  // empty when the value is missing
  std::optional<std::string> clsid;
  std::optional<std::string> local_server;   // CLSID\LocalServer32 default value, when registered
  std::optional<std::string> local_service;  // AppID LocalService, when registered
  std::optional<std::string> launch_permission;  // AppID LaunchPermission as SDDL (or why unreadable)
  std::optional<std::string> access_permission;
  bool registered_by_wsbkit = false;
};

struct RegistrationOutcome {
  std::string clsid;            // empty without add-in
  std::vector<Change> changes;  // what was changed (or, planned, would be), in order
  bool proxy_stub_used = false;     // this registration uses wsbkit's proxy/stub
  bool proxy_stub_written = false;  // ...and this call wrote (or would write) its registration
  std::vector<std::string> left_behind;  // entries wsbkit created but did not remove, and why
  std::vector<std::string> warnings;     // what --force let through (files non-administrators may change)
};

// What `register` was last given for a writer, and what it owns, as recorded.
struct RecordedRegistration {
  RegistrationSpec spec;
  std::optional<std::string> clsid;
  bool uses_proxy_stub = false;
  // "register" or "unregister" while that command has not finished (it was killed, or its undo
  // failed): the record is its intent, written before anything else, and claims everything the
  // command was about to own. Empty once complete.
  std::string intent;
  // The registration an interrupted re-registration replaces (at most one): what it owned may
  // still be there too.
  std::vector<RecordedRegistration> previous;
  // An interrupted command, or a record whose own writing was cut short (no identifier).
  bool interrupted() const { return !intent.empty() || spec.identifier.empty(); }
};

// Validation failures are Errors with api "validate", object = the field, message = the rule.
Result<void> validate_identifier(const std::string& identifier);
// Service names: 1-256 characters, no '/' or '\' (CreateServiceW's rules).
Result<void> validate_service_name(const std::string& name);
// The checks that need no registry: identifier, paths, permissions, service name.
Result<void> validate_spec(const RegistrationSpec& spec);
// LocalServer32 command line: quoted exe path, the CLSID the add-in serves, the policy argument.
// (COM appends -Embedding.)
std::string local_server_command(const AddinSpec& addin, const std::string& clsid);
// The service hosting the add-in: LocalSystem, demand start, `"exe" --service NAME --clsid ...`.
ServiceDefinition service_definition(const RegistrationSpec& spec, const std::string& clsid);
Guid default_clsid(const Guid& writer_id);

// Whether only SYSTEM, Administrators and TrustedInstaller may change a file SYSTEM will run or
// read (FileSecurity's rule; an executable's folder too): `problem` says who else may ("" when
// nobody, or why it could not be checked), `fix` how to take that away (icacls). Register and
// doctor both ask here.
struct FileTrust {
  std::string problem;
  std::string fix;
};
FileTrust file_trust(FileSecurity& security, const std::string& path, FileRole role);
std::string default_service_name(const std::string& clsid);

class Registrar {
 public:
  // `services` is needed for LocalService hosting only. With `security`, register refuses an
  // add-in (or its folder), proxy/stub DLL or policy that non-administrators may change (unless
  // --force: then it registers with a warning); without it (no such facility) nothing is checked.
  explicit Registrar(Registry& registry, ServiceControl* services = nullptr, FileSecurity* security = nullptr)
      : reg_(registry), services_(services), security_(security) {}

  // Registers (or updates in place). In plan mode nothing is written and the outcome lists what
  // the same call in apply mode would change.
  Result<RegistrationOutcome> register_application(const RegistrationSpec& spec,
                                                   TransactionMode mode = TransactionMode::apply);
  // Removes what wsbkit registered for this writer (ERROR_FILE_NOT_FOUND when it has no record).
  Result<RegistrationOutcome> unregister_application(const Guid& writer_id,
                                                     TransactionMode mode = TransactionMode::apply);
  Result<std::vector<ApplicationEntry>> list_applications();
  // Whether every WSB interface has a ProxyStubClsid32 registration.
  Result<bool> proxy_stub_present();
  // Each WSB interface's ProxyStubClsid32 (layout::wsb_interfaces order), nullopt when missing.
  Result<std::vector<std::optional<std::string>>> proxy_stub_clsids();
  Result<std::optional<RecordedRegistration>> recorded(const Guid& writer_id);
  // The writer ids (key names) of every wsbkit record, with or without an Application Support entry.
  Result<std::vector<std::string>> recorded_writers();
  // The changes registering the recorded inputs again would make (planned, nothing written):
  // empty when the registry holds exactly what wsbkit recorded. The identifier-uniqueness rule is
  // left out (doctor reports it on its own). ERROR_FILE_NOT_FOUND without a record.
  Result<std::vector<Change>> drift_from_record(const Guid& writer_id);
  // The keys `export` writes for this writer: every key wsbkit created or wrote to for it (with
  // the values wsbkit wrote there), the proxy/stub's if it uses it, and wsbkit's records.
  struct ExportedKey {
    std::string path;  // HKLM-relative
    std::vector<std::pair<std::string, RegistryValue>> values;
  };
  Result<std::vector<ExportedKey>> exported_keys(const Guid& writer_id);

 private:
  // preflight, then apply: the same plan for a dry run and for the change.
  Result<RegistrationOutcome> register_checked(const RegistrationSpec& spec, TransactionMode mode, bool unique_identifier);
  // Validates the spec against the machine (reads only) and decides what the registration wants.
  Result<RegistrationPlan> preflight(const RegistrationSpec& spec, bool unique_identifier);
  // Executes the plan in one RegistryTransaction: all of it, or (on the first failure) nothing.
  Result<RegistrationOutcome> apply(RegistrationPlan& plan, TransactionMode mode);

  Registry& reg_;
  ServiceControl* services_;
  FileSecurity* security_;
};

}  // namespace wsbkit
