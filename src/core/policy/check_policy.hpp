// The backup section of the policy: the consistency checks CheckConsistency runs against the
// snapshot. Each check is a step with exactly one typed action and the options every step has
// (timeout, retries, retry_delay, on_error, when.component; step_options.hpp):
//
//   "backup": { "check": [
//     { "files.present": { "paths": ["D:\\Ledger\\data\\*.ldb"], "non_empty": true, "min_size": 4096 } },
//     { "manifest.verify": { "manifest": "D:\\Ledger\\MANIFEST.xxh128", "extra_files": "fail" },
//       "timeout": "10m" },
//     { "run": { "executable": "C:\\Program Files\\Contoso\\ledgercheck.exe", "arguments": ["--quick"] },
//       "timeout": "5m", "when": { "component": "db" } }
//   ] }
//
// Paths name LIVE locations (drive paths or \\?\Volume{GUID}\ paths); the checks read them on the
// snapshot volume that WSB passes for the path's volume, never on the live volume.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/policy/step_options.hpp"

namespace wsbkit::policy {

// Files (paths or globs: * and ? in any component, ** for any depth) that must exist on the
// snapshot. Without `paths`, the component's file groups from the writer metadata are used: each
// group must hold at least one file.
struct FilesPresent {
  std::vector<std::string> paths;
  bool non_empty = false;          // every match must hold at least one byte
  std::uint64_t min_size = 0;      // every match must hold at least this many bytes
};

enum class ManifestFormat { automatic, xxh128, sha256 };
enum class ExtraFiles { ignore, fail };

// A checksum manifest the application writes (xxhsum -H2 / sha256sum lines, GNU or BSD style):
// every listed file is hashed on the snapshot and compared.
struct ManifestVerify {
  std::string manifest;                        // live path of the manifest file
  std::optional<std::string> base_directory;   // entries are relative to this (default: the manifest's folder)
  ManifestFormat format = ManifestFormat::automatic;
  ExtraFiles extra_files = ExtraFiles::ignore; // fail: a file under the base folder the manifest does not list
  int parallelism = 0;                         // hashing threads; 0 = one per processor (at most 8)
};

// The application's own checker: argv, no shell; the context (component, file groups, each
// source -> snapshot volume pair) comes as WSBKIT_* environment variables.
using RunChecker = RunCommand;  // step_options.hpp; a check's has no `secrets`

using CheckAction = std::variant<FilesPresent, ManifestVerify, RunChecker>;

struct CheckStep {
  CheckAction action;
  StepOptions options;
  std::string path;  // "backup.check[1]": how logs and errors name the step
  std::string type() const;  // "files.present", "manifest.verify", "run"
};

struct BackupPolicy {
  std::vector<CheckStep> checks;
};

// Reads `backup` (the object at `path`) into `out`, adding problems to `doc`.
void parse_backup_policy(Document& doc, const nlohmann::json& backup, const std::string& path, const Defaults& defaults,
                         const std::map<std::string, ComponentMatch>& components, BackupPolicy& out);

// A live path a check may name: "X:\..." or "\\?\Volume{GUID}\..." (wildcards allowed when asked).
bool is_absolute_live_path(const std::string& path, bool wildcards_allowed);

}  // namespace wsbkit::policy
