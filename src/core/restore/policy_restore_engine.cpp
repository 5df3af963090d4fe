#include "core/restore/policy_restore_engine.hpp"

#include <algorithm>
#include <exception>
#include <random>
#include <set>

#include "core/restore/component_order.hpp"
#include "core/restore/service_orchestrator.hpp"
#include "core/steps/retry.hpp"
#include "core/steps/run_log.hpp"
#include "platform/text.hpp"

namespace wsbkit {

using json = nlohmann::json;

namespace {

std::int64_t epoch_ms(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

std::string new_session_id(Clock& clock) {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld-%08x", static_cast<long long>(epoch_ms(clock)), static_cast<unsigned>(rd()));
  return buf;
}

// Whether `name` is in `list` (service names: case-insensitive).
bool named(const std::vector<std::string>& list, const std::string& name) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& n) { return iequals(n, name); });
}

// A run log line that could not be written: the run log is the administrator's record, not the
// restore's state (the journal is), so the step's outcome stands and the event log says which
// record is missing.
Result<void> report_unlogged_step(EventLog& events, const policy::RestoreStep& step, int attempt, const Error& error) {
  return events.report(EventSeverity::warning, event_id::run_log_failed,
                       "wsbkit could not write the run log line of step " + step.path + " (attempt " +
                           std::to_string(attempt) + "): " + error.message());
}


// A method's failure answer, whatever the method returns.
template <class T>
T failure_answer(Hresult h);
template <>
Hresult failure_answer<Hresult>(Hresult h) { return h; }
template <>
OrderResult failure_answer<OrderResult>(Hresult h) {
  OrderResult result;
  result.hr = h;  // both outs stay NULL
  return result;
}

std::string sessions_dir(const RestoreEnvironment& env) { return env.state_dir + env.separator + "sessions"; }

}  // namespace

PolicyRestoreEngine::PolicyRestoreEngine(std::shared_ptr<const policy::Policy> policy, RestoreEnvironment env,
                                         std::string session_key)
    : policy_(std::move(policy)), env_(std::move(env)), session_key_(std::move(session_key)),
      session_(env_.files, journal_path(), JournalSeal{env_.digests, env_.journal_key, session_key_}) {}

PolicyRestoreEngine::~PolicyRestoreEngine() {
  if (claim_ && env_.keep_alive) env_.keep_alive(false);
}

std::string PolicyRestoreEngine::journal_path() const {
  return sessions_dir(env_) + env_.separator + session_key_ + ".journal";
}

// --- serialisation and the last line of defence ---

template <class Body>
auto PolicyRestoreEngine::contained(const char* method, Hresult failure, Body&& body) -> decltype(body()) {
  std::lock_guard lock(calls_);
  try {
    auto result = body();
    let_go_unless_open();
    return result;
  } catch (const std::bad_alloc&) {
    return failure_answer<decltype(body())>(after_exception(method, failure, "out of memory"));
  } catch (const std::exception& e) {
    return failure_answer<decltype(body())>(after_exception(method, failure, e.what()));
  } catch (...) {
    return failure_answer<decltype(body())>(after_exception(method, failure, "unknown exception"));
  }
}

// An exception escaped a step: give back what the session changed, say so, answer `failure`.
Hresult PolicyRestoreEngine::after_exception(const char* method, Hresult failure, const std::string& what) {
  std::string outcome;
  try {
    auto given = give_back_and_close();
    outcome = given ? "what the session had changed was given back"
                    : "giving back FAILED (run 'wsbkit repair'): " + given.error().message();
    let_go_unless_open();
  } catch (...) {
    outcome = "giving back failed with another exception (run 'wsbkit repair')";
  }
  try {
    report(EventSeverity::error, std::string(method) == "PostRestore" ? event_id::post_restore_failed : event_id::pre_restore_failed,
           "wsbkit " + std::string(method) + " of " + session_key_ + " stopped by an internal error (" + to_valid_utf8(what) +
               "); " + outcome);
  } catch (...) {
  }
  return failure;
}

Hresult PolicyRestoreEngine::pre_restore(const RestoreRequest& request) {
  return contained("PreRestore", hr::wsbapp_e_component_pre_restore_failed, [&] { return pre_restore_locked(request); });
}

