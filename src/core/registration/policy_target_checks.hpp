// What a policy must agree with on the machine it runs on, beyond its own syntax: every service it
// names is installed (a misspelt name fails only inside a real restore otherwise), and its
// `application` block names the registration it is given to (writer id and identifier). One piece
// of code for `validate` on the target, `register` and `doctor`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/policy/policy.hpp"
#include "platform/registry.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

struct TargetProblem {
  std::string path;     // "restore.pre[0].service.stop.service", "application.writer_id"
  std::string message;  // what is wrong, with the fix
};

// The registration a policy is given to: the writer id (braced) and WSB's identifier.
struct PolicyRegistration {
  std::string writer_id;
  std::string identifier;
};

// Every service named by a service.stop / service.start step that `services` does not know, with
// the closest installed names; and, with `registration`, an `application` block that names another
// writer or identifier. Errors: the service manager failed.
Result<std::vector<TargetProblem>> check_policy_on_target(const policy::Policy& policy, ServiceControl* services,
                                                          const std::optional<PolicyRegistration>& registration);

// The `application` block against a registration alone (what the add-in checks at start).
std::optional<TargetProblem> writer_mismatch(const policy::Policy& policy, const std::string& writer_id);

// The registration `policy_path` is given to (the add-in's --policy, as the registry or wsbkit's
// record says), else the one registered for the writer the policy names; nullopt when neither.
Result<std::optional<PolicyRegistration>> registration_for_policy(Registry& registry, ServiceControl* services,
                                                                  const std::string& policy_path,
                                                                  const std::string& policy_writer_id);

// Up to `count` of `candidates` closest to `name` (case-insensitive edit distance, near enough to
// be a likely typo), closest first.
std::vector<std::string> closest_names(const std::string& name, const std::vector<std::string>& candidates,
                                       std::size_t count = 3);

}  // namespace wsbkit
