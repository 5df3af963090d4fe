#include "core/restore/session.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit {

using json = nlohmann::json;

namespace {

// COM strings may hold unpaired surrogates (WTF-8): exact_string_json keeps them bit for bit.
json exact_text(const std::string& s) { return exact_string_json(s); }
std::string exact_text_of(const json& j) { return exact_string_from_json(j).value_or(""); }
json optional_text(const OptionalString& s) { return s ? exact_text(*s) : json(nullptr); }
OptionalString optional_text_of(const json& j) { return j.is_null() ? OptionalString() : OptionalString(exact_text_of(j)); }

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

bool same_service(const Owed& o, const std::string& name) { return iequals(o.service, name); }

ComponentList components_of(const json& entries) {
  ComponentList list;
  for (const auto& c : entries) {
    if (c.is_array() && c.size() == 2) list.emplace_back(optional_text_of(c[0]), optional_text_of(c[1]));
  }
  return list;
}

json components_json(const ComponentList& components) {
  json entries = json::array();
  for (const auto& [name, path] : components) entries.push_back(json::array({optional_text(name), optional_text(path)}));
  return entries;
}

// A new list for the session under way: the listed components that already had their PreRestore
// stay listed (their PostRestore is still due).
void replace_list(SessionState& s, ComponentList list) {
  std::set<std::string> keys;
  for (const auto& [n, p] : list) keys.insert(component_key(n, p));
  for (const auto& [n, p] : s.components.value_or(ComponentList{})) {
    const std::string key = component_key(n, p);
    if (s.pre_started.count(key) && keys.insert(key).second) list.emplace_back(n, p);
  }
  s.components = std::move(list);
}

// The first field replay would read with the wrong JSON type (nlohmann's value() throws on it);
// nullopt when the record can be replayed. Absent fields take their defaults.
std::optional<std::string> wrong_field(const json& r) {
  for (const char* key : {"t", "id", "service", "state", "start_type", "with"}) {
    if (r.contains(key) && !r[key].is_string()) return key;
  }
  // An integer that fits: a float (1.7e20) or an unsigned beyond int64 would not convert to one.
  if (r.contains("started_ms") && !(r["started_ms"].is_number_integer() &&
                                    (!r["started_ms"].is_number_unsigned() ||
                                     r["started_ms"].get<std::uint64_t>() <=
                                         static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))) {
    return "started_ms";
  }
  if (r.contains("disabled") && !r["disabled"].is_boolean()) return "disabled";
  return std::nullopt;
}

// The state the records describe, in order.
void replay(const json& r, SessionState& s) {
  const std::string t = r.value("t", "");
  if (t == "session") {  // a new session: what earlier ones owe stays owed
    s.open = true;
    s.id = r.value("id", "");
    s.started_ms = r.value("started_ms", std::int64_t{0});
    s.components.reset();
    s.pre_started.clear();
    s.post_done.clear();
    s.once_pre_done = false;
    if (r.contains("components") && r["components"].is_array()) s.components = components_of(r["components"]);
  } else if (t == "order" && s.open && r.contains("components") && r["components"].is_array()) {
    replace_list(s, components_of(r["components"]));
  } else if (t == "owe") {
    const std::string service = r.value("service", "");
    const bool already = std::any_of(s.owed.begin(), s.owed.end(), [&](const Owed& o) { return same_service(o, service); });
    if (!already && !service.empty()) {  // the first record holds the true prior state
      s.owed.push_back({service, parse_state(r.value("state", "stopped")), parse_start_type(r.value("start_type", "manual")),
                        r.value("disabled", false), r.value("with", "")});
    }
  } else if (t == "settled") {
    const std::string service = r.value("service", "");
    std::erase_if(s.owed, [&](const Owed& o) { return same_service(o, service); });
  } else if (t == "pre" && r.contains("component")) {
    s.pre_started.insert(exact_text_of(r["component"]));
  } else if (t == "post" && r.contains("component")) {
    s.post_done.insert(exact_text_of(r["component"]));
  } else if (t == "ended") {
    s.open = false;
  } else if (t == "once_pre") {
    s.once_pre_done = true;
  }
}


}  // namespace

bool is_boot_or_system_start(ServiceStartType type) {
  return type == ServiceStartType::boot || type == ServiceStartType::system;
}

