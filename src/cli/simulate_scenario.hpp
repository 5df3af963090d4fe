// `wsbkit simulate --in-process --policy FILE [--scenario FILE]`: the application's own policy on
// the in-memory machine a scenario declares (core/simulator/scenario_machine.hpp), then every
// expectation of the scenario checked (README, "Testing your policy in CI").
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "core/simulator/scenario_machine.hpp"

namespace wsbkit::cli {

struct InMachineRequest {
  std::string policy_file;
  std::string scenario_file;     // "" = an empty machine
  bool components_given = false;  // -c on the command line wins over the scenario's and the policy's
  bool volumes_given = false;     // --volume wins over the scenario's snapshots
  bool poll_given = false;        // --poll-ms; otherwise the in-memory add-in is polled every 10 ms
};

struct InMachineRun {
  std::optional<scenario::Scenario> scenario;
  std::string scenario_file;
  std::unique_ptr<scenario::InMemoryMachine> machine;
  std::shared_ptr<WsbApplication> addin;  // released before the machine
  std::string policy_text;                // a new add-in after --kill-addin-after starts with it
  policy::Policy policy;
  ~InMachineRun() { addin.reset(); }
};

// Reads and checks the policy and the scenario (every problem "FILE:LINE:COLUMN: PATH: MESSAGE";
// nothing is run on a problem), builds the machine, starts the add-in on it and fits `sim` to the
// scenario. Returns the exit code on failure, -1 when the run can start.
int prepare_in_machine(CliContext& ctx, const InMachineRequest& request, SimulationOptions& sim, InMachineRun& run,
                       std::ostream& out, std::ostream& err);

// After the calls: what the add-in reported, then each expectation held or missed. The exit code
// (0 when every expectation held, exit_code::expectations_missed otherwise); nullopt without a
// scenario (the calls decide, as for any simulate run).
std::optional<int> finish_in_machine(const InMachineRun& run, const std::vector<SimulatedCall>& calls, std::ostream& out);

}  // namespace wsbkit::cli
