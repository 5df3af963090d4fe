#include "core/restore/policy_restore_engine.hpp"

#include <algorithm>
#include <random>
#include <set>

#include "core/call_log.hpp"
#include "core/restore/component_order.hpp"
#include "core/restore/service_orchestrator.hpp"
#include "platform/text.hpp"

namespace wsbkit {

using json = nlohmann::json;

namespace {

std::string component_key(const OptionalString& name, const OptionalString& path) {
  return to_lower_ascii(name.value_or("<null>")) + "|" + to_lower_ascii(path.value_or("<null>"));
}

std::int64_t epoch_ms(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

std::string new_session_id(Clock& clock) {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld-%08x", static_cast<long long>(epoch_ms(clock)), static_cast<unsigned>(rd()));
  return buf;
}

json to_json(const OptionalString& s) { return s ? json(*s) : json(nullptr); }
OptionalString from_json(const json& j) { return j.is_string() ? OptionalString(j.get<std::string>()) : std::nullopt; }

struct Owed {
  std::string service;
  ServiceState state = ServiceState::stopped;
  ServiceStartType start_type = ServiceStartType::manual;
  bool disabled_by_us = false;
  std::string stopped_with;  // the service whose stop step stopped this one
  bool must_restart() const { return state == ServiceState::running || state == ServiceState::start_pending; }
};

// Gives back what the owed list holds: start types first (a disabled service cannot start), then
// every service that was running, in parallel by dependencies. Each given-back service is recorded
// as settled, so a crash halfway through is completed by the next attempt.
Result<void> give_back(const RestoreEnvironment& env, Journal& journal, std::vector<Owed>& owed, RepairOutcome& outcome,
                       policy::Duration timeout) {
  if (owed.empty()) return success();
  for (const auto& o : owed) {
    if (!o.disabled_by_us) continue;
    if (auto r = env.services.set_start_type(o.service, o.start_type); !r) return r;
    outcome.start_types_restored.push_back(o.service);
  }
  std::vector<std::string> restart;
  for (const auto& o : owed) {
    if (o.must_restart()) restart.push_back(o.service);
  }
  ServiceOrchestrator orchestrator(env.services, env.clock, env.poll);
  if (auto r = orchestrator.start_all(restart, timeout); !r) return r;
  outcome.services_restarted.insert(outcome.services_restarted.end(), restart.begin(), restart.end());
  for (const auto& o : owed) {
    if (auto r = journal.append({{"t", "settled"}, {"service", o.service}}); !r) return r;
  }
  owed.clear();
  return success();
}

ServiceState parse_state(const std::string& s) {
  if (s == "running") return ServiceState::running;
  if (s == "start_pending") return ServiceState::start_pending;
  if (s == "paused") return ServiceState::paused;
  return ServiceState::stopped;
}
ServiceStartType parse_start_type(const std::string& s) {
  if (s == "boot") return ServiceStartType::boot;
  if (s == "system") return ServiceStartType::system;
  if (s == "automatic") return ServiceStartType::automatic;
  if (s == "disabled") return ServiceStartType::disabled;
  return ServiceStartType::manual;
}
std::string state_name(ServiceState s) {
  switch (s) {
    case ServiceState::running: return "running";
    case ServiceState::start_pending: return "start_pending";
    case ServiceState::paused: return "paused";
    default: return "stopped";
  }
}
std::string start_type_name(ServiceStartType t) {
  switch (t) {
    case ServiceStartType::boot: return "boot";
    case ServiceStartType::system: return "system";
    case ServiceStartType::automatic: return "automatic";
    case ServiceStartType::disabled: return "disabled";
    default: return "manual";
  }
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

// The last `limit` bytes: the end of a failing tool's output is where the reason is.
std::string excerpt(const std::string& text, std::size_t limit = 2048) {
  if (text.size() <= limit) return text;
  return "[... " + std::to_string(text.size() - limit) + " bytes cut] " + text.substr(text.size() - limit);
}

}  // namespace

struct PolicyRestoreEngine::Session {
  bool open = false;
  std::string id;
  std::int64_t started_ms = 0;
  std::optional<std::vector<std::pair<OptionalString, OptionalString>>> components;  // from OrderComponents
  std::set<std::string> pre_started;
  std::set<std::string> post_done;
  bool once_pre_done = false;
  std::vector<Owed> owed;
  std::optional<std::string> journal_problem;

  static Session replay(const std::vector<json>& records) {
    Session s;
    for (const auto& r : records) {
      const std::string t = r.value("t", "");
      if (t == "session") {
        s.open = true;
        s.id = r.value("id", "");
        s.started_ms = r.value("started_ms", std::int64_t{0});
        if (r.contains("components") && r["components"].is_array()) {
          std::vector<std::pair<OptionalString, OptionalString>> list;
          for (const auto& c : r["components"]) {
            if (c.is_array() && c.size() == 2) list.emplace_back(from_json(c[0]), from_json(c[1]));
          }
          s.components = list;
        }
      } else if (t == "owe") {
        const std::string service = r.value("service", "");
        const bool already = std::any_of(s.owed.begin(), s.owed.end(),
                                         [&](const Owed& o) { return iequals(o.service, service); });
        if (!already && !service.empty()) {  // the first record holds the true prior state
          s.owed.push_back({service, parse_state(r.value("state", "stopped")),
                            parse_start_type(r.value("start_type", "manual")), r.value("disabled", false),
                            r.value("with", "")});
        }
      } else if (t == "settled") {
        const std::string service = r.value("service", "");
        std::erase_if(s.owed, [&](const Owed& o) { return iequals(o.service, service); });
      } else if (t == "pre") {
        s.pre_started.insert(r.value("component", ""));
      } else if (t == "once_pre") {
        s.once_pre_done = true;
      } else if (t == "post") {
        s.post_done.insert(r.value("component", ""));
      }
    }
    return s;
  }
};

PolicyRestoreEngine::PolicyRestoreEngine(std::shared_ptr<const policy::Policy> policy, RestoreEnvironment env,
                                         std::string session_key)
    : policy_(std::move(policy)), env_(std::move(env)), session_key_(std::move(session_key)),
      journal_(env_.files, journal_path()) {}

std::string PolicyRestoreEngine::journal_path() const {
  return env_.state_dir + env_.separator + "sessions" + env_.separator + session_key_ + ".journal";
}

Result<PolicyRestoreEngine::Session> PolicyRestoreEngine::load_session() {
  auto loaded = journal_.load();
  if (!loaded) return loaded.error();
  Session s = Session::replay(loaded->records);
  s.journal_problem = loaded->problem;
  if (loaded->problem) {
    (void)env_.events.report(EventSeverity::warning, event_id::journal_damaged,
                             "wsbkit restore journal " + journal_.path() + ": " + *loaded->problem +
                                 "; the services listed before the damage are still given back");
  }
  return s;
}

Result<void> PolicyRestoreEngine::open_session(Session& session,
                                               std::optional<std::vector<std::pair<OptionalString, OptionalString>>> components) {
  if (auto r = env_.files.create_directories(env_.state_dir + env_.separator + "sessions"); !r) return r.error();
  session = Session{};
  session.open = true;
  session.id = new_session_id(env_.clock);
  session.started_ms = epoch_ms(env_.clock);
  session.components = components;
  json record = {{"t", "session"}, {"id", session.id}, {"started_ms", session.started_ms}, {"components", nullptr}};
  if (components) {
    json list = json::array();
    for (const auto& [n, p] : *components) list.push_back(json::array({to_json(n), to_json(p)}));
    record["components"] = list;
  }
  if (auto r = journal_.append(record); !r) return r;
  (void)env_.events.report(EventSeverity::information, event_id::session_started,
                           "wsbkit restore session " + session.id + " started for " + session_key_);
  return success();
}

Result<RepairOutcome> PolicyRestoreEngine::give_back_and_close(Session& session) {
  RepairOutcome outcome;
  outcome.journal = journal_.path();
  outcome.journal_problem = session.journal_problem;
  if (auto r = give_back(env_, journal_, session.owed, outcome, policy::max_step_timeout); !r) return r.error();
  if (auto r = journal_.remove(); !r) return r.error();
  session = Session{};
  return outcome;
}

Result<std::optional<RepairOutcome>> PolicyRestoreEngine::complete_expired_session() {
  auto session = load_session();
  if (!session) return session.error();
  if (!session->open) return std::optional<RepairOutcome>();
  const auto age = std::chrono::milliseconds(epoch_ms(env_.clock) - session->started_ms);
  if (age < policy_->restore.max_duration) return std::optional<RepairOutcome>();
  auto outcome = give_back_and_close(*session);
  if (!outcome) return outcome.error();
  (void)env_.events.report(EventSeverity::warning, event_id::interrupted_session_completed,
                           "wsbkit completed an interrupted restore session of " + session_key_ + " (older than " +
                               policy::format_duration(policy_->restore.max_duration) + "): " +
                               std::to_string(outcome->services_restarted.size()) + " service(s) restarted");
  return std::optional<RepairOutcome>(*outcome);
}

OrderResult PolicyRestoreEngine::order_components(const OrderRequest& request) {
  OrderResult result;
  std::vector<std::size_t> order(request.names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (policy_->restore.has_ordering()) {
    order = order_components_by_policy(*policy_, request.names, request.logical_paths);
    result.hr = hr::ok;
    result.names = StringArray();
    result.logical_paths = StringArray();
    for (auto i : order) {
      result.names->push_back(request.names[i]);
      result.logical_paths->push_back(request.logical_paths[i]);
    }
  } else {
    result.hr = hr::s_false;
  }
  // OrderComponents starts a restore: a session still open belongs to an earlier one. The new
  // session keeps the components in restore order (its last one ends it).
  auto session = load_session();
  if (session && session->open) (void)give_back_and_close(*session);
  if (session) {
    std::vector<std::pair<OptionalString, OptionalString>> components;
    for (auto i : order) components.emplace_back(request.names[i], request.logical_paths[i]);
    if (auto r = open_session(*session, components); !r) {
      (void)env_.events.report(EventSeverity::error, event_id::pre_restore_failed,
                               "wsbkit could not start the restore journal: " + r.error().message());
    }
  }
  return result;
}

Hresult PolicyRestoreEngine::pre_restore(const RestoreRequest& request) {
  std::string failure;
  auto session = load_session();
  if (!session) {
    failure = "cannot read the restore journal: " + session.error().message();
  } else {
    const bool with_list = session->open && session->components.has_value();
    if (!session->open || !with_list) {
      if (session->open) (void)give_back_and_close(*session);  // a per-component session left open
      if (auto r = open_session(*session, std::nullopt); !r) failure = "cannot write the restore journal: " + r.error().message();
    }
    if (failure.empty()) {
      const Hresult h = run_steps(true, request, *session, !with_list || !session->once_pre_done, true, failure);
      if (h == hr::ok) return h;
    }
  }
  // A failed PreRestore gives back everything this session changed.
  if (session && session->open) {
    auto given = give_back_and_close(*session);
    if (given && !given->services_restarted.empty()) {
      std::string list;
      for (const auto& s : given->services_restarted) list += (list.empty() ? "" : ", ") + s;
      failure += "; restarted what the session had stopped: " + list;
    } else if (!given) {
      failure += "; giving back the stopped services FAILED (run 'wsbkit repair'): " + given.error().message();
    }
  }
  (void)env_.events.report(EventSeverity::error, event_id::pre_restore_failed,
                           "wsbkit PreRestore failed for component " + request.component_name.value_or("(none)") + ": " + failure);
  return hr::wsbapp_e_component_pre_restore_failed;
}

Hresult PolicyRestoreEngine::post_restore(const RestoreRequest& request) {
  std::string failure;
  auto session = load_session();
  if (!session) {
    failure = "cannot read the restore journal: " + session.error().message();
  } else {
    if (!session->open) {
      // PostRestore without PreRestore in this journal (e.g. a journal-less restore): still run the steps.
      if (auto r = open_session(*session, std::nullopt); !r) failure = "cannot write the restore journal: " + r.error().message();
    }
    if (failure.empty()) {
      const std::string key = component_key(request.component_name, request.component_logical_path);
      // The session ends with the PostRestore of its last component in restore order, or once
      // every component had its PostRestore (WSB skips PostRestore for a component that failed).
      bool last = true;
      if (session->components && !session->components->empty()) {
        std::set<std::string> done = session->post_done;
        done.insert(key);
        bool all_done = true;
        for (const auto& [n, p] : *session->components) all_done = all_done && done.count(component_key(n, p));
        const auto& final_component = session->components->back();
        last = all_done || component_key(final_component.first, final_component.second) == key;
      }
      run_steps(false, request, *session, last, true, failure);
      if (last || !failure.empty()) {
        auto given = give_back_and_close(*session);
        if (!given) {
          failure += (failure.empty() ? "" : "; ") + std::string("giving back the stopped services failed (run 'wsbkit repair'): ") +
                     given.error().message();
        } else if (failure.empty()) {
          (void)env_.events.report(EventSeverity::information, event_id::session_completed,
                                   "wsbkit restore session of " + session_key_ + " completed");
        }
      }
      if (failure.empty()) return hr::ok;
    }
  }
  (void)env_.events.report(EventSeverity::error, event_id::post_restore_failed,
                           "wsbkit PostRestore failed for component " + request.component_name.value_or("(none)") + ": " + failure);
  return hr::wsbapp_e_component_post_restore_failed;
}

Hresult PolicyRestoreEngine::run_steps(bool pre, const RestoreRequest& request, Session& session, bool run_once_steps,
                                       bool run_component_steps, std::string& failure) {
  const auto& steps = pre ? policy_->restore.pre : policy_->restore.post;
  const bool session_scoped = session.components.has_value();
  for (const auto& step : steps) {
    const bool once_here = step.options.once && session_scoped;
    if (once_here ? !run_once_steps : !run_component_steps) continue;
    bool applies = false;
    if (once_here) {
      // A session-wide step applies when any component of the session matches its condition.
      for (const auto& [n, p] : *session.components) {
        applies = applies || policy::step_applies(step.options, policy_->components, n, p, request.no_roll_forward);
      }
    } else {
      applies = policy::step_applies(step.options, policy_->components, request.component_name,
                                     request.component_logical_path, request.no_roll_forward);
    }
    if (!applies) continue;
    auto r = execute(step, pre, request, session);
    if (!r) {
      if (step.options.on_error == policy::OnError::continue_) {
        (void)env_.events.report(EventSeverity::warning, event_id::step_failed_continued,
                                 "wsbkit step " + step.path + " failed and was skipped (on_error: continue): " + r.error().message());
        continue;
      }
      failure = step.path + " failed: " + r.error().message();
      return pre ? hr::wsbapp_e_component_pre_restore_failed : hr::wsbapp_e_component_post_restore_failed;
    }
  }
  const std::string key = component_key(request.component_name, request.component_logical_path);
  (void)journal_.append({{"t", pre ? "pre" : "post"}, {"component", key}});
  if (pre) {
    session.pre_started.insert(key);
    if (session_scoped && run_once_steps && !session.once_pre_done) {
      (void)journal_.append({{"t", "once_pre"}});
      session.once_pre_done = true;
    }
  } else {
    session.post_done.insert(key);
  }
  return hr::ok;
}

Result<void> PolicyRestoreEngine::execute(const policy::RestoreStep& step, bool pre, const RestoreRequest& request, Session& session) {
  auto delay = step.options.retry_delay;
  Result<void> last = success();
  for (int attempt = 1; attempt <= step.options.retries + 1; ++attempt) {
    const auto started = env_.clock.steady_now();
    last = execute_once(step, pre, request, session);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock.steady_now() - started);
    if (last) {
      log_step(session, step, pre, request, attempt, took, "ok", "");
      return last;
    }
    log_step(session, step, pre, request, attempt, took, "failed", last.error().message());
    if (attempt <= step.options.retries) {
      env_.clock.sleep_for(delay);
      delay *= 2;
    }
  }
  return last;
}

Result<void> PolicyRestoreEngine::execute_once(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                                               Session& session) {
  ServiceOrchestrator orchestrator(env_.services, env_.clock, env_.poll);
  auto named = [](const std::vector<std::string>& list, const std::string& name) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& n) { return iequals(n, name); });
  };
  if (const auto* stop = std::get_if<policy::ServiceStop>(&step.action)) {
    auto closure = orchestrator.closure_to_stop(stop->services);
    if (!closure) return closure.error();
    // Intent first: once this is durable, any crash from here on is undone.
    for (const auto& s : *closure) {
      const bool disable = stop->disable_during_restore && named(stop->services, s.name);
      if (auto r = journal_.append({{"t", "owe"}, {"service", s.name}, {"state", state_name(s.state)},
                                    {"start_type", start_type_name(s.start_type)}, {"disabled", disable},
                                    {"with", s.pulled_by}, {"step", step.path}});
          !r) {
        return r;
      }
    }
    session = Session::replay(journal_.records());
    if (stop->disable_during_restore) {
      for (const auto& name : stop->services) {
        if (auto r = env_.services.set_start_type(name, ServiceStartType::disabled); !r) return r;
      }
    }
    std::vector<std::string> names;
    for (const auto& s : *closure) names.push_back(s.name);
    auto stopped = orchestrator.stop_all(names, step.options.timeout);
    // The outcome after the intent (informational: replay relies on the intent alone).
    (void)journal_.append({{"t", "done"}, {"step", step.path},
                           {"outcome", stopped ? std::string("stopped") : "failed: " + stopped.error().message()}});
    return stopped;
  }
  if (const auto* start = std::get_if<policy::ServiceStart>(&step.action)) {
    // The services, and the dependents that were running when their stop step stopped them.
    std::vector<Owed> mine;
    for (const auto& o : session.owed) {
      if (named(start->services, o.service) || named(start->services, o.stopped_with)) mine.push_back(o);
    }
    for (const auto& o : mine) {
      if (!o.disabled_by_us) continue;
      if (auto r = env_.services.set_start_type(o.service, o.start_type); !r) return r;
    }
    std::vector<std::string> names = start->services;
    for (const auto& o : mine) {
      if (!named(start->services, o.service) && o.must_restart()) names.push_back(o.service);
    }
    if (auto r = orchestrator.start_all(names, step.options.timeout); !r) {
      (void)journal_.append({{"t", "done"}, {"step", step.path}, {"outcome", "failed: " + r.error().message()}});
      return r;
    }
    for (const auto& o : mine) {
      if (auto r = journal_.append({{"t", "settled"}, {"service", o.service}}); !r) return r;
    }
    session = Session::replay(journal_.records());
    return success();
  }
  if (const auto* run = std::get_if<policy::Run>(&step.action)) {
    if (!env_.processes) return Error::hresult(hr::e_notimpl, "run", run->executable, "no process runner on this host");
    if (env_.security) {
      const std::string reason = untrusted_reason(*env_.security, run->executable, FileRole::executable);
      if (!reason.empty()) {
        (void)env_.events.report(EventSeverity::error, event_id::step_refused_insecure,
                                 "wsbkit refused step " + step.path + ": " + reason);
        return Error::win32(win32_error::access_denied, "run", run->executable, "refused: " + reason);
      }
    }
    ProcessRequest p;
    p.executable = run->executable;
    p.arguments = run->arguments;
    p.working_directory = run->working_directory.value_or("");
    p.timeout = step.options.timeout;
    p.environment_additions = {{"WSBKIT_PHASE", pre ? "pre_restore" : "post_restore"},
                               {"WSBKIT_STEP", step.path},
                               {"WSBKIT_SESSION_ID", session.id},
                               {"WSBKIT_COMPONENT", request.component_name.value_or("")},
                               {"WSBKIT_LOGICAL_PATH", request.component_logical_path.value_or("")},
                               {"WSBKIT_NO_ROLL_FORWARD", request.no_roll_forward ? "1" : "0"}};
    auto outcome = env_.processes->run(p);
    if (!outcome) return outcome.error();
    const std::string output = redact(excerpt(outcome->standard_output) + excerpt(outcome->standard_error), run->secrets);
    const bool ok = !outcome->timed_out && std::find(run->success_exit_codes.begin(), run->success_exit_codes.end(),
                                                     static_cast<std::int64_t>(outcome->exit_code)) != run->success_exit_codes.end();
    log_step(session, step, pre, request, 0, outcome->elapsed, ok ? "process ok" : "process failed", "",
             static_cast<std::int64_t>(outcome->exit_code), outcome->timed_out, output);
    if (outcome->timed_out) {
      return Error::win32(win32_error::timeout, "run", run->executable,
                          "timed out after " + policy::format_duration(step.options.timeout) + "; the process tree was killed");
    }
    if (!ok) {
      return Error::hresult(hr::e_fail, "run", run->executable, "exit code " + std::to_string(outcome->exit_code));
    }
    return success();
  }
  if (const auto* port = std::get_if<policy::WaitPort>(&step.action)) {
    if (!env_.network) return Error::hresult(hr::e_notimpl, "wait.port", port->host, "no network access on this host");
    const auto deadline = env_.clock.steady_now() + step.options.timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - env_.clock.steady_now());
      auto connected = env_.network->try_connect(port->host, port->port, std::min(left, std::chrono::milliseconds(1000)));
      if (!connected) return connected.error();
      if (*connected) return success();
      if (env_.clock.steady_now() >= deadline) {
        return Error::win32(win32_error::timeout, "wait.port", port->host + ":" + std::to_string(port->port),
                            "nothing accepted connections within " + policy::format_duration(step.options.timeout));
      }
      env_.clock.sleep_for(env_.poll);
    }
  }
  const auto& file = std::get<policy::WaitFile>(step.action);
  const auto deadline = env_.clock.steady_now() + step.options.timeout;
  for (;;) {
    auto exists = env_.files.exists(file.path);
    if (!exists) return exists.error();
    if (*exists == file.exists) return success();
    if (env_.clock.steady_now() >= deadline) {
      return Error::win32(win32_error::timeout, "wait.file", file.path,
                          std::string(file.exists ? "did not appear" : "did not go away") + " within " +
                              policy::format_duration(step.options.timeout));
    }
    env_.clock.sleep_for(env_.poll);
  }
}

