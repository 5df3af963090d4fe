#include "core/restore/service_orchestrator.hpp"

#include <set>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string key(const std::string& name) { return to_lower_ascii(name); }  // SCM names are case-insensitive

}  // namespace

Result<std::vector<std::string>> ServiceOrchestrator::dependents_of(const std::string& service) {
  const auto it = dependents_cache_.find(key(service));
  if (it != dependents_cache_.end()) return it->second;
  auto all = scm_.dependents(service, false);
  if (!all) return all.error();
  dependents_cache_[key(service)] = *all;
  return *all;
}

Result<std::vector<ServiceSnapshot>> ServiceOrchestrator::closure_to_stop(const std::vector<std::string>& targets) {
  std::vector<ServiceSnapshot> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name, const std::string& target) -> Result<void> {
    if (!seen.insert(key(name)).second) return success();
    auto status = scm_.query_status(name);
    if (!status) return status.error();
    auto start_type = scm_.query_start_type(name);
    if (!start_type) return start_type.error();
    out.push_back({name, status->state, *start_type, target});
    return success();
  };
  for (const auto& target : targets) {
    auto active = scm_.dependents(target, true);
    if (!active) return active.error();
    for (const auto& d : *active) {
      if (auto r = add(d, target); !r) return r.error();
    }
    if (auto r = add(target, target); !r) return r.error();
  }
  return out;
}

Result<void> ServiceOrchestrator::stop_all(const std::vector<std::string>& services, policy::Duration timeout) {
  return drive(services, timeout, Direction::stop);
}

Result<void> ServiceOrchestrator::start_all(const std::vector<std::string>& services, policy::Duration timeout) {
  return drive(services, timeout, Direction::start);
}

Result<void> ServiceOrchestrator::drive(const std::vector<std::string>& services, policy::Duration timeout,
                                        Direction direction) {
  // blockers[s]: services of the group that must reach the target state before s is asked.
  std::map<std::string, std::set<std::string>> blockers;
  std::map<std::string, std::string> display;
  for (const auto& s : services) {
    display[key(s)] = s;
    blockers[key(s)];
  }
  for (const auto& s : services) {
    auto deps = dependents_of(s);
    if (!deps) return deps.error();
    for (const auto& d : *deps) {
      if (!blockers.count(key(d)) || key(d) == key(s)) continue;
      // Stopping: s waits for its dependent d. Starting: d waits for s.
      if (direction == Direction::stop) blockers[key(s)].insert(key(d));
      else blockers[key(d)].insert(key(s));
    }
  }
  const ServiceState target = direction == Direction::stop ? ServiceState::stopped : ServiceState::running;
  std::set<std::string> waiting, in_flight, done;
  for (const auto& [k, _] : blockers) waiting.insert(k);
  const auto deadline = clock_.steady_now() + timeout;
  while (done.size() < blockers.size()) {
    bool progressed = false;
    for (auto it = waiting.begin(); it != waiting.end();) {
      bool ready = true;
      for (const auto& b : blockers[*it]) ready = ready && done.count(b);
      if (!ready) {
        ++it;
        continue;
      }
      const std::string& name = display[*it];
      auto requested = direction == Direction::stop ? scm_.stop(name) : scm_.start(name);
      if (!requested) {
        const auto code = requested.error().win32_code();
        const bool already = direction == Direction::stop ? code == win32_error::service_not_active
                                                          : code == win32_error::service_already_running;
        // A stop refused while the service is starting or stopping is retried by polling.
        if (!already && code != win32_error::service_cannot_accept_ctrl) return requested.error();
      }
      in_flight.insert(*it);
      it = waiting.erase(it);
      progressed = true;
    }
    for (auto it = in_flight.begin(); it != in_flight.end();) {
      auto status = scm_.query_status(display[*it]);
      if (!status) return status.error();
      if (status->state == target) {
        done.insert(*it);
        it = in_flight.erase(it);
        progressed = true;
      } else if (direction == Direction::start && status->state == ServiceState::stopped &&
                 status->win32_exit_code != 0) {
        return Error::win32(status->win32_exit_code, "StartService", display[*it], "the service stopped while starting");
      } else {
        ++it;
      }
    }
    if (done.size() == blockers.size()) break;
    if (clock_.steady_now() >= deadline) {
      std::string late;
      for (const auto& k : waiting) late += (late.empty() ? "" : ", ") + display[k];
      for (const auto& k : in_flight) late += (late.empty() ? "" : ", ") + display[k];
      return Error::win32(win32_error::service_request_timeout,
                          direction == Direction::stop ? "stop services" : "start services", late,
                          "not " + std::string(direction == Direction::stop ? "STOPPED" : "RUNNING") + " after " +
                              policy::format_duration(timeout));
    }
    if (!progressed) clock_.sleep_for(poll_);
  }
  return success();
}

}  // namespace wsbkit
