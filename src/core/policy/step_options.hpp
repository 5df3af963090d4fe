// What every policy step shares (restore steps and consistency checks alike): timeout, retries,
// failure handling, conditions, scope; and the component selectors the conditions refer to.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/policy/policy_document.hpp"
#include "core/windows_path.hpp"

namespace wsbkit::policy {

using OptionalName = std::optional<std::string>;

inline constexpr Duration max_step_timeout = std::chrono::hours(4);
inline constexpr int max_retries = 10;

struct Defaults {
  Duration timeout = std::chrono::seconds(30);
  int retries = 0;
  Duration retry_delay = std::chrono::seconds(1);  // doubled after each failed attempt
};

// Matches WSB components by name and/or logical path (wildcards); every given part must match.
struct ComponentMatch {
  std::vector<std::string> names;          // any of these patterns
  std::vector<std::string> logical_paths;  // any of these patterns
  bool matches(const OptionalName& name, const OptionalName& logical_path) const;
};

enum class OnError { fail, continue_ };

struct StepOptions {
  Duration timeout = std::chrono::seconds(30);
  int retries = 0;
  Duration retry_delay = std::chrono::seconds(1);
  OnError on_error = OnError::fail;
  std::vector<std::string> when_components;  // component ids; empty = every component
  std::optional<bool> when_no_roll_forward;
  bool once = false;  // run once per restore session instead of once per component
  Location where;
};

// The common option keys a step object may carry besides its action key.
const std::set<std::string>& step_option_keys();

// Reads the common options of the step at `path`; `once_by_default` is the action's default scope.
StepOptions parse_step_options(Document& doc, const nlohmann::json& step, const std::string& path,
                               const Defaults& defaults, const std::map<std::string, ComponentMatch>& components,
                               bool once_by_default);

// Whether a step applies to this component and restore kind.
bool step_applies(const StepOptions& options, const std::map<std::string, ComponentMatch>& components,
                  const OptionalName& name, const OptionalName& logical_path, bool no_roll_forward);

// Plausibility of paths and names referenced by steps.
bool is_plausible_service_name(const std::string& name);

}  // namespace wsbkit::policy
