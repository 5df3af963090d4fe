#include "core/policy/step_options.hpp"

#include <cctype>

#include "platform/file_security.hpp"

namespace wsbkit::policy {

bool ComponentMatch::matches(const OptionalName& name, const OptionalName& logical_path) const {
  auto any = [](const std::vector<std::string>& patterns, const OptionalName& value) {
    if (patterns.empty()) return true;
    if (!value) return false;
    for (const auto& p : patterns) {
      if (wildcard_match(p, *value)) return true;
    }
    return false;
  };
  // A NULL logical path is the empty one (WSB may pass either for the same component).
  return any(names, name) && any(logical_paths, OptionalName(logical_path.value_or("")));
}

namespace {

// success_exit_codes: a non-empty list of whole numbers in [min_exit_code, max_exit_code].
std::optional<std::vector<std::int64_t>> exit_codes(Document& doc, const nlohmann::json& codes, const std::string& path) {
  if (!codes.is_array() || codes.empty()) {
    doc.problem(path, "must be a non-empty list of exit codes");
    return std::nullopt;
  }
  std::vector<std::int64_t> out;
  const std::string range = "an exit code is a 32-bit value, from " + std::to_string(min_exit_code) + " to " +
                            std::to_string(max_exit_code) + " (-1 and 4294967295 are the same code)";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const auto& code = codes[i];
    const std::string at = Document::element(path, i);
    if (!code.is_number_integer()) {
      doc.problem(at, "must be a whole number; " + range);
    } else if (code.is_number_unsigned() ? code.get<std::uint64_t>() > static_cast<std::uint64_t>(max_exit_code)
                                         : code.get<std::int64_t>() < min_exit_code) {
      doc.problem(at, code.dump() + " is out of range: " + range);
    } else {
      out.push_back(code.is_number_unsigned() ? static_cast<std::int64_t>(code.get<std::uint64_t>()) : code.get<std::int64_t>());
    }
  }
  return out;
}

}  // namespace

std::optional<RunCommand> parse_run_command(Document& doc, const nlohmann::json& a, const std::string& path,
                                            bool with_secrets,
                                            const std::function<bool(const std::string& path)>& file_exists) {
  std::set<std::string> keys = {"executable", "arguments", "working_directory", "success_exit_codes"};
  if (with_secrets) keys.insert("secrets");
  if (!doc.object(a, path, keys, {"executable"})) return std::nullopt;
  RunCommand run;
  run.executable = doc.string(a, path, "executable").value_or("");
  if (!is_absolute_windows_path(run.executable)) {
    doc.problem(Document::child(path, "executable"),
                "must be an absolute Windows path (e.g. C:\\\\Program Files\\\\Contoso\\\\tool.exe); no shell is used");
  } else if (std::string refused = path_refusal(run.executable, FileRole::executable); !refused.empty()) {
    doc.problem(Document::child(path, "executable"), refused);
  } else if (file_exists && !file_exists(run.executable)) {
    doc.problem(Document::child(path, "executable"), "does not exist: " + run.executable);
  }
  run.arguments = doc.strings(a, path, "arguments").value_or(std::vector<std::string>{});
  run.working_directory = doc.string(a, path, "working_directory");
  if (run.working_directory && !is_absolute_windows_path(*run.working_directory)) {
    doc.problem(Document::child(path, "working_directory"), "must be an absolute Windows path");
  } else if (run.working_directory) {
    if (std::string refused = path_refusal(*run.working_directory, FileRole::folder); !refused.empty()) {
      doc.problem(Document::child(path, "working_directory"), refused);
    }
  }
  if (with_secrets) run.secrets = doc.strings(a, path, "secrets").value_or(std::vector<std::string>{});
  if (a.contains("success_exit_codes")) {
    if (auto codes = exit_codes(doc, a["success_exit_codes"], Document::child(path, "success_exit_codes"))) {
      run.success_exit_codes = std::move(*codes);
    }
  }
  return run;
}

const std::set<std::string>& step_option_keys() {
  static const std::set<std::string> keys = {"timeout", "retries", "retry_delay", "on_error", "when", "once"};
  return keys;
}

StepOptions parse_step_options(Document& doc, const nlohmann::json& step, const std::string& path,
                               const Defaults& defaults, const std::map<std::string, ComponentMatch>& components,
                               bool once_by_default) {
  StepOptions o;
  o.where = doc.where(path);
  o.timeout = doc.duration(step, path, "timeout", std::chrono::milliseconds(1), max_step_timeout).value_or(defaults.timeout);
  o.retries = static_cast<int>(doc.integer(step, path, "retries", 0, max_retries).value_or(defaults.retries));
  o.retry_delay = doc.duration(step, path, "retry_delay", Duration(0), std::chrono::minutes(10)).value_or(defaults.retry_delay);
  o.once = doc.boolean(step, path, "once").value_or(once_by_default);
  if (auto on_error = doc.string(step, path, "on_error")) {
    if (*on_error == "fail") o.on_error = OnError::fail;
    else if (*on_error == "continue") o.on_error = OnError::continue_;
    else doc.problem(Document::child(path, "on_error"), "must be \"fail\" or \"continue\"; got \"" + *on_error + "\"");
  }
  if (step.contains("when")) {
    const std::string when_path = Document::child(path, "when");
    const auto& when = step["when"];
    if (doc.object(when, when_path, {"component", "no_roll_forward"})) {
      if (auto ids = doc.strings(when, when_path, "component")) {
        for (std::size_t i = 0; i < ids->size(); ++i) {
          if (!components.count((*ids)[i])) {
            doc.problem(Document::child(when_path, "component"),
                        "unknown component '" + (*ids)[i] + "' (declare it under \"components\")");
          }
        }
        o.when_components = *ids;
      }
      o.when_no_roll_forward = doc.boolean(when, when_path, "no_roll_forward");
    }
  }
  return o;
}

bool step_applies(const StepOptions& options, const std::map<std::string, ComponentMatch>& components,
                  const OptionalName& name, const OptionalName& logical_path, bool no_roll_forward) {
  if (options.when_no_roll_forward && *options.when_no_roll_forward != no_roll_forward) return false;
  if (options.when_components.empty()) return true;
  for (const auto& id : options.when_components) {
    const auto it = components.find(id);
    if (it != components.end() && it->second.matches(name, logical_path)) return true;
  }
  return false;
}

bool is_plausible_service_name(const std::string& name) {
  // The SCM limits service names to 256 characters and forbids '/' and '\'.
  return !name.empty() && name.size() <= 256 && name.find_first_of("/\\") == std::string::npos &&
         name.find_first_not_of(' ') != std::string::npos;
}

}  // namespace wsbkit::policy