std::string comma_separated(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string component_key(const OptionalString& name, const OptionalString& logical_path) {
  return to_lower_ascii(name.value_or("<null>")) + "|" + to_lower_ascii(logical_path.value_or(""));
}

bool post_restore_ends_session(const SessionState& state, const std::string& key) {
  std::set<std::string> done = state.post_done;
  done.insert(key);
  for (const auto& pre : state.pre_started) {
    if (!done.count(pre)) return false;
  }
  for (const auto& [n, p] : state.components.value_or(ComponentList{})) {
    const std::string listed = component_key(n, p);
    if (!state.pre_started.count(listed) && !done.count(listed)) return false;
  }
  return true;
}

bool restore_under_way(const SessionState& state) { return state.open && !state.pre_started.empty(); }

Result<void> RestoreSession::load() {
  auto loaded = journal_.load();
  if (!loaded) return loaded.error();
  // Authenticated yet not what wsbkit writes: the whole journal is refused before anything is
  // replayed, as Journal::load refuses a record that is not an object.
  for (std::size_t i = 0; i < loaded->records.size(); ++i) {
    if (auto field = wrong_field(loaded->records[i])) {
      return Error::win32(win32_error::invalid_data, "journal", journal_.path(),
                          "refused: record " + std::to_string(i + 1) + " has a field '" + *field +
                              "' of the wrong type; nothing in the journal was acted on");
    }
  }
  state_ = SessionState{};
  for (const auto& record : loaded->records) replay(record, state_);
  state_.journal_problem = loaded->problem;
  return success();
}

Result<void> RestoreSession::append(const json& record) {
  if (auto r = journal_.append(record); !r) return r;
  replay(record, state_);
  return success();
}

Result<void> RestoreSession::begin(std::string id, std::int64_t started_ms, std::optional<ComponentList> components) {
  json record = {{"t", "session"}, {"id", std::move(id)}, {"started_ms", started_ms}, {"components", nullptr}};
  if (components) record["components"] = components_json(*components);
  return append(record);
}

Result<void> RestoreSession::reorder(const ComponentList& components) {
  return append({{"t", "order"}, {"components", components_json(components)}});
}

Result<void> RestoreSession::owe(const ServiceSnapshot& service, bool disable, const std::string& step) {
  return append({{"t", "owe"}, {"service", service.name}, {"state", state_name(service.state)},
                 {"start_type", start_type_name(service.start_type)}, {"disabled", disable},
                 {"with", service.pulled_by}, {"step", step}});
}

Result<void> RestoreSession::record_outcome(const std::string& step, const std::string& outcome) {
  return append({{"t", "done"}, {"step", step}, {"outcome", to_valid_utf8(outcome)}});
}

Result<void> RestoreSession::settle(const std::string& service) { return append({{"t", "settled"}, {"service", service}}); }

Result<void> RestoreSession::mark_component(bool pre, const std::string& key) {
  return append({{"t", pre ? "pre" : "post"}, {"component", exact_text(key)}});
}

Result<void> RestoreSession::mark_once_pre() { return append({{"t", "once_pre"}}); }

// Boot and system start services (drivers) are never given anything back: settled untouched.
Result<void> RestoreSession::settle_untouchable(ServiceControl& services, GiveBack& done) {
  const std::vector<Owed> owed = state_.owed;
  for (const auto& o : owed) {
    std::string why;
    if (is_boot_or_system_start(o.start_type)) {
      why = "recorded with start type " + start_type_name(o.start_type);
    } else if (auto now = services.query_start_type(o.service); now && is_boot_or_system_start(*now)) {
      why = "its start type is " + start_type_name(*now);
    }
    if (why.empty()) continue;
    done.refused.push_back(o.service + ": " + why + "; wsbkit never changes or starts boot and system start services (drivers)");
    if (auto r = settle(o.service); !r) return r;
  }
  return success();
}

Result<void> RestoreSession::restore_start_types(ServiceControl& services, GiveBack& done) {
  std::optional<Error> first;
  for (const auto& o : state_.owed) {
    if (!o.disabled_by_us) continue;
    if (auto r = services.set_start_type(o.service, o.start_type); !r) {
      if (!first) first = r.error();
      continue;
    }
    done.start_types_restored.push_back(o.service);
  }
  if (first) return *first;
  return success();
}

Result<void> RestoreSession::restart(ServiceOrchestrator& orchestrator, ServiceControl& services,
                                     std::chrono::milliseconds timeout, GiveBack& done) {
  std::vector<std::string> wanted;
  for (const auto& o : state_.owed) {
    if (o.must_restart()) wanted.push_back(o.service);
  }
  auto started = orchestrator.start_all(wanted, timeout);
  for (const auto& name : wanted) {
    bool running = started.ok();
    if (!running) {  // which of them did come back?
      auto status = services.query_status(name);
      running = status.ok() && status->state == ServiceState::running;
    }
    if (running) done.services_restarted.push_back(name);
  }
  return started;
}

Result<GiveBack> RestoreSession::give_back(ServiceOrchestrator& orchestrator, ServiceControl& services,
                                           std::chrono::milliseconds timeout) {
  GiveBack done;
  if (auto r = settle_untouchable(services, done); !r) return r.error();
  if (state_.owed.empty()) return done;
  const auto types = restore_start_types(services, done);
  const auto restarted = restart(orchestrator, services, timeout, done);
  auto is_in = [](const std::vector<std::string>& names, const std::string& n) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& x) { return iequals(x, n); });
  };
  const std::vector<Owed> owed = state_.owed;
  for (const auto& o : owed) {
    const bool type_back = !o.disabled_by_us || is_in(done.start_types_restored, o.service);
    const bool state_back = !o.must_restart() || is_in(done.services_restarted, o.service);
    if (!type_back || !state_back) continue;
    if (auto r = settle(o.service); !r) return r.error();
  }
  if (!types) return types.error();
  if (!restarted) return restarted.error();
  return done;
}

Result<void> RestoreSession::close() {
  if (!state_.owed.empty()) {
    std::vector<std::string> names;
    for (const auto& o : state_.owed) names.push_back(o.service);
    return Error::win32(win32_error::invalid_parameter, "close restore session", journal_.path(),
                        "the session still owes " + comma_separated(names) + "; the journal is kept for 'wsbkit repair'");
  }
  if (auto r = journal_.remove(); !r) return r;
  state_ = SessionState{};
  return success();
}

Result<void> RestoreSession::end_with_debts() {
  if (!state_.open) return success();
  return append({{"t", "ended"}});
}

}  // namespace wsbkit