Hresult PolicyRestoreEngine::post_restore(const RestoreRequest& request) {
  return contained("PostRestore", hr::wsbapp_e_component_post_restore_failed, [&] { return post_restore_locked(request); });
}

OrderResult PolicyRestoreEngine::order_components(const OrderRequest& request) {
  return contained("OrderComponents", hr::e_fail, [&] { return order_components_locked(request); });
}

Result<std::optional<RepairOutcome>> PolicyRestoreEngine::complete_expired_session() {
  std::lock_guard lock(calls_);
  try {
    auto outcome = complete_expired_locked();
    let_go_unless_open();
    return outcome;
  } catch (const std::exception& e) {
    return Error::hresult(hr::e_unexpected, "complete expired session", session_key_, to_valid_utf8(e.what()));
  } catch (...) {
    return Error::hresult(hr::e_unexpected, "complete expired session", session_key_, "unknown exception");
  }
}

std::optional<std::chrono::milliseconds> PolicyRestoreEngine::held_session_expires_in() {
  std::lock_guard lock(calls_);
  if (!claim_ || !session_.state().open) return std::nullopt;
  const auto age = std::chrono::milliseconds(epoch_ms(env_.clock) - session_.state().started_ms);
  return std::chrono::duration_cast<std::chrono::milliseconds>(policy_->restore.max_duration) - age;
}

void PolicyRestoreEngine::report(EventSeverity severity, std::uint32_t id, const std::string& message) {
  // The event log is the report of last resort: when even it fails, nothing else can be told.
  if (auto r = env_.events.report(severity, id, to_valid_utf8(message)); !r) return;
}

// --- the session's cross-process lock ---

// Takes the session's lock (true), waiting up to `wait` for another process to let go of it; false
// when another live process still holds it.
Result<bool> PolicyRestoreEngine::claim(std::chrono::milliseconds wait) {
  if (env_.state_problem) {
    return Error::win32(win32_error::access_denied, "state folder", env_.state_dir, "refused: " + *env_.state_problem);
  }
  if (claim_ || !env_.locks) return true;
  if (auto r = env_.files.create_directories(sessions_dir(env_)); !r) return r.error();
  const std::string path = sessions_dir(env_) + env_.separator + session_key_ + ".lock";
  const auto deadline = env_.clock.steady_now() + wait;
  for (;;) {
    auto lock = env_.locks->try_lock(path);
    if (!lock) return lock.error();
    if (*lock) {
      claim_ = std::move(*lock);
      if (env_.keep_alive) env_.keep_alive(true);
      return true;
    }
    if (env_.clock.steady_now() >= deadline) return false;
    env_.clock.sleep_for(env_.poll);
  }
}

// The process keeps the lock (and itself alive) only while the session it opened is going on.
void PolicyRestoreEngine::let_go_unless_open() {
  if (!claim_ || session_.state().open) return;
  claim_.reset();
  if (env_.keep_alive) env_.keep_alive(false);
}

Result<void> PolicyRestoreEngine::load() {
  auto claimed = claim(env_.lock_wait);
  if (!claimed) return claimed.error();
  if (!*claimed) {
    return Error::win32(win32_error::busy, "lock restore session", session_key_,
                        "another wsbkit process is working on this restore session (waited " +
                            policy::format_duration(env_.lock_wait) + ")");
  }
  return load_journal();
}

// The journal, replayed; a refused one (not authenticated) and a damaged tail are reported.
Result<void> PolicyRestoreEngine::load_journal() {
  if (auto r = session_.load(); !r) {
    if (r.error().api() == "journal") {
      report(EventSeverity::error, event_id::journal_refused,
             "wsbkit restore journal " + session_.journal_path() + " " + r.error().system_message() +
                 ". Check who wrote it, then delete it (an administrator's prompt); wsbkit will not touch it.");
    }
    return r;
  }
  if (const auto& problem = session_.state().journal_problem) {
    report(EventSeverity::warning, event_id::journal_damaged,
           "wsbkit restore journal " + session_.journal_path() + ": " + *problem +
               "; the services listed before the damage are still given back; " + keep_damaged_journal());
  }
  return success();
}

