// Registers an application (and optionally its add-in) with Windows Server Backup, and removes
// exactly what it registered. Every change runs in one RegistryTransaction: all or nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/guid.hpp"
#include "platform/registry.hpp"

namespace wsbkit {

enum class ProxyStubMode { automatic, always, never };

struct AddinSpec {
  std::string exe_path;                    // absolute Windows path of wsbkit-addin.exe
  std::optional<std::string> policy_path;  // passed to the add-in on its command line
  std::optional<Guid> clsid;               // default: derived from the writer id
};

struct RegistrationSpec {
  Guid writer_id;
  std::string identifier;
  std::optional<AddinSpec> addin;
  ProxyStubMode proxy_stub = ProxyStubMode::automatic;
  std::string proxy_stub_dll;  // absolute Windows path of wsbkit-ps.dll (needed unless mode never)
};

struct ApplicationEntry {
  std::string writer_id;   // the key name as found
  std::string identifier;  // empty when the value is missing
  std::optional<std::string> clsid;
  std::optional<std::string> local_server;  // CLSID\LocalServer32 default value, when registered
  bool registered_by_wsbkit = false;
};

struct RegisterOutcome {
  std::string clsid;  // empty without add-in
  std::size_t changes = 0;
  bool proxy_stub_registered = false;
};

// Validation failures are Errors with api "validate", object = the field, message = the rule.
Result<void> validate_identifier(const std::string& identifier);
bool is_absolute_windows_path(const std::string& path);
// LocalServer32 command line: quoted exe path, the CLSID the add-in serves, the policy argument.
// (COM appends -Embedding.)
std::string local_server_command(const AddinSpec& addin, const std::string& clsid);
Guid default_clsid(const Guid& writer_id);

class Registrar {
 public:
  explicit Registrar(Registry& registry) : reg_(registry) {}

  Result<RegisterOutcome> register_application(const RegistrationSpec& spec);
  // Removes what wsbkit registered for this writer; returns the number of changes.
  Result<std::size_t> unregister_application(const Guid& writer_id);
  Result<std::vector<ApplicationEntry>> list_applications();
  // Whether every WSB interface has a ProxyStubClsid32 registration.
  Result<bool> proxy_stub_present();

 private:
  Registry& reg_;
};

}  // namespace wsbkit