void PolicyRestoreEngine::log_step(const Session& session, const policy::RestoreStep& step, bool pre,
                                   const RestoreRequest& request, int attempt, std::chrono::milliseconds duration,
                                   const std::string& result, const std::string& detail, std::optional<std::int64_t> exit_code,
                                   bool timed_out, const std::string& output) {
  const std::string logs = env_.state_dir + env_.separator + "logs";
  (void)env_.files.create_directories(logs);
  const std::int64_t end_ms = epoch_ms(env_.clock);
  json line = {{"start_ms", end_ms - duration.count()},
               {"end_ms", end_ms},
               {"session", session.id},
               {"phase", pre ? "PreRestore" : "PostRestore"},
               {"step", step.path},
               {"component", to_json(request.component_name)},
               {"duration_ms", duration.count()},
               {"result", result}};
  if (attempt > 0) line["attempt"] = attempt;
  if (!detail.empty()) line["message"] = detail;
  if (exit_code) line["exit_code"] = *exit_code;
  if (timed_out) line["timed_out"] = true;
  if (!output.empty()) line["output"] = output;
  (void)env_.files.append_file(logs + env_.separator + "restore-" + session.id + ".jsonl", line.dump() + "\n");
}

std::string untrusted_reason(FileSecurity& security, const std::string& path, FileRole role) {
  auto writers = security.untrusted_writers(path, role);
  if (!writers) return "cannot check who may change it: " + writers.error().message();
  if (writers->empty()) return "";
  std::string reason = path + " can be changed by principals other than SYSTEM and Administrators:";
  for (const auto& w : *writers) reason += " " + w.describe() + ";";
  return reason;
}