// The damaged journal as it was read, beside it as "<journal>.damaged" (repair lists only
// "*.journal"), before the next record rewrites it without its damaged part: evidence for the
// administrator. What the event says about it.
std::string PolicyRestoreEngine::keep_damaged_journal() {
  const std::string copy = session_.journal_path() + ".damaged";
  auto raw = env_.files.read_file_no_follow(session_.journal_path());
  if (!raw) return "the damaged journal could not be kept: " + raw.error().message();
  if (auto kept = env_.files.replace_file_atomically(copy, *raw); !kept) {
    return "the damaged journal could not be kept: " + kept.error().message();
  }
  return "the damaged journal is kept as " + copy;
}

// --- sessions ---

// A new session. What an earlier one still owes is given back first; what cannot be stays owed
// (carried into the new session, never forgotten).
Result<void> PolicyRestoreEngine::start_session(std::optional<ComponentList> components) {
  if (session_.state().open || session_.owes_anything()) {
    auto given = give_back_and_close();
    if (!given) {
      report(EventSeverity::error, event_id::post_restore_failed,
             "wsbkit could not give back what an earlier restore session of " + session_key_ +
                 " owes; it stays owed by the new session: " + given.error().message());
    }
  }
  if (auto r = env_.files.create_directories(sessions_dir(env_)); !r) return r.error();
  const std::string id = new_session_id(env_.clock);
  if (auto r = session_.begin(id, epoch_ms(env_.clock), std::move(components)); !r) return r;
  report(EventSeverity::information, event_id::session_started, "wsbkit restore session " + id + " started for " + session_key_);
  return success();
}

// Gives back what the session owes and ends it; a journal that still owes something is kept.
Result<RepairOutcome> PolicyRestoreEngine::give_back_and_close() {
  RepairOutcome outcome;
  outcome.journal = session_.journal_path();
  outcome.journal_problem = session_.state().journal_problem;
  ServiceOrchestrator orchestrator(env_.services, env_.clock, env_.poll);
  auto given = session_.give_back(orchestrator, env_.services, env_.give_back_timeout);
  if (!given) {
    if (auto r = session_.end_with_debts(); !r) return r.error();
    return given.error();
  }
  outcome.services_restarted = given->services_restarted;
  outcome.start_types_restored = given->start_types_restored;
  outcome.refused = given->refused;
  for (const auto& refused : given->refused) {
    report(EventSeverity::warning, event_id::driver_left_alone,
           "wsbkit restore session of " + session_key_ + " left a service alone: " + refused);
  }
  if (auto r = session_.close(); !r) return r.error();
  return outcome;
}

Result<std::optional<RepairOutcome>> PolicyRestoreEngine::complete_expired_locked() {
  auto claimed = claim(std::chrono::milliseconds(0));
  if (!claimed) return claimed.error();
  if (!*claimed) return std::optional<RepairOutcome>();  // a live process is working on it
  if (auto r = load_journal(); !r) return r.error();
  if (!session_.state().open && !session_.owes_anything()) return std::optional<RepairOutcome>();
  const auto age = std::chrono::milliseconds(epoch_ms(env_.clock) - session_.state().started_ms);
  if (session_.state().open && age < policy_->restore.max_duration) return std::optional<RepairOutcome>();
  auto outcome = give_back_and_close();
  if (!outcome) return outcome.error();
  report(EventSeverity::warning, event_id::interrupted_session_completed,
         "wsbkit completed an interrupted restore session of " + session_key_ + " (older than " +
             policy::format_duration(policy_->restore.max_duration) + "): " +
             std::to_string(outcome->services_restarted.size()) + " service(s) restarted");
  return std::optional<RepairOutcome>(*outcome);
}

