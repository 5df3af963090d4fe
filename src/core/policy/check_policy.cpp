#include "core/policy/check_policy.hpp"

namespace wsbkit::policy {

void parse_backup_policy(Document& doc, const nlohmann::json& backup, const std::string& path, const Defaults&,
                         const std::map<std::string, ComponentMatch>&, BackupPolicy&) {
  if (!doc.object(backup, path, {"check"})) return;
  if (!backup.contains("check")) return;
  const std::string checks = Document::child(path, "check");
  if (!backup["check"].is_array()) {
    doc.problem(checks, "must be a list of checks");
    return;
  }
  for (std::size_t i = 0; i < backup["check"].size(); ++i) {
    doc.problem(Document::element(checks, i), "consistency checks are not supported yet");
  }
}

}  // namespace wsbkit::policy
