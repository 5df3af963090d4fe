// A restore session: the journal's account of what a restore changed and still owes, and the only
// code that writes it. Every method re-reads nothing: call load() first (another process may have
// written the journal since); each change is durable (the journal file replaced atomically) before
// the method returns.
//
// Undo never gets lost:
//  - owe() is written BEFORE a service is stopped or disabled; settle() after it is given back;
//  - begin() over a session that still owes something keeps those debts (the new session owes
//    them too), so a failed give-back is never forgotten by the next restore;
//  - close() removes the journal only when nothing is owed; end_with_debts() ends a session whose
//    give-back failed and keeps its journal.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/restore/journal.hpp"
#include "core/restore/service_orchestrator.hpp"
#include "platform/clock.hpp"
#include "platform/com/wsb_application.hpp"
#include "platform/service_control.hpp"

namespace wsbkit {

using ComponentList = std::vector<std::pair<OptionalString, OptionalString>>;  // name, logical path

// A service the session changed: its state and start type before, and how it was changed.
struct Owed {
  std::string service;
  ServiceState state = ServiceState::stopped;
  ServiceStartType start_type = ServiceStartType::manual;
  bool disabled_by_us = false;
  std::string stopped_with;  // the service whose stop step stopped this one
  bool must_restart() const { return state == ServiceState::running || state == ServiceState::start_pending; }
};

struct SessionState {
  bool open = false;
  std::string id;
  std::int64_t started_ms = 0;
  std::optional<ComponentList> components;  // from OrderComponents, in restore order
  std::set<std::string> pre_started;        // component keys (see component_key)
  std::set<std::string> post_done;
  bool once_pre_done = false;
  std::vector<Owed> owed;
  std::optional<std::string> journal_problem;  // why the journal's tail was ignored
};

// What a give-back did.
struct GiveBack {
  std::vector<std::string> services_restarted;
  std::vector<std::string> start_types_restored;
  // Services never touched because they are boot or system start (drivers): "Name: why".
  std::vector<std::string> refused;
};

// Boot and system start services are drivers the machine needs to boot: wsbkit never stops them,
// never changes their start type and never starts them (not for a policy, not for a journal).
bool is_boot_or_system_start(ServiceStartType type);

// "A, B, C": how messages list service names.
std::string comma_separated(const std::vector<std::string>& names);

// How a component is named in the journal: case-folded name and logical path, exact otherwise. A
// NULL logical path and "" are the same component (WSB's documentation does not say it passes the
// same one to OrderComponents and to Pre/PostRestore).
std::string component_key(const OptionalString& name, const OptionalString& logical_path);

// Whether the PostRestore of `key` ends the session: once every component that had a PreRestore
// has had its PostRestore and every component OrderComponents named has had its PreRestore (or
// PostRestore), whatever the order WSB calls them in. Without a component list (no
// OrderComponents): once every component that had a PreRestore has had its PostRestore.
bool post_restore_ends_session(const SessionState& state, const std::string& key);

// A restore under way: the session is open and some component had its PreRestore.
bool restore_under_way(const SessionState& state);

class RestoreSession {
 public:
  RestoreSession(FileSystem& files, std::string journal_path, JournalSeal seal)
      : journal_(files, std::move(journal_path), std::move(seal)) {}

  // Replays the journal (no file: no session). Damage after its first line (journal.hpp) ends it
  // there: the records before it are replayed, the damage reported in state().journal_problem.
  // A record with a field of the wrong type (authenticated, yet not what wsbkit writes) refuses the
  // whole journal (ERROR_INVALID_DATA, api "journal"): nothing is replayed or acted on.
  Result<void> load();
  const SessionState& state() const { return state_; }
  const std::string& journal_path() const { return journal_.path(); }
  bool owes_anything() const { return !state_.owed.empty(); }

  // Opens a new session; what an earlier session still owes stays owed.
  Result<void> begin(std::string id, std::int64_t started_ms, std::optional<ComponentList> components);
  // A repeated OrderComponents during a restore under way: `components` becomes the session's list,
  // together with the listed components that already had their PreRestore; nothing else changes.
  Result<void> reorder(const ComponentList& components);
  // Intent, before the change: `service` as it is now, and whether it will be disabled.
  Result<void> owe(const ServiceSnapshot& service, bool disable, const std::string& step);
  // Informational: how a step that changed services ended (replay relies on owe/settle alone).
  Result<void> record_outcome(const std::string& step, const std::string& outcome);
  Result<void> settle(const std::string& service);
  Result<void> mark_component(bool pre, const std::string& key);
  Result<void> mark_once_pre();

  // Gives back everything owed: start types first (a disabled service cannot start), then every
  // service that was running, in parallel by dependencies, waiting at most `timeout`. Each service
  // is settled once it is back, so a failure or crash halfway leaves only the rest owed. A service
  // recorded with, or now having, a boot or system start type is not touched: it is settled and
  // listed in GiveBack::refused.
  Result<GiveBack> give_back(ServiceOrchestrator& orchestrator, ServiceControl& services, std::chrono::milliseconds timeout);
  // Ends the session: the journal disappears. Refused while anything is owed.
  Result<void> close();
  // Ends the session although it still owes something (its give-back failed): the journal stays,
  // for the next session, activation or `wsbkit repair` to give back.
  Result<void> end_with_debts();

 private:
  Result<void> append(const nlohmann::json& record);
  Result<void> settle_untouchable(ServiceControl& services, GiveBack& done);
  Result<void> restore_start_types(ServiceControl& services, GiveBack& done);
  Result<void> restart(ServiceOrchestrator& orchestrator, ServiceControl& services, std::chrono::milliseconds timeout,
                       GiveBack& done);

  Journal journal_;
  SessionState state_;
};

}  // namespace wsbkit
