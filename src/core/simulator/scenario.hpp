// A scenario: the machine an application's policy meets in `wsbkit simulate --in-process --policy
// FILE --scenario FILE`, and what must happen (docs/scenario.schema.json, README "Testing your
// policy in CI").
//
//   {
//     "machine": {
//       "services": { "LedgerSvc": { "state": "running", "start_type": "automatic", "depends_on": [],
//                                    "listens": [47110], "on_stop": "stops|hangs|fails",
//                                    "on_start": "starts|fails" } },
//       "files": { "C:\\Ledger\\data\\a.ldb": "text" or { "hex": "00ff" } },
//       "manifests": [{ "path": "C:\\Ledger\\MANIFEST.xxh128", "files": ["C:\\Ledger\\data\\a.ldb"] }],
//       "volumes": [{ "mount_point": "C:\\", "volume": "\\\\?\\Volume{...}\\",
//                     "snapshot": "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\",
//                     "snapshot_changes": { "C:\\Ledger\\data\\a.ldb": "damaged" or null } }],
//       "tools": [{ "executable": "ledgerctl.exe", "exit_code": 0, "output": "ok\n", "error_output": "" }]
//     },
//     "components": [{ "name": "LedgerDB", "logical_path": "Contoso\\Ledger" }],
//     "run": { "backup": true, "restore": true, "no_roll_forward": false },
//     "expect": {
//       "calls": [{ "method": "PreRestore", "component": "LedgerDB", "hresult": "S_OK" },
//                 { "method": "QueryStatus", "component": "LedgerDB", "result": "S_OK" }],
//       "services": { "LedgerSvc": { "state": "running", "start_type": "automatic" } },
//       "files": { "C:\\Ledger\\data\\a.ldb": "text" or { "hex": "..." } or null }
//     }
//   }
//
// Parsing collects every problem with its line and column (the policy's Document); a scenario
// with a problem is never run. Evaluation reads the machine through the platform interfaces, so
// it is the same against the in-memory machine and any other backend.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/policy/policy_document.hpp"
#include "core/simulator/simulator.hpp"
#include "platform/file_system.hpp"
#include "platform/service_control.hpp"

namespace wsbkit::scenario {

enum class StopBehaviour { stops, hangs, fails };
enum class StartBehaviour { starts, fails };

struct Service {
  std::string name;
  ServiceState state = ServiceState::stopped;
  ServiceStartType start_type = ServiceStartType::manual;
  std::vector<std::string> depends_on;
  std::vector<std::uint16_t> listens;  // TCP ports open (127.0.0.1 and ::1) while it runs
  StopBehaviour on_stop = StopBehaviour::stops;
  StartBehaviour on_start = StartBehaviour::starts;
};

struct Manifest {
  std::string path;                 // written in xxhsum -H2 form, names relative to its folder
  std::vector<std::string> files;   // machine files it lists, with their XXH128
};

struct Volume {
  std::string mount_point;  // "C:\"
  std::string volume;       // \\?\Volume{GUID}\ path
  std::optional<std::string> snapshot;  // device path of its snapshot: a copy of the volume's files
  std::map<std::string, std::optional<std::string>> snapshot_changes;  // live path -> snapshot bytes (nullopt: missing)
};

struct Tool {
  std::string executable;  // file name ("ledgerctl.exe") or full path; matched case-insensitively by file name
  std::uint32_t exit_code = 0;
  std::string output;        // bytes
  std::string error_output;  // bytes
  bool fails_to_start = false;
};

struct Machine {
  std::vector<Service> services;
  std::map<std::string, std::string> files;  // path -> bytes
  std::vector<Manifest> manifests;
  std::vector<Volume> volumes;
  std::vector<Tool> tools;
};

struct ExpectedCall {
  std::string path;  // "expect.calls[2]", how a miss is named
  std::string method;
  std::optional<std::string> component;
  std::optional<std::string> hresult;  // symbolic name ("S_OK") or hex ("0x80042301")
  // QueryStatus only: the check's result it reported (S_OK: the check passed), as `hresult`.
  std::optional<std::string> result;
};

struct ExpectedService {
  std::string path;
  std::string name;
  std::optional<ServiceState> state;
  std::optional<ServiceStartType> start_type;
};

struct ExpectedFile {
  std::string path;  // "expect.files.C:\..."
  std::string file;
  std::optional<std::string> contents;  // nullopt: must not exist
};

struct Scenario {
  Machine machine;
  std::vector<SimulatedComponent> components;  // empty: the policy's own (plain names)
  bool backup = true;
  bool restore = true;
  bool no_roll_forward = false;
  std::vector<ExpectedCall> calls;
  std::vector<ExpectedService> services;
  std::vector<ExpectedFile> files;
  std::size_t expectation_count() const { return calls.size() + services.size() + files.size(); }
};

struct ParseResult {
  std::optional<Scenario> scenario;  // set when there are no problems
  std::vector<policy::Problem> problems;
};

ParseResult parse_scenario(const std::string& text);

// One expectation after the run: held, or missed with what was expected and what happened.
struct Outcome {
  std::string path;  // "expect.services.LedgerSvc.state"
  bool held = false;
  std::string expected;
  std::string actual;
};

// Checks every expectation against the calls the simulator made and the machine after the run.
std::vector<Outcome> evaluate(const Scenario& scenario, const std::vector<SimulatedCall>& calls, ServiceControl& services,
                              FileSystem& files);

// The WSB methods a call expectation may name.
const std::vector<std::string>& wsb_methods();
// The component a simulated call was made for (its `component=` argument); nullopt: none or NULL.
std::optional<std::string> component_of(const SimulatedCall& call);

}  // namespace wsbkit::scenario