OrderResult PolicyRestoreEngine::order_components_locked(const OrderRequest& request) {
  OrderResult result;
  std::vector<std::size_t> order(request.names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  result.hr = hr::s_false;
  if (policy_->restore.has_ordering()) {
    order = order_components_by_policy(*policy_, request.names, request.logical_paths);
    result.hr = hr::ok;
    result.names = StringArray();
    result.logical_paths = StringArray();
    for (auto i : order) {
      result.names->push_back(request.names[i]);
      result.logical_paths->push_back(request.logical_paths[i]);
    }
  }
  // OrderComponents starts a restore: a session still open belongs to an earlier one, unless a
  // restore is under way in it (some PreRestore had no PostRestore yet): then WSB asked again in
  // the middle of a restore, and nothing is given back; the session takes the new list.
  ComponentList components;
  for (auto i : order) components.emplace_back(request.names[i], request.logical_paths[i]);
  auto started = load();
  if (started) started = restore_under_way(session_.state()) ? session_.reorder(components) : start_session(components);
  if (!started) {
    report(EventSeverity::error, event_id::pre_restore_failed,
           "wsbkit could not start the restore session of " + session_key_ + ": " + started.error().message());
  }
  return result;
}

Hresult PolicyRestoreEngine::pre_restore_locked(const RestoreRequest& request) {
  if (auto r = load(); !r) return fail_pre_restore(request, "cannot use the restore journal: " + r.error().message());
  // A session opened by OrderComponents, or a list-less one under way (WSB restoring without
  // OrderComponents, every PreRestore first): this component joins it. Otherwise it opens one.
  // A second PreRestore of a component already under way is a new restore: it opens a new session.
  const auto& state = session_.state();
  const bool repeated = state.pre_started.count(component_key(request.component_name, request.component_logical_path)) > 0;
  const bool joins = state.open && (state.components.has_value() || (restore_under_way(state) && !repeated));
  if (!joins) {
    if (auto r = start_session(std::nullopt); !r) return fail_pre_restore(request, "cannot write the restore journal: " + r.error().message());
  }
  const bool run_once = !session_.state().once_pre_done;
  if (auto r = run_steps(true, request, run_once); !r) return fail_pre_restore(request, r.error().message());
  return hr::ok;
}

// A failed PreRestore gives back everything this session changed.
Hresult PolicyRestoreEngine::fail_pre_restore(const RestoreRequest& request, std::string failure) {
  if (session_.state().open || session_.owes_anything()) {
    auto given = give_back_and_close();
    if (!given) {
      failure += "; giving back the stopped services FAILED (run 'wsbkit repair'): " + given.error().message();
    } else if (!given->services_restarted.empty()) {
      failure += "; restarted what the session had stopped: " + comma_separated(given->services_restarted);
    }
  }
  report(EventSeverity::error, event_id::pre_restore_failed,
         "wsbkit PreRestore failed for component " + request.component_name.value_or("(none)") + ": " + failure);
  return hr::wsbapp_e_component_pre_restore_failed;
}

Hresult PolicyRestoreEngine::post_restore_locked(const RestoreRequest& request) {
  std::string failure;
  if (auto r = load(); !r) {
    failure = "cannot use the restore journal: " + r.error().message();
  } else if (!session_.state().open) {
    // PostRestore without PreRestore in this journal (e.g. a journal-less restore): still run the steps.
    if (auto started = start_session(std::nullopt); !started) failure = "cannot write the restore journal: " + started.error().message();
  }
  if (failure.empty()) {
    const bool last = post_restore_ends_session(session_.state(), component_key(request.component_name, request.component_logical_path));
    if (auto r = run_steps(false, request, last); !r) failure = r.error().message();
    if (last || !failure.empty()) {
      auto given = give_back_and_close();
      if (!given) {
        failure += (failure.empty() ? "" : "; ") + std::string("giving back the stopped services failed (run 'wsbkit repair'): ") +
                   given.error().message();
      } else if (failure.empty()) {
        report(EventSeverity::information, event_id::session_completed, "wsbkit restore session of " + session_key_ + " completed");
      }
    }
  }
  if (failure.empty()) return hr::ok;
  report(EventSeverity::error, event_id::post_restore_failed,
         "wsbkit PostRestore failed for component " + request.component_name.value_or("(none)") + ": " + failure);
  return hr::wsbapp_e_component_post_restore_failed;
}

// Runs the phase's steps that apply; the first failing step (without on_error: continue) fails
// the phase with the step named in the message.
Result<void> PolicyRestoreEngine::run_steps(bool pre, const RestoreRequest& request, bool run_once_steps) {
  const auto& steps = pre ? policy_->restore.pre : policy_->restore.post;
  const auto& components = session_.state().components;
  for (const auto& step : steps) {
    // A `once` step runs once per session, with or without OrderComponents' list.
    if (step.options.once && !run_once_steps) {
      log_skipped(step, pre, request, pre ? "once: ran at the session's first PreRestore"
                                          : "once: runs at the session's last PostRestore");
      continue;
    }
    bool applies = false;
    if (step.options.once && components.has_value()) {
      // A session-wide step applies when any component of the session matches its condition.
      for (const auto& [n, p] : *components) {
        applies = applies || policy::step_applies(step.options, policy_->components, n, p, request.no_roll_forward);
      }
    } else {
      applies = policy::step_applies(step.options, policy_->components, request.component_name,
                                     request.component_logical_path, request.no_roll_forward);
    }
    if (!applies) {
      log_skipped(step, pre, request, std::string(policy::when_does_not_apply));
      continue;
    }
    auto r = execute(step, pre, request);
    if (r) continue;
    if (step.options.on_error == policy::OnError::continue_) {
      report(EventSeverity::warning, event_id::step_failed_continued,
             "wsbkit step " + step.path + " failed and was skipped (on_error: continue): " + r.error().message());
      continue;
    }
    return Error::hresult(pre ? hr::wsbapp_e_component_pre_restore_failed : hr::wsbapp_e_component_post_restore_failed,
                          step.path, {}, "failed: " + r.error().message());
  }
  const std::string key = component_key(request.component_name, request.component_logical_path);
  if (auto r = session_.mark_component(pre, key); !r) return r;
  if (pre && run_once_steps && !session_.state().once_pre_done) return session_.mark_once_pre();
  return success();
}

Result<void> PolicyRestoreEngine::execute(const policy::RestoreStep& step, bool pre, const RestoreRequest& request) {
  steps::ClockPause pause(env_.clock);
  Result<void> last = success();
  steps::retry_with_backoff({step.options.retries, step.options.retry_delay}, pause, [&](int attempt) {
    const auto started = env_.clock.steady_now();
    std::optional<steps::ProcessStepOutcome> process;
    last = execute_once(step, pre, request, process);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock.steady_now() - started);
    if (auto logged = log_step(step, pre, request, attempt, took, last, process); !logged) {
      if (auto reported = report_unlogged_step(env_.events, step, attempt, logged.error()); !reported) {
        // Neither the run log nor the event log takes records now (a full disk, the event log
        // service down): nothing is left to tell; the step's own result still goes back to WSB.
      }
    }
    return last ? steps::AttemptResult::succeeded : steps::AttemptResult::failed;
  });
  return last;
}

