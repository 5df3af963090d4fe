#include "core/addin/addin_host.hpp"

#include <algorithm>
#include <cctype>

#include "core/registration/policy_target_checks.hpp"
#include "core/registration/registrar.hpp"
#include "core/steps/event_ids.hpp"
#include "core/steps/trust.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

// The event log is the report of last resort: when it refuses a message, the call log keeps it.
void report(EventLog& events, CallLog& log, EventSeverity severity, std::uint32_t id, const std::string& message) {
  auto reported = events.report(severity, id, message);
  if (reported) return;
  log.record("EventLogFailed",
             {{"event_id", std::to_string(id)}, {"message", json_quote(message)}, {"error", json_quote(reported.error().message())}},
             reported.error().hresult_code());
}

// What the add-in does when the policy cannot be used: refuse to act, but give back what a
// previous session owes.
class RefusingRestoreEngine final : public RestoreEngine {
 public:
  RefusingRestoreEngine(RestoreEnvironment env, CallLog& log, std::string key, std::string reason)
      : env_(std::move(env)), log_(log), key_(std::move(key)), reason_(std::move(reason)) {}

  Hresult pre_restore(const RestoreRequest& request) override {
    report(env_.events, log_, EventSeverity::error, event_id::policy_invalid,
           "wsbkit PreRestore of " + request.component_name.value_or("(none)") + " refused: the policy cannot be used: " + reason_);
    return hr::wsbapp_e_component_pre_restore_failed;
  }
  // Still gives back what an earlier session owes (the journal needs no policy).
  Hresult post_restore(const RestoreRequest&) override {
    auto repaired = repair_session(env_, key_);
    std::string problem;
    if (!repaired) problem = repaired.error().message();
    else if (repaired->live) problem = "another wsbkit process is working on the session";
    else if (repaired->problem) problem = *repaired->problem;
    if (problem.empty()) return hr::ok;
    report(env_.events, log_, EventSeverity::error, event_id::post_restore_failed,
           "wsbkit PostRestore could not give back the session's services: " + problem);
    return hr::wsbapp_e_component_post_restore_failed;
  }
  OrderResult order_components(const OrderRequest&) override { return {hr::s_false, std::nullopt, std::nullopt}; }
  bool roll_forward_supported() const override { return false; }

 private:
  RestoreEnvironment env_;
  CallLog& log_;
  std::string key_;
  std::string reason_;
};

class RefusingChecks final : public ConsistencyChecks {
 public:
  RefusingChecks(EventLog& events, CallLog& log, std::string reason) : events_(events), log_(log), reason_(std::move(reason)) {}
  ConsistencyResult start(const ConsistencyRequest& request) override {
    report(events_, log_, EventSeverity::error, event_id::policy_invalid,
           "wsbkit CheckConsistency of " + request.component_name.value_or("(none)") + " failed: the policy cannot be used: " + reason_);
    return {hr::wsbapp_e_component_consistency_check_failed, nullptr};
  }

 private:
  EventLog& events_;
  CallLog& log_;
  std::string reason_;
};

}  // namespace

std::string session_key_for(const std::string& writer_or_clsid) {
  std::string key;
  for (const char c : writer_or_clsid) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return key.empty() ? "default" : key;
}

Result<std::optional<std::string>> writer_for_clsid(Registry& registry, const std::string& clsid) {
  auto apps = Registrar(registry, nullptr).list_applications();
  if (!apps) return apps.error();
  for (const auto& app : *apps) {
    if (app.clsid && iequals(*app.clsid, clsid)) return std::optional<std::string>(app.writer_id);
  }
  return std::optional<std::string>();
}

