#include "core/restore/service_orchestrator.hpp"

#include <algorithm>
#include <functional>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string key(const std::string& name) { return to_lower_ascii(name); }  // SCM names are case-insensitive

using Neighbours = std::function<Result<std::vector<std::string>>(const std::string&)>;

// Every service reachable from `from` through `next` and not yet visited, each once, the farthest
// first (post-order).
Result<void> walk(const std::string& from, const Neighbours& next, std::set<std::string>& visited,
                  std::vector<std::string>& order) {
  auto near = next(from);
  if (!near) return near.error();
  for (const auto& service : *near) {
    if (!visited.insert(key(service)).second) continue;
    if (auto r = walk(service, next, visited, order); !r) return r;
    order.push_back(service);
  }
  return success();
}

// Where a group of requests stands: each service waiting for its blockers, asked, or done.
struct Progress {
  std::map<std::string, std::string> display;  // folded -> as given
  std::set<std::string> waiting, in_flight, done;

  std::string names(const std::set<std::string>& keys) const {
    std::string text;
    for (const auto& k : keys) text += (text.empty() ? "" : ", ") + display.at(k);
    return text;
  }
};

}  // namespace

Result<std::vector<std::string>> ServiceOrchestrator::direct_dependencies(const std::string& service) {
  const auto it = dependencies_.find(key(service));
  if (it != dependencies_.end()) return it->second;
  auto direct = scm_.dependencies(service);
  if (!direct) return direct.error();
  dependencies_[key(service)] = *direct;
  return *direct;
}

// The reverse graph, from every installed service's dependencies (once per orchestrator). A service
// deleted since the enumeration, or whose configuration this account may not read, is left out:
// if it runs and depends on a service being stopped, Windows' SCM refuses that stop
// (ERROR_DEPENDENT_SERVICES_RUNNING), which fails the step. Any other failure is the graph's.
Result<void> ServiceOrchestrator::load_dependents() {
  if (dependents_) return success();
  auto names = scm_.list_services();
  if (!names) return names.error();
  std::map<std::string, std::vector<std::string>> reverse;
  for (const auto& name : *names) {
    auto direct = direct_dependencies(name);
    if (!direct && (direct.error().is_win32(win32_error::service_does_not_exist) ||
                    direct.error().is_win32(win32_error::access_denied))) {
      continue;
    }
    if (!direct) return direct.error();
    for (const auto& dependency : *direct) reverse[key(dependency)].push_back(name);
  }
  dependents_ = std::move(reverse);
  return success();
}

Result<std::vector<std::string>> ServiceOrchestrator::dependents_of(const std::string& service) {
  if (auto r = load_dependents(); !r) return r.error();
  const Neighbours next = [&](const std::string& s) -> Result<std::vector<std::string>> {
    const auto it = dependents_->find(key(s));
    return it == dependents_->end() ? std::vector<std::string>{} : it->second;
  };
  std::set<std::string> visited{key(service)};
  std::vector<std::string> order;
  if (auto r = walk(service, next, visited, order); !r) return r.error();
  return order;
}

Result<std::vector<std::string>> ServiceOrchestrator::dependencies_of(const std::string& service) {
  const Neighbours next = [&](const std::string& s) -> Result<std::vector<std::string>> {
    auto direct = direct_dependencies(s);
    const bool missing = !direct && direct.error().is_win32(win32_error::service_does_not_exist);
    if (missing && key(s) != key(service)) return std::vector<std::string>{};
    return direct;
  };
  std::set<std::string> visited{key(service)};
  std::vector<std::string> order;
  if (auto r = walk(service, next, visited, order); !r) return r.error();
  return order;
}

// Adds `name` once, with its state and start type now; a STOPPED one not at all if only_active.
Result<void> ServiceOrchestrator::add_snapshot(std::vector<ServiceSnapshot>& out, std::set<std::string>& seen,
                                               const std::string& name, const std::string& target, bool only_active) {
  if (seen.count(key(name))) return success();
  auto status = scm_.query_status(name);
  if (!status) return status.error();
  if (only_active && status->state == ServiceState::stopped) return success();
  seen.insert(key(name));
  auto start_type = scm_.query_start_type(name);
  if (!start_type) return start_type.error();
  out.push_back({name, status->state, *start_type, target});
  return success();
}

Result<std::vector<ServiceSnapshot>> ServiceOrchestrator::closure_to_stop(const std::vector<std::string>& targets) {
  std::vector<ServiceSnapshot> out;
  std::set<std::string> seen;
  for (const auto& target : targets) {
    auto dependents = dependents_of(target);
    if (!dependents) return dependents.error();
    for (const auto& d : *dependents) {
      if (auto r = add_snapshot(out, seen, d, target, true); !r) return r.error();
    }
    if (auto r = add_snapshot(out, seen, target, target, false); !r) return r.error();
  }
  return out;
}

Result<void> ServiceOrchestrator::stop_all(const std::vector<std::string>& services, policy::Duration timeout) {
  return drive(services, timeout, Direction::stop);
}

Result<void> ServiceOrchestrator::start_all(const std::vector<std::string>& services, policy::Duration timeout) {
  auto group = with_stopped_dependencies(services);
  if (!group) return group.error();
  return drive(*group, timeout, Direction::start);
}

