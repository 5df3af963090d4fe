// Drives the Win32 ServiceControl backend (and the orchestrator on top of it) from the Wine
// scripts (portable source: only the backend's interface). One command per run; prints results and
// exits 0 on success; on an error prints "error CODE: message" and exits 1 (exit codes pass through
// Wine as 8 bits only); a bad command line exits 2, a `wait` that times out exits 3:
//   create NAME COMMAND_LINE [DEPENDENCY...]     (demand start)
//   start NAME | stop NAME | delete NAME         one SCM request each
//   state NAME                                   prints "STATE PID"
//   wait NAME STATE MS                           polls every 50 ms
//   dependencies NAME                            one name a line, as configured
//   listed NAME                                  "listed" if list_services() has it, else "not listed"
//   stop-all NAME                                ServiceOrchestrator: NAME and its active dependents
//                                                (closure_to_stop, stop_all); prints the order asked
//   start-all NAME...                            ServiceOrchestrator::start_all (20 s each)
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "core/restore/service_orchestrator.hpp"
#include "platform/text.hpp"
#include "platform/win32/backends.hpp"

using namespace wsbkit;

namespace {

int fail(const Error& e) {
  std::cout << "error " << e.win32_code() << ": " << e.message() << "\n";
  return 1;
}

int report(const Result<void>& r) { return r ? 0 : fail(r.error()); }

int wait_for(ServiceControl& scm, Clock& clock, const std::string& name, const std::string& wanted,
             std::chrono::milliseconds within) {
  const auto deadline = clock.steady_now() + within;
  std::string seen;
  for (;;) {
    const auto s = scm.query_status(name);
    if (!s) return fail(s.error());
    seen = to_string(s->state);
    if (seen == wanted) return 0;
    if (clock.steady_now() >= deadline) break;
    clock.sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "timeout: " << name << " is " << seen << ", not " << wanted << "\n";
  return 3;
}

int orchestrate(ServiceControl& scm, Clock& clock, const std::string& command, const std::vector<std::string>& names) {
  ServiceOrchestrator orchestrator(scm, clock);
  const policy::Duration timeout = std::chrono::seconds(20);
  if (command == "start-all") return report(orchestrator.start_all(names, timeout));
  auto closure = orchestrator.closure_to_stop(names);
  if (!closure) return fail(closure.error());
  std::vector<std::string> order;
  for (const auto& s : *closure) {
    order.push_back(s.name);
    std::cout << s.name << "\n";
  }
  return report(orchestrator.stop_all(order, timeout));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: service-probe create|start|stop|delete|state|wait|dependencies|listed|stop-all|start-all NAME ...\n";
    return 2;
  }
  const std::string command = argv[1];
  const std::string name = argv[2];
  const auto scm = win32::make_win32_service_control();
  const auto clock = win32::make_win32_clock();
  if (command == "create" && argc >= 4) {
    ServiceDefinition d;
    d.name = name;
    d.command_line = argv[3];
    for (int i = 4; i < argc; ++i) d.dependencies.push_back(argv[i]);
    return report(scm->create_service(d));
  }
  if (command == "start") return report(scm->start(name));
  if (command == "stop") return report(scm->stop(name));
  if (command == "delete") return report(scm->delete_service(name));
  if (command == "state") {
    const auto s = scm->query_status(name);
    if (!s) return fail(s.error());
    std::cout << to_string(s->state) << " " << s->process_id << "\n";
    return 0;
  }
  if (command == "wait" && argc >= 5) {
    return wait_for(*scm, *clock, name, argv[3], std::chrono::milliseconds(std::stoul(argv[4])));
  }
  if (command == "dependencies") {
    const auto d = scm->dependencies(name);
    if (!d) return fail(d.error());
    for (const std::string& n : *d) std::cout << n << "\n";
    return 0;
  }
  if (command == "listed") {
    const auto all = scm->list_services();
    if (!all) return fail(all.error());
    const bool listed = std::any_of(all->begin(), all->end(), [&](const std::string& n) { return iequals(n, name); });
    std::cout << (listed ? "listed" : "not listed") << "\n";
    return 0;
  }
  if (command == "stop-all" || command == "start-all") {
    return orchestrate(*scm, *clock, command, std::vector<std::string>(argv + 2, argv + argc));
  }
  std::cerr << "unknown command " << command << "\n";
  return 2;
}