Result<void> PolicyRestoreEngine::execute_once(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                                               std::optional<steps::ProcessStepOutcome>& process) {
  if (const auto* stop = std::get_if<policy::ServiceStop>(&step.action)) return stop_services(step, *stop);
  if (const auto* start = std::get_if<policy::ServiceStart>(&step.action)) return start_services(step, *start);
  if (const auto* run = std::get_if<policy::Run>(&step.action)) return run_process(step, *run, pre, request, process);
  if (const auto* port = std::get_if<policy::WaitPort>(&step.action)) return wait_port(step, *port);
  return wait_file(step, std::get<policy::WaitFile>(step.action));
}

Result<void> PolicyRestoreEngine::stop_services(const policy::RestoreStep& step, const policy::ServiceStop& stop) {
  ServiceOrchestrator orchestrator(env_.services, env_.clock, env_.poll);
  auto closure = orchestrator.closure_to_stop(stop.services);
  if (!closure) return closure.error();
  for (const auto& s : *closure) {  // drivers are never stopped, nor any service of a closure holding one
    if (!is_boot_or_system_start(s.start_type)) continue;
    return Error::win32(win32_error::access_denied, "service.stop", s.name,
                        "refused: its start type is " + to_string(s.start_type) +
                            "; wsbkit never stops or changes boot and system start services (drivers)");
  }
  // Intent first: once this is durable, any crash from here on is undone.
  for (const auto& s : *closure) {
    const bool disable = stop.disable_during_restore && named(stop.services, s.name);
    if (auto r = session_.owe(s, disable, step.path); !r) return r;
  }
  if (stop.disable_during_restore) {
    for (const auto& name : stop.services) {
      if (auto r = env_.services.set_start_type(name, ServiceStartType::disabled); !r) return r;
    }
  }
  std::vector<std::string> names;
  for (const auto& s : *closure) names.push_back(s.name);
  auto stopped = orchestrator.stop_all(names, step.options.timeout);
  // The outcome after the intent (informational: replay relies on the intent alone).
  if (auto r = session_.record_outcome(step.path, stopped ? std::string("stopped") : "failed: " + stopped.error().message()); !r) {
    return r;
  }
  return stopped;
}

