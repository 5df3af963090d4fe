// wsbkit-addin.exe: the WSB add-in, a COM local server started by COM with
//   "wsbkit-addin.exe" --clsid {CLSID} [--policy FILE] -Embedding
// (the command line 'wsbkit register' writes to LocalServer32; COM appends -Embedding).
// It serves the add-in core for that CLSID until the last reference is released.
#include <boost/program_options.hpp>
#include <iostream>
#include <optional>

#include "cli/args.hpp"
#include "core/addin/addin_host.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "core/restore/journal_key.hpp"
#include "core/restore/state_folder.hpp"
#include "core/steps/event_ids.hpp"
#include "platform/com/com_security.hpp"
#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/digests_backend.hpp"
#include "platform/win32/environment_backend.hpp"
#include "platform/win32/privileges_backend.hpp"
#include "platform/win32/volumes_backend.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"
#include "platform/win32/service_host.hpp"

namespace po = boost::program_options;

namespace {

// The state folder (<ProgramData>\wsbkit: journals in sessions\, logs in logs\), checked and held
// for the process's life, and the journal key; what fails goes into env.state_problem (the host
// then refuses every call with it, event 22). `override_dir` is --state-dir: only whoever
// registered the add-in writes its command line (tests point it elsewhere).
std::optional<wsbkit::StateFolder> open_state(wsbkit::ProtectedFolders& folders, wsbkit::Registry& registry,
                                              const std::string& override_dir, wsbkit::RestoreEnvironment& env) {
  using namespace wsbkit;
  std::string root = override_dir;
  if (root.empty()) {
    auto program_data = folders.program_data();
    if (!program_data) {
      env.state_problem = program_data.error().message();
      return std::nullopt;
    }
    root = *program_data + "\\wsbkit";
  }
  env.state_dir = root;
  auto state = StateFolder::open(folders, root);
  if (!state) {
    env.state_problem = state.error().message() + "; " + state_folder_fix(root);
    return std::nullopt;
  }
  auto key = load_or_create_journal_key(registry);
  if (!key) {
    env.state_problem = key.error().message();
    return std::nullopt;
  }
  env.journal_key = *key;
  return std::move(*state);
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  using namespace wsbkit;
  std::vector<std::string> args = utf8_args(argc, argv);
  // COM appends -Embedding (or /Embedding); it is not an option Program_options would accept.
  bool embedding = false;
  std::erase_if(args, [&](const std::string& a) {
    const bool match = iequals(a, "-Embedding") || iequals(a, "/Embedding");
    embedding = embedding || match;
    return match;
  });

  std::string clsid, policy, log_file, service, state_dir_option;
  int idle_seconds = 60;
  po::options_description options("Options");
  options.add_options()
      ("help,h", "show this help")
      ("version", "print 'wsbkit-addin VERSION' (how 'wsbkit register' recognises the add-in)")
      ("clsid", po::value(&clsid), "CLSID to serve (written by 'wsbkit register')")
      ("policy", po::value(&policy), "policy file of the application")
      ("log", po::value(&log_file), "JSON-lines call log (default <ProgramData>\\wsbkit\\logs\\addin.jsonl)")
      ("state-dir", po::value(&state_dir_option), "state folder instead of <ProgramData>\\wsbkit (tests; checked the same way)")
      ("idle-timeout", po::value(&idle_seconds)->default_value(60), "seconds to wait for a first client before exiting")
      ("service", po::value(&service), "run as this Windows service (--hosting LocalService: the service manager starts it)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "wsbkit-addin: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("version")) {
    std::cout << "wsbkit-addin " WSBKIT_VERSION "\n";
    return 0;
  }
  if (vm.count("help") || (!embedding && service.empty())) {
    std::cout << "Usage: wsbkit-addin.exe --clsid {CLSID} [--policy FILE] [--log FILE] -Embedding\n\n"
                 "The Windows Server Backup add-in of wsbkit: a COM local server that COM starts when WSB\n"
                 "activates the application's add-in. It is not meant to be run by hand: register it with\n"
                 "'wsbkit register --addin PATH ...' and exercise it with 'wsbkit simulate APPLICATION'.\n\n"
              << options << "\n";
    return vm.count("help") ? 0 : 2;
  }
  if (clsid.empty() || idle_seconds < 1) {
    std::cerr << "wsbkit-addin: --clsid is required and --idle-timeout must be positive\n";
    return 2;
  }

  auto event_log = win32::make_win32_event_log();
  auto files = win32::make_win32_file_system();
  auto services = win32::make_win32_service_control();
  auto clock = win32::make_win32_clock();
  auto processes = win32::make_win32_process_runner();
  auto network = win32::make_win32_network();
  auto security = win32::make_win32_file_security();
  auto locks = win32::make_win32_file_locks();
  auto folders = win32::make_win32_protected_folders();
  auto registry = win32::make_win32_registry();
  auto digests = win32::make_win32_digests();
  // While a restore session is open this process holds its lock, and the lock holds the process:
  // the COM server does not exit between PreRestore and PostRestore even if WSB lets go of it.
  ServerLifetime lifetime{*clock, std::chrono::seconds(idle_seconds)};
  RestoreEnvironment env{*files, *services, *clock, *event_log, processes.get(), network.get(), {}, "\\"};
  env.security = security.get();
  env.locks = locks.get();
  env.digests = digests.get();
  env.keep_alive = [&lifetime](bool hold) {
    if (hold) lifetime.hold();
    else lifetime.let_go();
  };
  const std::optional<StateFolder> state = open_state(*folders, *registry, state_dir_option, env);
  // The call log: inside the checked folder (or --log), never through a reparse point; nowhere
  // when the state folder was refused.
  const std::string log_path = !log_file.empty() ? log_file : state ? state->logs() + "\\addin.jsonl" : std::string();
  const auto process_control = win32::make_win32_process_control();
  CallLog log([&files, log_path](const std::string& line) {
    if (log_path.empty()) return;
    if (auto r = files->append_file_no_follow(log_path, line + "\n"); !r) return;  // the call's answer stands
  }, process_control->current_process_id());
  AddinSettings settings{policy.empty() ? std::nullopt : std::optional<std::string>(policy), clsid};
  // Which writer this add-in serves: a policy naming another one is refused (the registry is
  // administrators' only, like the command line that named the CLSID).
  if (auto writer = writer_for_clsid(*registry, clsid)) {
    settings.writer_id = *writer;
  } else {
    std::cerr << "wsbkit-addin: cannot read which writer " << clsid << " serves: " << writer.error().message() << "\n";
  }
  auto volumes = win32::make_win32_volumes();
  ConsistencyEnvironment check_env{*files, *volumes, *clock, *event_log, processes.get(), env.state_dir + "\\logs", "\\"};
  check_env.digests = digests.get();
  check_env.security = security.get();  // a `run` checker is refused like a restore `run` step
  const auto environment = win32::make_win32_environment();
  check_env.environment = environment.get();  // %SystemRoot% etc. in writer metadata paths
  const auto privileges = win32::make_win32_privileges();
  BackupPrivilege backup_privilege(*privileges, [&event_log](const Error& error) {
    const std::string message = "SeBackupPrivilege not put back as it was before a consistency check: " + error.message();
    if (auto reported = event_log->report(EventSeverity::warning, event_id::backup_privilege_not_restored, message); !reported) {
      std::cerr << "wsbkit-addin: " << message << " (event log: " << reported.error().message() << ")\n";
    }
  });
  check_env.backup_privilege = &backup_privilege;  // enabled while a check reads, put back after
  AddinHost host(env, log, settings, [&check_env](std::shared_ptr<const policy::Policy> policy) {
    return make_policy_consistency_checks(std::move(policy), check_env);
  });
  if (auto reported = event_log->report(EventSeverity::information, event_id::addin_started,
                          "wsbkit add-in started for " + clsid + (policy.empty() ? " without a policy" : " with policy " + policy) +
                              (host.policy_problem().empty() ? "" : " (policy unusable: " + host.policy_problem() + ")")); !reported) {
    std::cerr << "wsbkit-addin: cannot write to the event log: " << reported.error().message() << "\n";
  }
  host.on_activation();

  // COM security: the AppID's AccessPermission, or no serving at all (platform/com/com_security.hpp).
  const auto serve = [&]() -> Result<ServerLifetime::ExitReason> {
    if (auto secured = require_access_permission(*registry, clsid); !secured) return secured.error();
    const win32::LocalServerConfig config{clsid};
    const auto factory = [&host] { return host.make_application(); };
    // As a service (LocalService hosting) the class object is registered inside the service.
    return service.empty() ? win32::run_local_server(config, lifetime, factory)
                           : win32::run_addin_service(service, config, lifetime, factory);
  };
  auto served = serve();
  if (!served) {
    if (auto reported = event_log->report(EventSeverity::error, event_id::addin_failed,
                                          "wsbkit add-in could not serve " + clsid + ": " + served.error().message());
        !reported) {
      std::cerr << "wsbkit-addin: cannot write to the event log: " << reported.error().message() << "\n";
    }
    std::cerr << "wsbkit-addin: " << served.error().message() << "\n";
    return 1;
  }
  return 0;
}
