#include "core/addin_host.hpp"

#include <cctype>

namespace wsbkit {
namespace {

// What the add-in does when the policy cannot be used: refuse to act, but give back what a
// previous session owes.
class RefusingRestoreEngine final : public RestoreEngine {
 public:
  RefusingRestoreEngine(RestoreEnvironment env, std::string key, std::string reason)
      : env_(std::move(env)), key_(std::move(key)), reason_(std::move(reason)) {}

  Hresult pre_restore(const RestoreRequest& request) override {
    (void)env_.events.report(EventSeverity::error, event_id::policy_invalid,
                             "wsbkit PreRestore of " + request.component_name.value_or("(none)") +
                                 " refused: the policy cannot be used: " + reason_);
    return hr::wsbapp_e_component_pre_restore_failed;
  }
  Hresult post_restore(const RestoreRequest&) override {
    auto repaired = repair_sessions(env_, key_);
    if (!repaired) {
      (void)env_.events.report(EventSeverity::error, event_id::post_restore_failed,
                               "wsbkit PostRestore could not give back the session's services: " + repaired.error().message());
      return hr::wsbapp_e_component_post_restore_failed;
    }
    return hr::ok;
  }
  OrderResult order_components(const OrderRequest&) override { return {hr::s_false, std::nullopt, std::nullopt}; }
  bool roll_forward_supported() const override { return false; }

 private:
  RestoreEnvironment env_;
  std::string key_;
  std::string reason_;
};

class RefusingChecks final : public ConsistencyChecks {
 public:
  RefusingChecks(EventLog& events, std::string reason) : events_(events), reason_(std::move(reason)) {}
  ConsistencyResult start(const ConsistencyRequest& request) override {
    (void)events_.report(EventSeverity::error, event_id::policy_invalid,
                         "wsbkit CheckConsistency of " + request.component_name.value_or("(none)") +
                             " failed: the policy cannot be used: " + reason_);
    return {hr::wsbapp_e_component_consistency_check_failed, nullptr};
  }

 private:
  EventLog& events_;
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

AddinHost::AddinHost(RestoreEnvironment env, CallLog& log, AddinSettings settings, ConsistencyChecksFactory checks_factory)
    : env_(std::move(env)), log_(log), settings_(std::move(settings)) {
  session_key_ = session_key_for(settings_.clsid);
  if (settings_.policy_path) {
    // The add-in runs as SYSTEM: a policy others can edit would let them run code as SYSTEM.
    const std::string insecure =
        env_.security ? untrusted_reason(*env_.security, *settings_.policy_path, FileRole::data) : std::string();
    auto text = env_.files.read_file(*settings_.policy_path);
    std::optional<policy::Policy> parsed;
    if (!text) {
      policy_problem_ = "cannot read " + *settings_.policy_path + ": " + text.error().message();
    } else {
      auto loaded = policy::parse_policy(*text);
      if (loaded.policy) {
        parsed = std::move(*loaded.policy);
        // The journal key comes from the policy even when it is refused, so that an earlier
        // session's services can still be given back.
        if (!parsed->writer_id.empty()) session_key_ = session_key_for(parsed->writer_id);
      } else {
        policy_problem_ = std::to_string(loaded.problems.size()) + " problem(s); first: " +
                          loaded.problems.front().format(*settings_.policy_path);
      }
    }
    if (!insecure.empty()) {
      policy_problem_ = "refused: " + insecure;
      (void)env_.events.report(EventSeverity::error, event_id::step_refused_insecure, "wsbkit add-in: policy " + policy_problem_);
    } else if (parsed) {
      policy_ = std::make_shared<const policy::Policy>(std::move(*parsed));
    }
  }
  if (!policy_problem_.empty()) {
    (void)env_.events.report(EventSeverity::error, event_id::policy_invalid, "wsbkit add-in: " + policy_problem_);
    restore_ = std::make_unique<RefusingRestoreEngine>(env_, session_key_, policy_problem_);
    checks_ = std::make_unique<RefusingChecks>(env_.events, policy_problem_);
  } else if (policy_) {
    restore_ = std::make_unique<PolicyRestoreEngine>(policy_, env_, session_key_);
    if (checks_factory && !policy_->backup.checks.empty()) checks_ = checks_factory(policy_);
  }
}

void AddinHost::on_activation() {
  auto* engine = dynamic_cast<PolicyRestoreEngine*>(restore_.get());
  if (!engine) return;
  auto completed = engine->complete_expired_session();
  if (!completed) {
    (void)env_.events.report(EventSeverity::error, event_id::post_restore_failed,
                             "wsbkit could not complete an expired restore session: " + completed.error().message());
  }
}

std::shared_ptr<WsbApplication> AddinHost::make_application() {
  return std::make_shared<AddinCore>(log_, checks_.get(), restore_.get());
}

}  // namespace wsbkit
