#include "core/policy/check_policy.hpp"

#include <cctype>

namespace wsbkit::policy {
namespace {

using json = nlohmann::json;

const char* const files_present_key = "files.present";
const char* const manifest_verify_key = "manifest.verify";
const char* const run_key = "run";

std::string action_list() { return "files.present, manifest.verify, run"; }

void live_path_problem(Document& doc, const std::string& path, bool wildcards) {
  doc.problem(path, std::string("must be an absolute Windows path of a live file (D:\\\\Data\\\\x or "
                                "\\\\\\\\?\\\\Volume{GUID}\\\\x)") +
                        (wildcards ? "" : " without wildcards"));
}

std::optional<FilesPresent> files_present(Document& doc, const json& a, const std::string& path) {
  if (!doc.object(a, path, {"paths", "non_empty", "min_size"})) return std::nullopt;
  FilesPresent out;
  out.paths = doc.strings(a, path, "paths").value_or(std::vector<std::string>{});
  for (std::size_t i = 0; i < out.paths.size(); ++i) {
    if (!is_absolute_live_path(out.paths[i], true)) live_path_problem(doc, Document::element(Document::child(path, "paths"), i), true);
  }
  if (a.contains("paths") && out.paths.empty()) {
    doc.problem(Document::child(path, "paths"), "must name at least one path (omit it to use the writer's file groups)");
  }
  out.non_empty = doc.boolean(a, path, "non_empty").value_or(false);
  out.min_size = static_cast<std::uint64_t>(doc.integer(a, path, "min_size", 0, std::int64_t{1} << 50).value_or(0));
  return out;
}

std::optional<ManifestVerify> manifest_verify(Document& doc, const json& a, const std::string& path) {
  if (!doc.object(a, path, {"manifest", "base_directory", "format", "extra_files", "parallelism"}, {"manifest"})) {
    return std::nullopt;
  }
  ManifestVerify out;
  out.manifest = doc.string(a, path, "manifest").value_or("");
  if (!is_absolute_live_path(out.manifest, false)) live_path_problem(doc, Document::child(path, "manifest"), false);
  out.base_directory = doc.string(a, path, "base_directory");
  if (out.base_directory && !is_absolute_live_path(*out.base_directory, false)) {
    live_path_problem(doc, Document::child(path, "base_directory"), false);
  }
  if (auto format = doc.string(a, path, "format")) {
    if (*format == "auto") out.format = ManifestFormat::automatic;
    else if (*format == "xxh128") out.format = ManifestFormat::xxh128;
    else if (*format == "sha256") out.format = ManifestFormat::sha256;
    else doc.problem(Document::child(path, "format"), "must be \"auto\", \"xxh128\" or \"sha256\"; got \"" + *format + "\"");
  }
  if (auto extra = doc.string(a, path, "extra_files")) {
    if (*extra == "ignore") out.extra_files = ExtraFiles::ignore;
    else if (*extra == "fail") out.extra_files = ExtraFiles::fail;
    else doc.problem(Document::child(path, "extra_files"), "must be \"ignore\" or \"fail\"; got \"" + *extra + "\"");
  }
  out.parallelism = static_cast<int>(doc.integer(a, path, "parallelism", 0, 64).value_or(0));
  return out;
}

std::optional<CheckStep> check_step(Document& doc, const json& s, const std::string& path, const Defaults& defaults,
                                    const std::map<std::string, ComponentMatch>& components) {
  if (!s.is_object()) {
    doc.problem(path, "a check must be an object with one action key (" + action_list() + ")");
    return std::nullopt;
  }
  std::set<std::string> allowed = {"timeout", "retries", "retry_delay", "on_error", "when"};
  allowed.insert({files_present_key, manifest_verify_key, run_key});
  doc.object(s, path, allowed);  // "once" is refused here: a check runs once per CheckConsistency anyway
  std::vector<std::string> found;
  for (const char* key : {files_present_key, manifest_verify_key, run_key}) {
    if (s.contains(key)) found.push_back(key);
  }
  if (found.size() != 1) {
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : ", ") + f;
    doc.problem(path, found.empty() ? "a check needs one action key (" + action_list() + ")"
                                    : "a check has exactly one action; found " + names);
    return std::nullopt;
  }
  CheckStep step{FilesPresent{}, parse_step_options(doc, s, path, defaults, components, false), path};
  if (step.options.when_no_roll_forward) {
    doc.problem(Document::child(Document::child(path, "when"), "no_roll_forward"), "applies to restore steps only");
  }
  const std::string& kind = found[0];
  const std::string action_path = Document::child(path, kind);
  const json& a = s[kind];
  if (kind == files_present_key) {
    auto action = files_present(doc, a, action_path);
    if (!action) return std::nullopt;
    step.action = std::move(*action);
  } else if (kind == manifest_verify_key) {
    auto action = manifest_verify(doc, a, action_path);
    if (!action) return std::nullopt;
    step.action = std::move(*action);
  } else {
    auto action = parse_run_command(doc, a, action_path, false, nullptr);
    if (!action) return std::nullopt;
    step.action = std::move(*action);
  }
  return step;
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

}  // namespace

std::string CheckStep::type() const {
  if (std::holds_alternative<FilesPresent>(action)) return files_present_key;
  if (std::holds_alternative<ManifestVerify>(action)) return manifest_verify_key;
  return run_key;
}

bool is_absolute_live_path(const std::string& path, bool wildcards_allowed) {
  if (path.find_first_of("\"<>|") != std::string::npos || path.find('\0') != std::string::npos) return false;
  std::string rest;
  if (path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
      (path[2] == '\\' || path[2] == '/')) {
    rest = path.substr(3);
  } else if (path.size() > 4 && (path.compare(0, 4, "\\\\?\\") == 0 || path.compare(0, 4, "//?/") == 0) &&
             path.compare(4, 7, "Volume{") == 0) {
    const std::size_t close = path.find('}', 11);
    if (close == std::string::npos || close + 1 >= path.size() || (path[close + 1] != '\\' && path[close + 1] != '/')) {
      return false;
    }
    rest = path.substr(close + 2);
  } else {
    return false;
  }
  return wildcards_allowed || !has_wildcard(rest);
}

void parse_backup_policy(Document& doc, const nlohmann::json& backup, const std::string& path, const Defaults& defaults,
                         const std::map<std::string, ComponentMatch>& components, BackupPolicy& out) {
  if (!doc.object(backup, path, {"check"})) return;
  if (!backup.contains("check")) return;
  const std::string checks = Document::child(path, "check");
  if (!backup["check"].is_array()) {
    doc.problem(checks, "must be a list of checks");
    return;
  }
  for (std::size_t i = 0; i < backup["check"].size(); ++i) {
    if (auto step = check_step(doc, backup["check"][i], Document::element(checks, i), defaults, components)) {
      out.checks.push_back(std::move(*step));
    }
  }
}

}  // namespace wsbkit::policy
