// wsbkit simulate: a stand-in for Windows Server Backup.
#include <algorithm>
#include <iomanip>
#include <ostream>

#include "cli/cli_support.hpp"
#include "cli/simulate_scenario.hpp"
#include "core/consistency/writer_metadata.hpp"
#include "core/registration/registrar.hpp"
#include "core/simulator/file_restore.hpp"
#include "core/simulator/metadata_document.hpp"
#include "cli/simulate_report.hpp"
#include "core/simulator/addin_faults.hpp"
#include "core/simulator/simulator.hpp"

namespace wsbkit::cli {
namespace {

// The undocumented variations of WSB's restore sequence, from the command line.
int restore_variations(const po::variables_map& vm, const std::string& restore_order, const std::string& empty_path_in,
                       const std::vector<std::string>& failed_restores, int cancel_after_pre, SimulationOptions& sim,
                       std::ostream& err) {
  if (restore_order != "returned" && restore_order != "input") {
    err << "wsbkit simulate: invalid restore-order: '" << restore_order << "' (expected returned or input)\n";
    return exit_code::invalid_input;
  }
  sim.restore_order = restore_order == "input" ? RestoreOrder::input : RestoreOrder::returned;
  if (empty_path_in == "order") sim.empty_logical_path_in = EmptyLogicalPathIn::order;
  else if (empty_path_in == "restore") sim.empty_logical_path_in = EmptyLogicalPathIn::restore;
  else if (empty_path_in != "none") {
    err << "wsbkit simulate: invalid empty-logical-path-in: '" << empty_path_in << "' (expected none, order or restore)\n";
    return exit_code::invalid_input;
  }
  if (vm.count("cancel-after-pre")) {
    if (cancel_after_pre < 0) {
      err << "wsbkit simulate: invalid cancel-after-pre: must be 0 or more\n";
      return exit_code::invalid_input;
    }
    sim.cancel_after_pre = static_cast<std::size_t>(cancel_after_pre);
  }
  for (const auto& name : failed_restores) {
    const bool known = std::any_of(sim.components.begin(), sim.components.end(), [&](const SimulatedComponent& c) { return c.name == name; });
    if (!known) {
      err << "wsbkit simulate: invalid fail-restore: '" << name << "' is not one of the components\n";
      return exit_code::invalid_input;
    }
    sim.failed_restores.insert(name);
  }
  sim.pre_all_first = vm.count("pre-all-first") > 0;
  sim.skip_post_after_failure = vm.count("skip-post-after-failure") > 0;
  return exit_code::ok;
}

// What the application brings (docs/simulator.md, "Writer metadata and components"): the writer
// metadata (--writer-metadata FILE, sent as it is; or generated from --policy FILE in the form
// --metadata-form asks) and, unless --component names them, the components it declares. Never
// the samples: without any of the three the command says what to give.
struct ApplicationInputs {
  std::string writer_metadata_file, policy_file, metadata_form = "bare";
};

int read_text(CliContext& ctx, const std::string& path, std::string& text, std::ostream& err) {
  if (!ctx.files) {
    return report(Error::hresult(hr::e_notimpl, "simulate", path, "no file system on this host"), "simulate", err);
  }
  auto read = ctx.files->read_file(path);
  if (!read) return report(read.error(), "simulate", err);
  text = std::move(*read);
  return exit_code::ok;
}

int metadata_from_policy_file(CliContext& ctx, const ApplicationInputs& in, SimulationOptions& sim,
                              std::vector<SimulatedComponent>& declared, std::ostream& err) {
  if (!ctx.files) {
    return report(Error::hresult(hr::e_notimpl, "simulate", in.policy_file, "no file system on this host"), "simulate", err);
  }
  auto loaded = policy::load_policy_file(*ctx.files, in.policy_file);
  if (!loaded) return report(loaded.error(), "simulate", err);
  if (!loaded->policy) {
    for (const auto& p : loaded->problems) err << p.format(in.policy_file) << "\n";
    err << "wsbkit simulate: " << loaded->problems.size() << " problem(s) in " << in.policy_file << "\n";
    return exit_code::invalid_input;
  }
  const GeneratedMetadata generated = metadata_from_policy(*loaded->policy);
  for (const auto& note : generated.notes) err << "note: " << note << "\n";
  for (const auto& c : generated.components) {
    declared.push_back({c.name, c.logical_path.empty() ? OptionalString() : OptionalString(c.logical_path)});
  }
  if (sim.writer_metadata) return exit_code::ok;  // --writer-metadata wins; the policy gave the components
  sim.writer_metadata = writer_metadata_document(*loaded->policy, generated,
                                                 in.metadata_form == "wrapped" ? MetadataForm::wrapped : MetadataForm::bare);
  return exit_code::ok;
}

// Fills sim.writer_metadata and, when `components` is empty, sim.components.
int application_inputs(CliContext& ctx, const ApplicationInputs& in, const std::vector<std::string>& components,
                       SimulationOptions& sim, std::ostream& err) {
  if (in.metadata_form != "bare" && in.metadata_form != "wrapped") {
    err << "wsbkit simulate: invalid metadata-form: '" << in.metadata_form << "' (expected bare or wrapped)\n";
    return exit_code::invalid_input;
  }
  std::vector<SimulatedComponent> declared;
  if (!in.writer_metadata_file.empty()) {
    std::string text;
    if (int rc = read_text(ctx, in.writer_metadata_file, text, err); rc != exit_code::ok) return rc;
    sim.writer_metadata = std::move(text);
    if (auto listed = consistency::writer_components(*sim.writer_metadata); listed) {
      for (const auto& c : *listed) declared.push_back({c.name, c.logical_path.empty() ? OptionalString() : OptionalString(c.logical_path)});
    } else if (components.empty()) {
      err << "wsbkit simulate: " << in.writer_metadata_file << ": " << listed.error().system_message()
          << " (give the components with --component to send it anyway)\n";
      return exit_code::invalid_input;
    }
  }
  if (!in.policy_file.empty()) {
    std::vector<SimulatedComponent> from_policy;
    if (int rc = metadata_from_policy_file(ctx, in, sim, from_policy, err); rc != exit_code::ok) return rc;
    if (declared.empty()) declared = std::move(from_policy);
  }
  if (!components.empty()) return exit_code::ok;
  if (declared.empty()) {
    err << "wsbkit simulate: no components: give them with --component, or the application's --writer-metadata "
           "or --policy, which declare them\n";
    return exit_code::usage;
  }
  sim.components = std::move(declared);
  return exit_code::ok;
}

// WSB's file restore, when there is a backup to restore from (--volume) and metadata naming the
// files; null otherwise (only the calls are made).
std::unique_ptr<FileRestore> file_restore(FileSystem* files, Volumes* volumes, const SimulationOptions& sim) {
  if (!files || !sim.writer_metadata || sim.source_volumes.empty()) return nullptr;
  return std::make_unique<SnapshotFileRestore>(*files, *sim.writer_metadata, sim.source_volumes, sim.snapshot_volumes,
                                               volumes);
}

// Under "(file restore)" and "(file compare)": one line per file.
void print_files(std::ostream& out, const SimulatedCall& call) {
  for (const auto& f : call.files) {
    out << "            " << (f.ok ? "ok  " : "FAIL") << " " << f.path;
    if (f.ok) out << " (" << f.bytes << " bytes)";
    else out << ": " << f.reason;
    out << "\n";
  }
}

// --kill-addin-after: the add-in's process terminated right after `call` (in process: the add-in
// core dropped); WSB's next call activates a new one. What happened, as a step under the call.
TimelineStep kill_addin(CliContext& ctx, bool in_process, const std::string& addin_image, const SimulatedCall& call,
                        ReactivatingApplication& app) {
  TimelineStep step{"wsbkit", "(fault)", "kill-addin-after", "", "", 0};
  app.lose();
  if (in_process) {
    step.outcome = "dropped";
    step.reason = "the in-process add-in core was dropped as a crashed process would be; the next call makes a new one";
    return step;
  }
  if (!ctx.files || !ctx.process_control || ctx.state_dir.empty()) {
    step.outcome = "failed";
    step.reason = "this host cannot terminate processes";
    return step;
  }
  auto pid = kill_addin_after(*ctx.files, *ctx.process_control, ctx.state_dir + "\\logs\\addin.jsonl", call.method, addin_image);
  step.outcome = pid ? "terminated" : "failed";
  step.reason = pid ? "add-in process " + std::to_string(*pid) + " terminated; the next call activates a new add-in"
                    : pid.error().message();
  return step;
}

int cmd_simulate(const std::vector<std::string>& args, CliContext& ctx, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  std::string application;
  std::vector<std::string> components, volumes;
  int abort_after_ms = -1;
  int hold_ms = 0;
  std::string restore_calls;
  int poll_ms = 200;
  std::string restore_order = "returned", empty_path_in = "none";
  std::vector<std::string> failed_restores;
  int cancel_after_pre = -1;
  InMachineRequest in_machine;
  ApplicationInputs inputs;
  options.add_options()
      ("help,h", "show this help")
      ("application,a", po::value(&application), "writer id or identifier of a registered application")
      ("in-process", "drive the add-in core inside wsbkit instead of activating the registered add-in")
      ("component,c", po::value(&components), "component NAME or NAME=LOGICAL_PATH (repeatable; default: those the "
       "--writer-metadata or --policy declare)")
      ("volume", po::value(&volumes), "SOURCE=SNAPSHOT volume pair for CheckConsistency (repeatable)")
      ("no-roll-forward", "restore as point-in-time (bNoRollForward TRUE)")
      ("backup-only", "only the backup phase (CheckConsistency)")
      ("restore-only", "only the restore phase")
      ("poll-ms", po::value(&poll_ms)->default_value(200), "QueryStatus polling interval")
      ("abort-after-ms", po::value(&abort_after_ms), "cancel a running consistency check after this many ms")
      ("calls", po::value(&restore_calls),
       "restore calls to make, comma-separated from order,rollforward,pre,post (default: all); e.g. 'order,pre' "
       "stops where a crashed restore would")
      ("hold-ms", po::value(&hold_ms)->default_value(0), "keep the add-in referenced this long after the calls (tests)")
      // What WSB's documentation leaves open (README, "WSB's restore sequence: documented and assumed"):
      ("restore-order", po::value(&restore_order)->default_value("returned"),
       "restore in the order OrderComponents 'returned', or in the 'input' order anyway")
      ("pre-all-first", "every PreRestore first, then every PostRestore (default: one component at a time)")
      ("fail-restore", po::value(&failed_restores), "the file restore of this component fails (repeatable)")
      ("skip-post-after-failure", "no PostRestore for a component whose PreRestore or file restore failed")
      ("cancel-after-pre", po::value(&cancel_after_pre), "cancel the restore after this many PreRestores (PostRestore "
       "only for those; with --calls order,pre none at all)")
      ("empty-logical-path-in", po::value(&empty_path_in)->default_value("none"),
       "for a component without a logical path pass \"\" instead of NULL in 'order' (OrderComponents) or 'restore' "
       "(Pre/PostRestore) calls")
      // The writer metadata and the files WSB restores (docs/simulator.md):
      ("writer-metadata", po::value(&inputs.writer_metadata_file),
       "VSS Writer Metadata Document (bare <WRITER_METADATA> or wrapped <root>) passed to every call as it is; "
       "its components are the default")
      ("policy", po::value(&inputs.policy_file),
       "the application's policy: without --writer-metadata, the metadata is generated from its components and "
       "the files its checks name; its components are the default. With --in-process the add-in runs this policy "
       "on an in-memory machine")
      ("metadata-form", po::value(&inputs.metadata_form)->default_value("bare"),
       "form of the generated metadata: 'bare' <WRITER_METADATA> (as a writer serializes it) or 'wrapped' "
       "(<root>, XDR Schema, WRITER_METADATA: as VSS's loader holds it)")
      ("print-metadata", "print the writer metadata the calls would get, and stop")
      // The application's own policy on an in-memory machine (README, "Testing your policy in CI"):
      ("scenario", po::value(&in_machine.scenario_file),
       "with --in-process --policy: the machine (services, files, volumes, tools) and what must happen (JSON, "
       "docs/scenario.schema.json); exit code 9 when an expectation misses");
  SimulateReportOptions report_options;  // the timeline, faults and safety (simulate_report.hpp)
  add_report_options(options, report_options);
  po::positional_options_description positional;
  positional.add("application", 1);
  po::variables_map vm;
  if (int rc = parse("simulate", args, options, &positional, vm, out, err, "simulate (APPLICATION | --in-process) [options]",
                     "Acts as Windows Server Backup: finds the application under Application Support, activates\n"
                     "its add-in out of process and makes the calls WSB makes, in WSB's order:\n"
                     "  backup:  CheckConsistency per component (QueryStatus/Abort while a check runs)\n"
                     "  restore: OrderComponents, IsRollForwardSupported, PreRestore/PostRestore per component\n"
                     "printing each call and its HRESULT. Exit code 6 if any call returned something WSB rejects.");
      rc >= 0) {
    return rc;
  }
  const bool in_process = vm.count("in-process") > 0;
  if (in_process == !application.empty()) {
    err << "wsbkit simulate: give either an APPLICATION (writer id or identifier) or --in-process\n"
        << "Try 'wsbkit simulate --help'.\n";
    return exit_code::usage;
  }
  if (in_process) in_machine.policy_file = inputs.policy_file;
  if (!in_machine.scenario_file.empty() && in_machine.policy_file.empty()) {
    err << "wsbkit simulate: --scenario needs --in-process and --policy\n"
        << "Try 'wsbkit simulate --help'.\n";
    return exit_code::usage;
  }
  if (vm.count("backup-only") && vm.count("restore-only")) {
    err << "wsbkit simulate: --backup-only and --restore-only exclude each other\n";
    return exit_code::usage;
  }
  if (poll_ms < 1 || poll_ms > 60000) {
    err << "wsbkit simulate: invalid poll-ms: must be 1 to 60000\n";
    return exit_code::invalid_input;
  }

  SimulationOptions sim;
  for (const auto& c : components) {
    const auto eq = c.find('=');
    SimulatedComponent component{c.substr(0, eq), std::nullopt};
    if (eq != std::string::npos) component.logical_path = c.substr(eq + 1);
    if (component.name.empty()) {
      err << "wsbkit simulate: invalid component: '" << c << "' has an empty name\n";
      return exit_code::invalid_input;
    }
    sim.components.push_back(component);
  }
  for (const auto& v : volumes) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      err << "wsbkit simulate: invalid volume: '" << v << "' (expected SOURCE=SNAPSHOT)\n";
      return exit_code::invalid_input;
    }
    sim.source_volumes.push_back(v.substr(0, eq));
    sim.snapshot_volumes.push_back(v.substr(eq + 1));
  }
  if (!in_process && components.empty() && inputs.policy_file.empty() && inputs.writer_metadata_file.empty()) {
    auto registered = registered_policy_path(ctx, application);
    if (!registered) return report(registered.error(), "simulate", err);
    inputs.policy_file = *registered;
  }
  if (int rc = application_inputs(ctx, inputs, components, sim, err); rc != exit_code::ok) return rc;
  if (vm.count("print-metadata")) {
    out << sim.writer_metadata.value_or("") << std::flush;
    return exit_code::ok;
  }
  sim.no_roll_forward = vm.count("no-roll-forward") > 0;
  sim.backup = !vm.count("restore-only");
  sim.restore = !vm.count("backup-only");
  sim.poll_interval = std::chrono::milliseconds(poll_ms);
  for (std::size_t start = 0; !restore_calls.empty() && start <= restore_calls.size();) {
    const auto comma = std::min(restore_calls.find(',', start), restore_calls.size());
    const std::string call = restore_calls.substr(start, comma - start);
    if (call != "order" && call != "rollforward" && call != "pre" && call != "post") {
      err << "wsbkit simulate: invalid calls: '" << call << "' (expected order, rollforward, pre, post)\n";
      return exit_code::invalid_input;
    }
    sim.restore_calls.insert(call);
    start = comma + 1;
  }
  if (hold_ms < 0 || hold_ms > 600000) {
    err << "wsbkit simulate: invalid hold-ms: must be 0 to 600000\n";
    return exit_code::invalid_input;
  }
  if (abort_after_ms >= 0) sim.abort_after = std::chrono::milliseconds(abort_after_ms);
  if (int rc = restore_variations(vm, restore_order, empty_path_in, failed_restores, cancel_after_pre, sim, err); rc != exit_code::ok) {
    return rc;
  }