Result<std::vector<RepairOutcome>> repair_sessions(const RestoreEnvironment& env, const std::optional<std::string>& session_key) {
  std::vector<RepairOutcome> outcomes;
  const std::string dir = env.state_dir + env.separator + "sessions";
  auto exists = env.files.is_directory(dir);
  if (!exists) return exists.error();
  if (!*exists) return outcomes;
  auto entries = env.files.list_directory(dir);
  if (!entries) return entries.error();
  for (const auto& entry : *entries) {
    const std::string suffix = ".journal";
    if (entry.name.size() <= suffix.size() || entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string key = entry.name.substr(0, entry.name.size() - suffix.size());
    if (session_key && !iequals(key, *session_key)) continue;
    auto policy = std::make_shared<policy::Policy>();  // repair needs nothing from the policy: the journal says it all
    PolicyRestoreEngine engine(policy, env, key);
    auto session = engine.load_session();
    if (!session) return session.error();
    auto outcome = engine.give_back_and_close(*session);
    if (!outcome) return outcome.error();
    (void)env.events.report(EventSeverity::information, event_id::services_given_back,
                            "wsbkit repair completed the restore session of " + key + ": " +
                                std::to_string(outcome->services_restarted.size()) + " service(s) restarted");
    outcomes.push_back(*outcome);
  }
  return outcomes;
}

}  // namespace wsbkit
