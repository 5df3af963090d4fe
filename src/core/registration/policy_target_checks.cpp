#include "core/registration/policy_target_checks.hpp"

#include <algorithm>
#include <set>

#include "core/registration/doctor.hpp"
#include "core/registration/registrar.hpp"
#include "core/support/guid.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string comma_separated_quoted(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("'" + names[i] + "'");
  }
  return text;
}

// The services a step names, with the path that names them.
void named_services(const std::vector<policy::RestoreStep>& steps, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& step : steps) {
    if (const auto* stop = std::get_if<policy::ServiceStop>(&step.action)) {
      for (const auto& s : stop->services) out.emplace_back(step.path + ".service.stop.service", s);
    } else if (const auto* start = std::get_if<policy::ServiceStart>(&step.action)) {
      for (const auto& s : start->services) out.emplace_back(step.path + ".service.start.service", s);
    }
  }
}

Result<std::vector<TargetProblem>> missing_services(const policy::Policy& policy, ServiceControl& services) {
  std::vector<std::pair<std::string, std::string>> named;
  named_services(policy.restore.pre, named);
  named_services(policy.restore.post, named);
  std::vector<TargetProblem> problems;
  std::optional<std::vector<std::string>> installed;
  std::set<std::string> reported;
  for (const auto& [path, name] : named) {
    auto exists = services.exists(name);
    if (!exists) return exists.error();
    if (*exists || !reported.insert(to_lower_ascii(name)).second) continue;
    if (!installed) {
      auto listed = services.list_services();
      if (!listed) return listed.error();
      installed = std::move(*listed);
    }
    const auto near = closest_names(name, *installed);
    std::string message = "service '" + name + "' is not installed on this machine";
    if (near.empty()) message += " (no installed service has a similar name; 'sc query state= all' lists them)";
    else message += "; did you mean " + comma_separated_quoted(near) + "?";
    problems.push_back({path, message});
  }
  return problems;
}

}  // namespace

std::optional<TargetProblem> writer_mismatch(const policy::Policy& policy, const std::string& writer_id) {
  const auto registered = Guid::parse(writer_id);
  const auto named = Guid::parse(policy.writer_id);
  if (policy.writer_id.empty() || !registered || !named || *registered == *named) return std::nullopt;
  return TargetProblem{"application.writer_id",
                       "the policy names writer " + named->braced() + " but it is given to the application registered for writer " +
                           registered->braced() + "; write \"writer_id\": \"" + registered->braced() +
                           "\" in its application block (or register the writer the policy names)"};
}

Result<std::vector<TargetProblem>> check_policy_on_target(const policy::Policy& policy, ServiceControl* services,
                                                          const std::optional<PolicyRegistration>& registration) {
  std::vector<TargetProblem> problems;
  if (services) {
    auto missing = missing_services(policy, *services);
    if (!missing) return missing.error();
    problems = std::move(*missing);
  }
  if (!registration) return problems;
  if (auto mismatch = writer_mismatch(policy, registration->writer_id)) problems.push_back(*mismatch);
  if (!policy.identifier.empty() && policy.identifier != registration->identifier) {
    problems.push_back({"application.identifier", "the policy names the application '" + policy.identifier +
                                                      "' but it is registered as '" + registration->identifier +
                                                      "'; write \"identifier\": \"" + registration->identifier +
                                                      "\" in its application block (or register it with --identifier \"" +
                                                      policy.identifier + "\")"});
  }
  return problems;
}

Result<std::optional<PolicyRegistration>> registration_for_policy(Registry& registry, ServiceControl* services,
                                                                  const std::string& policy_path,
                                                                  const std::string& policy_writer_id) {
  Registrar registrar(registry, services);
  auto apps = registrar.list_applications();
  if (!apps) return apps.error();
  const auto named = Guid::parse(policy_writer_id);
  std::optional<PolicyRegistration> by_writer;
  for (const auto& app : *apps) {
    const auto writer = Guid::parse(app.writer_id);
    if (!writer) continue;
    std::optional<std::string> given = app.local_server ? policy_argument(*app.local_server) : std::nullopt;
    if (!given && app.registered_by_wsbkit) {
      auto record = registrar.recorded(*writer);
      if (!record) return record.error();
      if (*record && (*record)->spec.addin) given = (*record)->spec.addin->policy_path;
    }
    if (given && iequals(*given, policy_path)) return std::optional<PolicyRegistration>({writer->braced(), app.identifier});
    if (named && *named == *writer) by_writer = PolicyRegistration{writer->braced(), app.identifier};
  }
  return by_writer;
}

std::vector<std::string> closest_names(const std::string& name, const std::vector<std::string>& candidates, std::size_t count) {
  const std::string wanted = to_lower_ascii(name);
  const std::size_t near_enough = std::max<std::size_t>(2, wanted.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    const std::string lower = to_lower_ascii(candidate);
    std::size_t d = edit_distance(wanted, lower);
    // A prefix is a likely typo too ("MyAppSv" for "MyAppSvc", "Ledger" for "LedgerSvc").
    if (lower.rfind(wanted, 0) == 0 || wanted.rfind(lower, 0) == 0) d = std::min<std::size_t>(d, 1);
    if (d <= near_enough) scored.emplace_back(d, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  for (std::size_t i = 0; i < scored.size() && i < count; ++i) names.push_back(scored[i].second);
  return names;
}

}  // namespace wsbkit