Result<void> PolicyRestoreEngine::start_services(const policy::RestoreStep& step, const policy::ServiceStart& start) {
  ServiceOrchestrator orchestrator(env_.services, env_.clock, env_.poll);
  // The services, and the dependents that were running when their stop step stopped them.
  std::vector<Owed> mine;
  for (const auto& o : session_.state().owed) {
    if (named(start.services, o.service) || named(start.services, o.stopped_with)) mine.push_back(o);
  }
  for (const auto& o : mine) {
    if (!o.disabled_by_us) continue;
    if (auto r = env_.services.set_start_type(o.service, o.start_type); !r) return r;
  }
  std::vector<std::string> names = start.services;
  for (const auto& o : mine) {
    if (!named(start.services, o.service) && o.must_restart()) names.push_back(o.service);
  }
  if (auto r = orchestrator.start_all(names, step.options.timeout); !r) {
    if (auto noted = session_.record_outcome(step.path, "failed: " + r.error().message()); !noted) return noted;
    return r;
  }
  for (const auto& o : mine) {
    if (auto r = session_.settle(o.service); !r) return r;
  }
  return success();
}

Result<void> PolicyRestoreEngine::run_process(const policy::RestoreStep& step, const policy::Run& run, bool pre,
                                              const RestoreRequest& request,
                                              std::optional<steps::ProcessStepOutcome>& process) {
  steps::ProcessStep p{step.path, run, step.options.timeout, {}, {}};
  p.environment = {{"WSBKIT_PHASE", pre ? "pre_restore" : "post_restore"},
                   {"WSBKIT_STEP", step.path},
                   {"WSBKIT_SESSION_ID", session_.state().id},
                   {"WSBKIT_COMPONENT", request.component_name.value_or("")},
                   {"WSBKIT_LOGICAL_PATH", request.component_logical_path.value_or("")},
                   {"WSBKIT_NO_ROLL_FORWARD", request.no_roll_forward ? "1" : "0"}};
  auto outcome = steps::run_process_step({env_.processes, env_.security, &env_.events}, p);
  if (!outcome) return outcome.error();
  process = *outcome;
  switch (outcome->verdict) {
    case steps::ProcessVerdict::passed: return success();
    case steps::ProcessVerdict::timed_out: return Error::win32(win32_error::timeout, "run", run.executable, outcome->reason);
    case steps::ProcessVerdict::cancelled: return Error::hresult(hr::e_abort, "run", run.executable, outcome->reason);
    case steps::ProcessVerdict::failed: break;
  }
  return Error::hresult(hr::e_fail, "run", run.executable, outcome->reason);
}

Result<void> PolicyRestoreEngine::wait_port(const policy::RestoreStep& step, const policy::WaitPort& port) {
  if (!env_.network) return Error::hresult(hr::e_notimpl, "wait.port", port.host, "no network access on this host");
  const auto deadline = env_.clock.steady_now() + step.options.timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - env_.clock.steady_now());
    auto connected = env_.network->try_connect(port.host, port.port, std::min(left, std::chrono::milliseconds(1000)));
    if (!connected) return connected.error();
    if (*connected) return success();
    if (env_.clock.steady_now() >= deadline) {
      return Error::win32(win32_error::timeout, "wait.port", port.host + ":" + std::to_string(port.port),
                          "nothing accepted connections within " + policy::format_duration(step.options.timeout));
    }
    env_.clock.sleep_for(env_.poll);
  }
}

