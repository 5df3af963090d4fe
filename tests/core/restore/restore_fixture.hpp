// What the restore tests share: a machine of fakes with the Ledger application's services, the
// Ledger policy, WSB's requests, and platform wrappers that make the add-in "die" at a chosen call.
#pragma once

#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "core/restore/component_order.hpp"
#include "core/restore/policy_restore_engine.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_locks.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/forwarding_file_system.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_service_control.hpp"
#include "mock/host_digests.hpp"

namespace wsbkit::restore_test {

using namespace std::chrono_literals;

struct SimulatedCrash {};

// Counts every platform call of the engine and throws SimulatedCrash at the chosen one: the
// add-in process dies there, with whatever the fakes hold at that instant. The engine contains
// exceptions, so a dead process is played by every later call throwing too: nothing the engine
// tries after the crash reaches the fakes.
struct CrashPoint {
  long remaining = -1;  // -1: never
  long calls = 0;
  bool dead = false;
  bool throws_once = false;  // an ordinary exception at that one call, the process lives on
  void tick() {
    ++calls;
    if (throws_once) {
      if (remaining > 0 && --remaining == 0) throw std::runtime_error("injected failure");
      return;
    }
    if (dead || (remaining > 0 && --remaining == 0)) {
      dead = true;
      throw SimulatedCrash{};
    }
  }
};

class CrashingServices final : public ServiceControl {
 public:
  CrashingServices(ServiceControl& inner, CrashPoint& crash) : inner_(inner), crash_(crash) {}
  Result<bool> exists(const std::string& n) override { crash_.tick(); return inner_.exists(n); }
  Result<ServiceStatus> query_status(const std::string& n) override { crash_.tick(); return inner_.query_status(n); }
  Result<ServiceStartType> query_start_type(const std::string& n) override { crash_.tick(); return inner_.query_start_type(n); }
  Result<void> set_start_type(const std::string& n, ServiceStartType t) override { crash_.tick(); return inner_.set_start_type(n, t); }
  Result<std::vector<std::string>> list_services() override { crash_.tick(); return inner_.list_services(); }
  Result<std::vector<std::string>> dependencies(const std::string& n) override { crash_.tick(); return inner_.dependencies(n); }
  Result<void> start(const std::string& n) override { crash_.tick(); return inner_.start(n); }
  Result<void> stop(const std::string& n) override { crash_.tick(); return inner_.stop(n); }
  Result<void> create_service(const ServiceDefinition& d) override { return inner_.create_service(d); }
  Result<void> delete_service(const std::string& n) override { return inner_.delete_service(n); }

 private:
  ServiceControl& inner_;
  CrashPoint& crash_;
};

class CrashingFiles final : public mock::ForwardingFileSystem {
 public:
  CrashingFiles(FileSystem& inner, CrashPoint& crash) : ForwardingFileSystem(inner), crash_(crash) {}
  Result<std::string> read_file(const std::string& p) override { crash_.tick(); return inner_.read_file(p); }
  Result<std::string> read_file_no_follow(const std::string& p) override { crash_.tick(); return inner_.read_file_no_follow(p); }
  Result<void> write_file(const std::string& p, std::string_view c) override { crash_.tick(); return inner_.write_file(p, c); }
  Result<void> replace_file_atomically(const std::string& p, std::string_view c) override {
    crash_.tick();
    return inner_.replace_file_atomically(p, c);
  }
  Result<bool> exists(const std::string& p) override { crash_.tick(); return inner_.exists(p); }
  Result<void> remove(const std::string& p) override { crash_.tick(); return inner_.remove(p); }
  // The run log (append_file) and folder calls are not crash points: they hold no undo.

 private:
  CrashPoint& crash_;
};

inline const char* ledger_policy = R"({
  "components": { "db": { "name": "DB" }, "logs": { "name": "Logs" }, "idx": { "name": "Index*" } },
  "restore": {
    "order": ["db"],
    "after": [{ "component": "idx", "after": "logs" }],
    "pre": [
      { "service.stop": { "service": "LedgerSvc", "disable_during_restore": true } },
      { "service.stop": { "service": "Indexer" } }
    ],
    "post": [
      { "service.start": { "service": "Indexer" } },
      { "service.start": { "service": "LedgerSvc" } }
    ]
  }
})";

