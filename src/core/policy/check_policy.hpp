// The backup section of the policy: consistency checks run by CheckConsistency.
// (Filled by the consistency-check work; today no check type is known, so any check is refused.)
#pragma once

#include <string>
#include <vector>

#include "core/policy/step_options.hpp"

namespace wsbkit::policy {

struct CheckStep {
  std::string type;  // "files.present", "manifest.verify", "run"
  StepOptions options;
  std::string path;
};

struct BackupPolicy {
  std::vector<CheckStep> checks;
};

// Reads `backup` (the object at `path`) into `out`, adding problems to `doc`.
void parse_backup_policy(Document& doc, const nlohmann::json& backup, const std::string& path, const Defaults& defaults,
                         const std::map<std::string, ComponentMatch>& components, BackupPolicy& out);

}  // namespace wsbkit::policy
