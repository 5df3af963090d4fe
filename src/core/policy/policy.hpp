// The policy: what the add-in does for one application, from a JSON file (comments allowed).
//
//   {
//     "application": { "writer_id": "{...}", "identifier": "Contoso Ledger" },
//     "components": { "db": { "name": "LedgerDB*", "logical_path": "Contoso\\Ledger" } },
//     "roll_forward_supported": false,
//     "defaults": { "timeout": "30s", "retries": 0, "retry_delay": "1s" },
//     "restore": {
//       "order": ["db", "logs"], "after": [{ "component": "logs", "after": "db" }],
//       "max_duration": "2h",
//       "pre":  [{ "service.stop": { "service": "LedgerSvc", "disable_during_restore": true } }],
//       "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "2m" }]
//     },
//     "backup": { "check": [ ... ] }            (see check_policy.hpp)
//   }
//
// A step is an object with exactly one action key and the common options (step_options.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/policy/check_policy.hpp"
#include "core/policy/policy_document.hpp"
#include "core/policy/step_options.hpp"
#include "platform/file_security.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::policy {

// "service": one name or a list; a list is stopped (started) as one group, in parallel wherever
// the dependency graph allows.
struct ServiceStop {
  std::vector<std::string> services;
  bool disable_during_restore = false;
};
struct ServiceStart {
  std::vector<std::string> services;
};
using Run = RunCommand;  // step_options.hpp; `secrets` are redacted from captured output and logs
struct WaitPort {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};
struct WaitFile {
  std::string path;
  bool exists = true;  // wait until it exists (true) or until it is gone (false)
};
using RestoreAction = std::variant<ServiceStop, ServiceStart, Run, WaitPort, WaitFile>;

struct RestoreStep {
  RestoreAction action;
  StepOptions options;
  std::string path;  // "restore.pre[2]": how logs and errors name the step
};

struct OrderRule {
  std::string component;  // component id
  std::string after;      // component id
};

struct RestorePolicy {
  std::vector<RestoreStep> pre;
  std::vector<RestoreStep> post;
  std::vector<std::string> order;  // component ids, first restored first
  std::vector<OrderRule> after;
  Duration max_duration = std::chrono::hours(2);
  bool has_ordering() const { return !order.empty() || !after.empty(); }
};

struct Policy {
  std::string writer_id;   // braced, upper case ("" when absent)
  std::string identifier;
  std::map<std::string, ComponentMatch> components;  // by id
  bool roll_forward_supported = false;
  Defaults defaults;
  RestorePolicy restore;
  BackupPolicy backup;
};

struct LoadResult {
  std::optional<Policy> policy;     // set when there are no problems
  std::vector<Problem> problems;
};

struct ParseOptions {
  // Set where the referenced files can be checked (on the target machine): an executable that
  // does not exist is then a problem.
  std::function<bool(const std::string& path)> file_exists;
};

LoadResult parse_policy(const std::string& text, const ParseOptions& options = {});

// Reads the policy file and parses it: how the add-in and `wsbkit validate` both load a policy.
// A file over max_policy_bytes gives the size problem after at most that much has been read (the
// file is hostile until proven otherwise). The Error is a failure to read; problems in the text
// are in the LoadResult.
Result<LoadResult> load_policy_file(FileSystem& files, const std::string& path, const ParseOptions& options = {});
// The same from a file held open by the trust check (platform/file_security.hpp): the bytes come
// through the handle that was checked, so the text parsed is the text trusted.
Result<LoadResult> load_policy_file(HeldFile& file, const ParseOptions& options = {});

// The ids of the policy's components matching a WSB component (name and logical path).
std::vector<std::string> matching_components(const Policy& policy, const OptionalName& name, const OptionalName& logical_path);

}  // namespace wsbkit::policy