AddinHost::AddinHost(RestoreEnvironment env, CallLog& log, AddinSettings settings, ConsistencyChecksFactory checks_factory)
    : env_(std::move(env)), log_(log), settings_(std::move(settings)) {
  session_key_ = session_key_for(settings_.writer_id.value_or(settings_.clsid));
  if (settings_.policy_path) {
    // The add-in runs as SYSTEM: a policy others can edit would let them run code as SYSTEM.
    // The policy is read through the handle that was checked (no check-then-reopen).
    std::string insecure;
    Result<policy::LoadResult> loaded = policy::LoadResult{};
    if (env_.security) {
      TrustedFile trusted = open_trusted(*env_.security, *settings_.policy_path, FileRole::data);
      insecure = trusted.refusal;
      loaded = trusted.file ? policy::load_policy_file(*trusted.file)
                            : Result<policy::LoadResult>(Error::win32(win32_error::access_denied, "open", *settings_.policy_path, insecure));
    } else {
      loaded = policy::load_policy_file(env_.files, *settings_.policy_path);
    }
    std::optional<policy::Policy> parsed;
    if (!loaded) {
      policy_problem_ = "cannot read " + *settings_.policy_path + ": " + loaded.error().message();
    } else if (loaded->policy) {
      parsed = std::move(*loaded->policy);
      // The journal key comes from the policy even when it is refused, so that an earlier
      // session's services can still be given back.
      if (!parsed->writer_id.empty() && !settings_.writer_id) session_key_ = session_key_for(parsed->writer_id);
      if (const auto mismatch = settings_.writer_id ? writer_mismatch(*parsed, *settings_.writer_id) : std::nullopt) {
        policy_problem_ = *settings_.policy_path + ": " + mismatch->path + ": " + mismatch->message;
        parsed.reset();
      }
    } else {
      policy_problem_ = std::to_string(loaded->problems.size()) + " problem(s); first: " +
                        loaded->problems.front().format(*settings_.policy_path);
    }
    if (!insecure.empty()) {
      policy_problem_ = "refused: " + insecure;
      report(env_.events, log_, EventSeverity::error, event_id::step_refused_insecure, "wsbkit add-in: policy " + policy_problem_);
    } else if (parsed) {
      policy_ = std::make_shared<const policy::Policy>(std::move(*parsed));
    }
  }
  if (env_.state_problem) {  // nothing is read from or written to a state folder that failed its check
    policy_.reset();
    policy_problem_ = "the state folder cannot be used: " + *env_.state_problem;
    report(env_.events, log_, EventSeverity::error, event_id::state_folder_refused, "wsbkit add-in: " + policy_problem_);
  } else if (!policy_problem_.empty()) {
    report(env_.events, log_, EventSeverity::error, event_id::policy_invalid, "wsbkit add-in: " + policy_problem_);
  }
  if (!policy_problem_.empty()) {
    restore_ = std::make_unique<RefusingRestoreEngine>(env_, log_, session_key_, policy_problem_);
    checks_ = std::make_unique<RefusingChecks>(env_.events, log_, policy_problem_);
  } else if (policy_) {
    restore_ = std::make_unique<PolicyRestoreEngine>(policy_, env_, session_key_);
    if (checks_factory && !policy_->backup.checks.empty()) checks_ = checks_factory(policy_);
  }
}

AddinHost::~AddinHost() {
  {
    std::lock_guard lock(timer_mutex_);
    stopping_ = true;
  }
  if (timer_.joinable()) timer_.join();
}

bool AddinHost::timer_stopping() {
  std::lock_guard lock(timer_mutex_);
  return stopping_;
}

void AddinHost::complete_expired_session() {
  auto* engine = dynamic_cast<PolicyRestoreEngine*>(restore_.get());
  if (!engine) return;
  auto completed = engine->complete_expired_session();
  if (completed) return;
  report(env_.events, log_, EventSeverity::error, event_id::post_restore_failed,
         "wsbkit could not complete an expired restore session: " + completed.error().message());
}

void AddinHost::on_activation() {
  complete_expired_session();
  auto* engine = dynamic_cast<PolicyRestoreEngine*>(restore_.get());
  if (settings_.expiry_check_interval.count() <= 0 || !engine) return;
  timer_ = std::thread([this, engine] { run_expiry_timer(*engine); });
}

// Sleeps on the Clock in slices until a check is due: the held session's expiry (asked again at
// every slice, so a session opened since is seen), or the periodic check. After a check it sleeps
// at least one slice, so a session that cannot be completed is not retried in a busy loop.
void AddinHost::run_expiry_timer(PolicyRestoreEngine& engine) {
  auto periodic = env_.clock.steady_now() + settings_.expiry_check_interval;
  while (!timer_stopping()) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(periodic - env_.clock.steady_now());
    if (const auto left = engine.held_session_expires_in()) wait = std::min(wait, *left);
    if (wait.count() <= 0) {
      complete_expired_session();
      periodic = env_.clock.steady_now() + settings_.expiry_check_interval;
      wait = settings_.timer_slice;
    }
    env_.clock.sleep_for(std::min(wait, settings_.timer_slice));
  }
}

std::shared_ptr<WsbApplication> AddinHost::make_application() {
  return std::make_shared<AddinCore>(log_, checks_.get(), restore_.get());
}

}  // namespace wsbkit
