#include "core/policy/step_options.hpp"

#include <cctype>

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
  return any(names, name) && any(logical_paths, logical_path);
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