Result<void> PolicyRestoreEngine::wait_file(const policy::RestoreStep& step, const policy::WaitFile& file) {
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

Result<void> PolicyRestoreEngine::log_step(const policy::RestoreStep& step, bool pre,
                                           const RestoreRequest& request, int attempt, std::chrono::milliseconds duration,
                                           const Result<void>& result,
                                           const std::optional<steps::ProcessStepOutcome>& process) {
  steps::JsonLine line = log_line(step, pre, request, duration);
  line.text("result", result ? "ok" : "failed").number("attempt", attempt);
  if (!result) line.text("message", result.error().message());
  if (process) {
    line.number("exit_code", process->exit_code);
    if (process->verdict == steps::ProcessVerdict::timed_out) line.boolean("timed_out", true);
    if (const std::string output = process->output(); !output.empty()) line.text("output", output);
  }
  return append_log(line);
}

steps::JsonLine PolicyRestoreEngine::log_line(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                                              std::chrono::milliseconds duration) {
  const std::int64_t end_ms = epoch_ms(env_.clock);
  steps::JsonLine line;
  line.number("start_ms", end_ms - duration.count())
      .number("end_ms", end_ms)
      .text("session", session_.state().id)
      .text("phase", pre ? "PreRestore" : "PostRestore")
      .text("step", step.path)
      .text_or_null("component", request.component_name)
      .number("duration_ms", duration.count());
  return line;
}

Result<void> PolicyRestoreEngine::append_log(const steps::JsonLine& line) {
  steps::RunLog log(env_.files, env_.state_dir + env_.separator + "logs", "restore-" + session_.state().id + ".jsonl", env_.separator);
  return log.append(line);
}

// A step that did not run for this call, with the reason: the run log says so (the simulator's
// timeline shows it under the call). A line that cannot be written goes to the event log.
void PolicyRestoreEngine::log_skipped(const policy::RestoreStep& step, bool pre, const RestoreRequest& request,
                                      const std::string& reason) {
  steps::JsonLine line = log_line(step, pre, request, std::chrono::milliseconds(0));
  if (auto logged = append_log(steps::mark_skipped(line, reason)); !logged) {
    if (auto reported = report_unlogged_step(env_.events, step, 0, logged.error()); !reported) {
      // Neither log takes records now: a skipped step changed nothing, so nothing is lost.
    }
  }
}

// One session's repair: nothing is touched while another live process holds it.
Result<RepairOutcome> repair_session(const RestoreEnvironment& env, const std::string& session_key) {
  auto policy = std::make_shared<policy::Policy>();  // repair needs nothing from the policy: the journal says it all
  PolicyRestoreEngine engine(policy, env, session_key);
  std::lock_guard lock(engine.calls_);
  RepairOutcome outcome;
  outcome.journal = engine.journal_path();
  auto claimed = engine.claim(std::chrono::milliseconds(0));
  if (!claimed) return claimed.error();
  if (!*claimed) {
    outcome.live = true;
    return outcome;
  }
  if (auto r = engine.load_journal(); !r) {
    engine.let_go_unless_open();
    return r.error();
  }
  outcome.journal_problem = engine.session_.state().journal_problem;
  auto given = engine.give_back_and_close();
  engine.let_go_unless_open();
  if (!given) {
    outcome.problem = given.error().message();
    return outcome;
  }
  given->journal_problem = outcome.journal_problem;
  engine.report(EventSeverity::information, event_id::services_given_back,
                "wsbkit repair completed the restore session of " + session_key + ": " +
                    std::to_string(given->services_restarted.size()) + " service(s) restarted");
  return *given;
}

Result<std::vector<RepairOutcome>> repair_sessions(const RestoreEnvironment& env, const std::optional<std::string>& session_key) {
  std::vector<RepairOutcome> outcomes;
  const std::string dir = sessions_dir(env);
  auto exists = env.files.is_directory(dir);
  if (!exists) return exists.error();
  if (!*exists) return outcomes;
  auto entries = env.files.list_directory(dir);
  if (!entries) return entries.error();
  const std::string suffix = ".journal";
  for (const auto& entry : *entries) {
    if (entry.name.size() <= suffix.size() || entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string key = entry.name.substr(0, entry.name.size() - suffix.size());
    if (session_key && !iequals(key, *session_key)) continue;
    auto outcome = repair_session(env, key);
    if (!outcome) {  // this journal could not even be read: say so and go on with the others
      RepairOutcome failed;
      failed.journal = dir + env.separator + entry.name;
      failed.problem = outcome.error().message();
      outcomes.push_back(failed);
      continue;
    }
    outcomes.push_back(*outcome);
  }
  return outcomes;
}

}  // namespace wsbkit