  report_options.json = vm.count("json") > 0;
  report_options.yes = vm.count("yes") > 0;
  if (!report_options.abort_after.empty()) {
    const auto match = parse_call_match("abort-after", report_options.abort_after, err);
    if (!match) return exit_code::invalid_input;
    sim.cancel_after = [match](const SimulatedCall& call) { return match->matches(call); };
  }
  std::optional<CallMatch> kill_after;
  if (!report_options.kill_addin_after.empty()) {
    kill_after = parse_call_match("kill-addin-after", report_options.kill_addin_after, err);
    if (!kill_after) return exit_code::invalid_input;
  }

  if (!ctx.clock) return report(Error::hresult(hr::e_notimpl, "simulate", "clock", "no clock on this host"), "simulate", err);
  std::shared_ptr<ReactivatingApplication> app;  // WSB activates a new add-in after one died
  std::unique_ptr<ComRuntime> com;  // outlives `app`: declared first, destroyed last
  InMachineRun machine;              // the in-memory machine outlives `app` too
  std::string addin_image;          // what --kill-addin-after may terminate
  if (in_process && !in_machine.policy_file.empty()) {
    in_machine.components_given = vm.count("component") > 0;
    in_machine.volumes_given = !volumes.empty();
    in_machine.poll_given = !vm["poll-ms"].defaulted();
    if (int rc = prepare_in_machine(ctx, in_machine, sim, machine, report_options.json ? err : out, err); rc >= 0) return rc;
    // The first activation is the add-in prepare_in_machine started; after a --kill-addin-after
    // WSB's next call starts a new one on the same machine (its journal in the machine's files).
    app = std::make_shared<ReactivatingApplication>([&machine]() -> Result<std::shared_ptr<WsbApplication>> {
      if (machine.addin) return std::exchange(machine.addin, nullptr);
      return machine.machine->start_addin(machine.policy_text);
    });
    if (auto activated = app->activate(); !activated) return report(activated.error(), "simulate", err);
  } else if (in_process) {
    app = std::make_shared<ReactivatingApplication>([&ctx]() -> Result<std::shared_ptr<WsbApplication>> {
      return ctx.make_in_process_addin();
    });
    if (auto activated = app->activate(); !activated) return report(activated.error(), "simulate", err);
    (report_options.json ? err : out) << "Simulating Windows Server Backup against the in-process add-in core\n";
  } else {
    auto located = locate_addin(ctx.registry, application);
    if (!located) return report(located.error(), "simulate", err);
    const auto policy = registered_policy(ctx, located->writer_id);
    addin_image = registered_addin_image(ctx, located->writer_id);
    if (report_options.services.empty() && policy) report_options.services = policy_services(*policy);
    if (sim.restore && !confirm_restore(policy, located->identifier, report_options.yes, ctx.console, report_options.json ? err : out)) {
      return exit_code::usage;
    }
    auto runtime = ctx.make_com_runtime();
    if (!runtime) return report(runtime.error(), "simulate", err);
    com = std::move(*runtime);
    (report_options.json ? err : out) << "Simulating Windows Server Backup against '" << located->identifier << "' (writer " << located->writer_id
        << ", add-in " << located->clsid << ")\n";
    app = std::make_shared<ReactivatingApplication>([&com, clsid = located->clsid] { return com->activate_local_server(clsid); });
    if (auto activated = app->activate(); !activated) return report(activated.error(), "simulate", err);
  }
  std::ostream& live = report_options.json ? err : out;  // --json: stdout holds the JSON alone
  // The machine the add-in acts on: this one, or the in-memory machine of --policy --scenario.
  FileSystem* machine_files = machine.machine ? &machine.machine->files : ctx.files;
  ServiceControl* machine_services = machine.machine ? &machine.machine->services : ctx.services;
  const std::string state_dir = machine.machine ? scenario::InMemoryMachine::state_dir : ctx.state_dir;
  if (machine.machine && report_options.services.empty()) report_options.services = policy_services(machine.policy);
  std::optional<RunLogFollower> logs;
  if (machine_files && !state_dir.empty()) {
    logs.emplace(*machine_files, state_dir + (state_dir.find('\\') != std::string::npos ? "\\" : "/") + "logs",
                 state_dir.find('\\') != std::string::npos ? "\\" : "/");
    logs->skip_existing();
  }
  TimelineRecorder recorder(logs ? &*logs : nullptr);
  if (machine_services) recorder.timeline().services_before = service_views(*machine_services, report_options.services);
  bool killed = false;
  Simulator simulator(*app, *ctx.clock, [&](const SimulatedCall& call) {
    recorder.record(call);
    if (kill_after && !killed && kill_after->matches(call)) {
      killed = true;
      recorder.timeline().entries.back().steps.push_back(kill_addin(ctx, in_process, addin_image, call, *app));
    }
    std::ostream& out = live;
    out << "  " << std::left << std::setw(8) << call.phase << call.method << "(" << call.arguments << ") -> "
        << hr::name(call.hr);
    if (!call.outcome.empty()) out << ", " << call.outcome;
    out << (call.ok ? "" : "   <-- WSB would reject this") << "\n" << std::flush;
    print_files(out, call);
  });
  const auto files = machine.machine ? file_restore(&machine.machine->files, &machine.machine->volumes, sim)
                                     : file_restore(ctx.files, nullptr, sim);
  simulator.restore_files_with(files.get());
  const auto calls = simulator.run(sim);
  std::size_t failed = 0;
  for (const auto& c : calls) failed += c.ok ? 0 : 1;
  live << calls.size() << " call(s), " << failed << " rejected\n" << std::flush;
  if (hold_ms > 0) ctx.clock->sleep_for(std::chrono::milliseconds(hold_ms));
  if (app->activations() > 1) {
    recorder.timeline().notes.push_back("WSB activated a new add-in after the first one died (" +
                                        std::to_string(app->activations()) + " activations in all)");
  }
  if (!app->activation_problem().empty()) {
    recorder.timeline().notes.push_back("The add-in could not be activated again: " + app->activation_problem());
  }
  app.reset();  // WSB lets go of the add-in before the report reads the services and sessions
  if (machine_services) recorder.timeline().services_after = service_views(*machine_services, report_options.services);
  if (machine.machine) {
    // On the in-memory machine: the report of this run, then the scenario's verdict decides.
    const int rc = finish_report(ctx, report_options, recorder.timeline(), out, err);
    if (const auto verdict = finish_in_machine(machine, calls, report_options.json ? err : out)) return *verdict;
    return rc;
  }
  return finish_report(ctx, report_options, recorder.timeline(), out, err);
}


}  // namespace

std::vector<Command> simulation_commands() {
  return {{"simulate", "act as Windows Server Backup and call an add-in", cmd_simulate}};
}

}  // namespace wsbkit::cli
