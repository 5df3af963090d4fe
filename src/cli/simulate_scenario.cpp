#include "cli/simulate_scenario.hpp"

#include <ostream>

#include "cli/cli_support.hpp"

namespace wsbkit::cli {
namespace {

int print_problems(const std::vector<policy::Problem>& problems, const std::string& file, std::ostream& err) {
  for (const auto& p : problems) err << p.format(file) << "\n";
  err << "wsbkit simulate: " << problems.size() << " problem(s) in " << file << "; nothing was run\n";
  return exit_code::invalid_input;
}

// The file's text; a file over the policy size limit is not read (its one problem instead).
Result<std::string> read_text(CliContext& ctx, const std::string& path, std::optional<policy::Problem>& too_big) {
  if (!ctx.files) return Error::hresult(hr::e_notimpl, "read", path, "no file system on this host");
  auto size = ctx.files->file_size(path);
  if (!size) return size.error();
  too_big = policy::size_problem(*size);
  if (too_big) return std::string();
  return ctx.files->read_file(path);
}

}  // namespace

int prepare_in_machine(CliContext& ctx, const InMachineRequest& request, SimulationOptions& sim, InMachineRun& run,
                       std::ostream& out, std::ostream& err) {
  std::optional<policy::Problem> too_big;
  auto policy_text = read_text(ctx, request.policy_file, too_big);
  if (!policy_text) return report(policy_text.error(), "simulate", err);
  if (too_big) return print_problems({*too_big}, request.policy_file, err);
  const auto policy = policy::parse_policy(*policy_text);
  if (!policy.policy) return print_problems(policy.problems, request.policy_file, err);
  scenario::Machine machine;
  if (!request.scenario_file.empty()) {
    auto scenario_text = read_text(ctx, request.scenario_file, too_big);
    if (!scenario_text) return report(scenario_text.error(), "simulate", err);
    if (too_big) {
      if (too_big->message.rfind("policy", 0) == 0) too_big->message.replace(0, 6, "scenario");
      return print_problems({*too_big}, request.scenario_file, err);
    }
    auto parsed = scenario::parse_scenario(*scenario_text);
    if (!parsed.scenario) return print_problems(parsed.problems, request.scenario_file, err);
    run.scenario = std::move(parsed.scenario);
    run.scenario_file = request.scenario_file;
    machine = run.scenario->machine;
  }
  auto built = scenario::InMemoryMachine::build(machine);
  if (!built) return report(built.error(), "simulate", err);
  run.machine = std::move(*built);
  run.policy_text = *policy_text;
  run.policy = *policy.policy;
  auto addin = run.machine->start_addin(*policy_text);
  if (!addin) return report(addin.error(), "simulate", err);
  run.addin = std::move(*addin);

  // Without -c, the scenario's components; else those the policy declares (already in `sim`, as for
  // every simulate run: cli/simulate_command.cpp, application_inputs).
  if (!request.components_given && run.scenario && !run.scenario->components.empty()) sim.components = run.scenario->components;
  if (!request.volumes_given) run.machine->volume_pairs(sim);
  if (!request.poll_given) sim.poll_interval = std::chrono::milliseconds(10);
  if (run.scenario) {
    sim.backup = sim.backup && run.scenario->backup;
    sim.restore = sim.restore && run.scenario->restore;
    sim.no_roll_forward = sim.no_roll_forward || run.scenario->no_roll_forward;
  }
  out << "Simulating Windows Server Backup against the in-process add-in with policy " << request.policy_file << " on "
      << (run.scenario ? "the machine of " + request.scenario_file : std::string("an empty in-memory machine")) << "\n";
  return -1;
}

std::optional<int> finish_in_machine(const InMachineRun& run, const std::vector<SimulatedCall>& calls, std::ostream& out) {
  const auto events = run.machine->event_lines();
  if (!events.empty()) out << "The add-in reported:\n";
  for (const auto& line : events) out << "  " << line << "\n";
  if (!run.scenario) return std::nullopt;
  const auto outcomes = scenario::evaluate(*run.scenario, calls, run.machine->services, run.machine->files);
  std::size_t missed = 0;
  for (const auto& o : outcomes) missed += o.held ? 0 : 1;
  out << "Expectations of " << run.scenario_file << ": " << outcomes.size() - missed << " held, " << missed << " missed\n";
  for (const auto& o : outcomes) {
    if (o.held) out << "  held    " << o.path << ": " << o.actual << "\n";
    else out << "  MISSED  " << o.path << ": expected " << o.expected << "; actual " << o.actual << "\n";
  }
  out << std::flush;
  return missed == 0 ? exit_code::ok : exit_code::expectations_missed;
}

}  // namespace wsbkit::cli