// LedgerSvc stopped (and disabled) for the session, without ordering: OrderComponents answers S_FALSE.
inline const char* unordered_ledger_policy = R"({"restore": {
  "pre": [{ "service.stop": { "service": "LedgerSvc", "disable_during_restore": true } }],
  "post": [{ "service.start": { "service": "LedgerSvc" } }]}})";

inline std::shared_ptr<const policy::Policy> load(const std::string& text) {
  auto result = policy::parse_policy(text);
  BOOST_REQUIRE_MESSAGE(result.policy, (result.problems.empty() ? "" : result.problems[0].format("policy")));
  return std::make_shared<const policy::Policy>(*result.policy);
}

struct Machine {
  mock::FakeServiceControl scm;
  mock::FakeFileSystem files;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  mock::FakeProcessRunner processes;
  mock::FakeFileLocks locks;  // one lock table: every engine here is a process of the same machine
  std::unique_ptr<Digests> digests = mock::make_host_digests();
  std::string journal_key = std::string(32, '\x5a');  // the machine's journal key (journal_key.hpp)

  Machine() {
    // LedgerSvc (automatic, running) has a running dependent LedgerWeb; Indexer (manual) runs;
    // Reporter is stopped and depends on LedgerSvc.
    scm.install({"LedgerSvc", "Ledger", "C:\\l.exe", ServiceStartType::automatic, {}}, ServiceState::running);
    scm.install({"LedgerWeb", "Ledger web", "C:\\w.exe", ServiceStartType::automatic, {"LedgerSvc"}}, ServiceState::running);
    scm.install({"Reporter", "Reporter", "C:\\r.exe", ServiceStartType::manual, {"LedgerSvc"}}, ServiceState::stopped);
    scm.install({"Indexer", "Indexer", "C:\\i.exe", ServiceStartType::manual, {}}, ServiceState::running);
    (void)files.create_directories("C:\\ProgramData\\wsbkit");
  }
  RestoreEnvironment env(ServiceControl& services, FileSystem& fs) {
    RestoreEnvironment e{fs, services, clock, events, &processes, nullptr, "C:\\ProgramData\\wsbkit", "\\", 50ms};
    e.locks = &locks;
    e.digests = digests.get();
    e.journal_key = journal_key;
    return e;
  }
  // What authenticates the journal of `session_key` on this machine.
  JournalSeal seal(const std::string& session_key) { return {digests.get(), journal_key, session_key}; }
  RestoreEnvironment env() { return env(scm, files); }
  ServiceState state(const std::string& name) { return scm.service(name)->state; }
  ServiceStartType start_type(const std::string& name) { return scm.service(name)->definition.start_type; }
  bool all_back() {
    return state("LedgerSvc") == ServiceState::running && state("LedgerWeb") == ServiceState::running &&
           state("Indexer") == ServiceState::running && state("Reporter") == ServiceState::stopped &&
           start_type("LedgerSvc") == ServiceStartType::automatic && start_type("Indexer") == ServiceStartType::manual;
  }
};

inline OrderRequest request_of(const std::vector<std::string>& names) {
  OrderRequest r;
  r.component_count = static_cast<std::uint32_t>(names.size());
  for (const auto& n : names) {
    r.names.emplace_back(n);
    r.logical_paths.emplace_back(std::nullopt);
  }
  return r;
}

inline RestoreRequest restore_of(const std::string& name, bool no_roll_forward = false) {
  return RestoreRequest{std::nullopt, name, std::nullopt, no_roll_forward};
}

inline std::vector<std::string> names_of(const OrderResult& r) {
  std::vector<std::string> out;
  for (const auto& n : *r.names) out.push_back(n.value_or("NULL"));
  return out;
}


}  // namespace wsbkit::restore_test