// The STOPPED services the group depends on and does not hold (deepest first), then the group.
Result<std::vector<std::string>> ServiceOrchestrator::with_stopped_dependencies(const std::vector<std::string>& services) {
  std::set<std::string> seen;
  for (const auto& s : services) seen.insert(key(s));
  std::vector<std::string> group;
  for (const auto& s : services) {
    auto below = dependencies_of(s);
    if (!below) return below.error();
    for (const auto& d : *below) {
      if (!seen.insert(key(d)).second) continue;
      auto status = scm_.query_status(d);
      if (!status) return status.error();
      if (status->state == ServiceState::stopped) group.push_back(d);
    }
  }
  group.insert(group.end(), services.begin(), services.end());
  return group;
}

// blockers[s]: the services of the group that must reach the target state before s is asked.
Result<ServiceOrchestrator::Blockers> ServiceOrchestrator::blockers(const std::vector<std::string>& services,
                                                                      Direction direction) {
  Blockers blockers;
  for (const auto& s : services) blockers[key(s)];
  for (const auto& s : services) {
    auto below = dependencies_of(s);
    if (!below) return below.error();
    for (const auto& d : *below) {
      if (!blockers.count(key(d)) || key(d) == key(s)) continue;
      // s depends on d. Stopping: d waits for s. Starting: s waits for d.
      if (direction == Direction::stop) blockers[key(d)].insert(key(s));
      else blockers[key(s)].insert(key(d));
    }
  }
  return blockers;
}

namespace {

// Asks for every waiting service whose blockers are done; true if any was asked.
Result<bool> request_ready(ServiceControl& scm, const std::map<std::string, std::set<std::string>>& blockers,
                           Progress& p, bool stop) {
  bool asked = false;
  for (auto it = p.waiting.begin(); it != p.waiting.end();) {
    const auto& needs = blockers.at(*it);
    if (!std::all_of(needs.begin(), needs.end(), [&](const std::string& b) { return p.done.count(b) > 0; })) {
      ++it;
      continue;
    }
    const std::string& name = p.display.at(*it);
    auto requested = stop ? scm.stop(name) : scm.start(name);
    if (!requested) {
      const auto code = requested.error().win32_code();
      const bool already = stop ? code == win32_error::service_not_active : code == win32_error::service_already_running;
      // A stop refused while the service is starting or stopping is retried by polling.
      if (!already && code != win32_error::service_cannot_accept_ctrl) return requested.error();
    }
    p.in_flight.insert(*it);
    it = p.waiting.erase(it);
    asked = true;
  }
  return asked;
}

// Why a service stopped while starting, with its own error code when it gave one (1066).
std::string stopped_while_starting(const ServiceStatus& status) {
  std::string why = "the service stopped while starting";
  if (status.win32_exit_code == win32_error::service_specific_error) {
    why += " with its own error code " + std::to_string(status.service_specific_exit_code);
  }
  return why;
}

// Moves every asked service that reached `target` to done; true if any did. A service that
// stopped with an exit code while starting is an error.
Result<bool> poll_in_flight(ServiceControl& scm, Progress& p, ServiceState target) {
  bool settled = false;
  for (auto it = p.in_flight.begin(); it != p.in_flight.end();) {
    auto status = scm.query_status(p.display.at(*it));
    if (!status) return status.error();
    if (status->state == target) {
      p.done.insert(*it);
      it = p.in_flight.erase(it);
      settled = true;
    } else if (target == ServiceState::running && status->state == ServiceState::stopped &&
               status->win32_exit_code != 0) {
      return Error::win32(status->win32_exit_code, "StartService", p.display.at(*it), stopped_while_starting(*status));
    } else {
      ++it;
    }
  }
  return settled;
}

}  // namespace

Result<void> ServiceOrchestrator::drive(const std::vector<std::string>& services, policy::Duration timeout,
                                        Direction direction) {
  auto blocked_by = blockers(services, direction);
  if (!blocked_by) return blocked_by.error();
  Progress p;
  for (const auto& s : services) p.display[key(s)] = s;
  for (const auto& [k, _] : *blocked_by) p.waiting.insert(k);
  const bool stop = direction == Direction::stop;
  const ServiceState target = stop ? ServiceState::stopped : ServiceState::running;
  const auto deadline = clock_.steady_now() + timeout;
  while (p.done.size() < blocked_by->size()) {
    auto asked = request_ready(scm_, *blocked_by, p, stop);
    if (!asked) return asked.error();
    auto settled = poll_in_flight(scm_, p, target);
    if (!settled) return settled.error();
    if (p.done.size() == blocked_by->size()) break;
    if (clock_.steady_now() >= deadline) {
      std::string late = p.names(p.waiting);
      if (!p.in_flight.empty()) late += (late.empty() ? "" : ", ") + p.names(p.in_flight);
      return Error::win32(win32_error::service_request_timeout, stop ? "stop services" : "start services", late,
                          "not " + std::string(stop ? "STOPPED" : "RUNNING") + " after " +
                              policy::format_duration(timeout));
    }
    if (!*asked && !*settled) clock_.sleep_for(poll_);
  }
  return success();
}

}  // namespace wsbkit
