// The machine a scenario declares, played by the in-memory fakes of mock/, with the application's
// add-in on it exactly as the add-in process builds it (AddinHost: the policy loaded from a file on
// the machine, the restore engine, the consistency checks). `wsbkit simulate --in-process
// --policy FILE --scenario FILE` drives it, and the tests use it to build a whole machine.
//
// The fakes stand for Windows (mock/*.hpp say how each behaves): services with their dependencies
// (Windows' SCM: a start starts stopped dependencies, a stop is refused while a dependent runs),
// an NTFS-like file system, volumes and snapshot devices, scripted tools, manual time (a hung stop
// times out at once: the step's timeout passes without real waiting), and a network where a
// service's ports accept connections while it runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/addin/addin_host.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "core/simulator/scenario.hpp"
#include "mock/fake_clock.hpp"
#include "mock/fake_event_log.hpp"
#include "mock/fake_file_system.hpp"
#include "mock/fake_network.hpp"
#include "mock/fake_process_runner.hpp"
#include "mock/fake_service_control.hpp"
#include "mock/fake_volumes.hpp"

namespace wsbkit::scenario {

// A service's ports accept connections while the service runs (on 127.0.0.1, ::1 and localhost).
class ServicePortsNetwork final : public Network {
 public:
  ServicePortsNetwork(mock::FakeServiceControl& services, std::vector<Service> declared)
      : services_(services), declared_(std::move(declared)) {}
  Result<bool> try_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) override;
  std::vector<std::string> attempts() const { return network_.attempts(); }

 private:
  mock::FakeServiceControl& services_;
  std::vector<Service> declared_;
  mock::FakeNetwork network_;
};

class InMemoryMachine {
 public:
  // Where the add-in keeps its state (journals in sessions\, run logs and addin.jsonl in logs\),
  // and where the policy is installed.
  static constexpr const char* state_dir = "C:\\ProgramData\\wsbkit";
  static constexpr const char* policy_path = "C:\\ProgramData\\wsbkit\\policy.json";

  // Error: the machine cannot be built as declared (a snapshot change outside its volume, a
  // manifest listing a file outside its folder, ...).
  static Result<std::unique_ptr<InMemoryMachine>> build(const Machine& machine);
  ~InMemoryMachine();

  // Installs the policy on the machine and starts the add-in on it as the add-in process does.
  // Error: the policy could not be used (the add-in's own reason).
  Result<std::shared_ptr<WsbApplication>> start_addin(const std::string& policy_text);

  // The volume pairs WSB passes to CheckConsistency: every volume that has a snapshot.
  void volume_pairs(SimulationOptions& options) const;
  // What the add-in wrote to the event log, one line each ("error 12: ...").
  std::vector<std::string> event_lines() const;

  mock::FakeServiceControl services;
  mock::FakeFileSystem files;
  mock::FakeClock clock;
  mock::FakeEventLog events;
  mock::FakeProcessRunner processes;
  mock::FakeVolumes volumes;
  std::unique_ptr<ServicePortsNetwork> network;

 private:
  InMemoryMachine() = default;
  Result<void> install(const Machine& machine);
  Result<void> write_manifest(const Manifest& manifest, const Machine& machine);
  Result<void> take_snapshot(const Volume& volume);

  std::vector<Volume> declared_volumes_;
  std::unique_ptr<Digests> digests_;
  std::unique_ptr<CallLog> log_;
  std::unique_ptr<ConsistencyEnvironment> check_env_;
  std::unique_ptr<AddinHost> host_;
};


}  // namespace wsbkit::scenario
