// What every policy step shares (restore steps and consistency checks alike): timeout, retries,
// failure handling, conditions, scope; and the component selectors the conditions refer to.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/policy_document.hpp"
#include "core/support/windows_path.hpp"

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

// A `run` action, the same for restore steps and consistency checks: an executable started with
// an argv list (no shell).
struct RunCommand {
  std::string executable;  // absolute path
  std::vector<std::string> arguments;
  std::optional<std::string> working_directory;
  // The exit codes that mean success, as the policy wrote them. Windows exit codes are 32-bit
  // unsigned values that tools also write as signed ones: each entry lies between min_exit_code and
  // max_exit_code, and -1 and 4294967295 name the same exit code 0xFFFFFFFF.
  std::vector<std::int64_t> success_exit_codes{0};
  std::vector<std::string> secrets;  // restore steps only: values redacted from captured output and logs
};
inline constexpr std::int64_t min_exit_code = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int64_t max_exit_code = std::numeric_limits<std::uint32_t>::max();

// Reads the action object `a` of a `run` step at `path`. `with_secrets`: the "secrets" key is
// allowed. `file_exists` (may be empty) is asked whether the executable exists.
std::optional<RunCommand> parse_run_command(Document& doc, const nlohmann::json& a, const std::string& path,
                                            bool with_secrets,
                                            const std::function<bool(const std::string& path)>& file_exists);

// The common option keys a step object may carry besides its action key.
const std::set<std::string>& step_option_keys();

// Reads the common options of the step at `path`; `once_by_default` is the action's default scope.
StepOptions parse_step_options(Document& doc, const nlohmann::json& step, const std::string& path,
                               const Defaults& defaults, const std::map<std::string, ComponentMatch>& components,
                               bool once_by_default);

// Whether a step applies to this component and restore kind.
// A step that does not is skipped, and its run log line says so with this reason.
inline constexpr std::string_view when_does_not_apply = "when: does not apply to this component";
bool step_applies(const StepOptions& options, const std::map<std::string, ComponentMatch>& components,
                  const OptionalName& name, const OptionalName& logical_path, bool no_roll_forward);

// Plausibility of paths and names referenced by steps.
bool is_plausible_service_name(const std::string& name);

}  // namespace wsbkit::policy
