// wsbkit-addin.exe: the WSB add-in, a COM local server started by COM with
//   "wsbkit-addin.exe" --clsid {CLSID} [--policy FILE] -Embedding
// (the command line 'wsbkit register' writes to LocalServer32; COM appends -Embedding).
// It serves the add-in core for that CLSID until the last reference is released.
#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/args.hpp"
#include "core/addin_host.hpp"
#include "core/consistency/policy_consistency_checks.hpp"
#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/digests_backend.hpp"
#include "platform/win32/volumes_backend.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"
#include "platform/win32/service_host.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// %ProgramData%\wsbkit: journals (sessions\), run logs and the call log (logs\).
std::string state_dir() {
  const char* program_data = std::getenv("ProgramData");
  return std::string(program_data ? program_data : "C:\\ProgramData") + "\\wsbkit";
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

  std::string clsid, policy, log_file, service;
  int idle_seconds = 60;
  po::options_description options("Options");
  options.add_options()
      ("help,h", "show this help")
      ("clsid", po::value(&clsid), "CLSID to serve (written by 'wsbkit register')")
      ("policy", po::value(&policy), "policy file of the application")
      ("log", po::value(&log_file), "JSON-lines call log (default %ProgramData%\\wsbkit\\logs\\addin.jsonl)")
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

  const fs::path log_path = log_file.empty() ? fs::u8path(state_dir()) / "logs" / "addin.jsonl" : fs::u8path(log_file);
  std::error_code ec;
  fs::create_directories(log_path.parent_path(), ec);
  std::ofstream log_stream(log_path, std::ios::app);
  CallLog log([&](const std::string& line) {
    log_stream << line << '\n';
    log_stream.flush();  // a crash must not eat the last calls
  });
  auto event_log = win32::make_win32_event_log();
  auto files = win32::make_win32_file_system();
  auto services = win32::make_win32_service_control();
  auto clock = win32::make_win32_clock();
  auto processes = win32::make_win32_process_runner();
  auto network = win32::make_win32_network();
  auto security = win32::make_win32_file_security();
  RestoreEnvironment env{*files, *services, *clock, *event_log, processes.get(), network.get(), state_dir(), "\\"};
  env.security = security.get();
  AddinSettings settings{policy.empty() ? std::nullopt : std::optional<std::string>(policy), clsid};
  auto volumes = win32::make_win32_volumes();
  auto digests = win32::make_win32_digests();
  ConsistencyEnvironment check_env{*files, *volumes, *clock, *event_log, processes.get(), state_dir() + "\\logs", "\\"};
  check_env.digests = digests.get();
  AddinHost host(env, log, settings, [&check_env](std::shared_ptr<const policy::Policy> policy) {
    return make_policy_consistency_checks(std::move(policy), check_env);
  });
  (void)event_log->report(EventSeverity::information, event_id::addin_started,
                          "wsbkit add-in started for " + clsid + (policy.empty() ? " without a policy" : " with policy " + policy) +
                              (host.policy_problem().empty() ? "" : " (policy unusable: " + host.policy_problem() + ")"));
  host.on_activation();

  const win32::LocalServerConfig config{clsid, std::chrono::seconds(idle_seconds)};
  const auto factory = [&host] { return host.make_application(); };
  // As a service (LocalService hosting) the class object is registered inside the service.
  auto served = service.empty() ? win32::run_local_server(config, factory) : win32::run_addin_service(service, config, factory);
  if (!served) {
 (void)event_log->report(EventSeverity::error, event_id::addin_failed, "wsbkit add-in could not serve " + clsid + ": " + served.error().message());
    std::cerr << "wsbkit-addin: " << served.error().message() << "\n";
    return 1;
  }
  return 0;
}
