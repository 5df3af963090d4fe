// Drives the Win32 ServiceControl backend from the Wine scripts (portable source: only the
// backend's interface). One command per run; prints results and exits 0 on success; on an error
// prints "error CODE: message" and exits 1 (exit codes pass through Wine as 8 bits only); a bad
// command line exits 2, a `wait` that times out exits 3:
//   create NAME COMMAND_LINE [DEPENDENCY...]     (demand start)
//   start NAME | stop NAME | delete NAME
//   state NAME                                   prints "STATE PID"
//   wait NAME STATE MS                           polls every 50 ms
//   dependents NAME all|active                   one name a line, in stop order
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "platform/win32/backends.hpp"

using namespace wsbkit;

namespace {

int fail(const Error& e) {
  std::cout << "error " << e.win32_code() << ": " << e.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: service-probe create|start|stop|delete|state|wait|dependents NAME ...\n";
    return 2;
  }
  const std::string command = argv[1];
  const std::string name = argv[2];
  const auto scm = win32::make_win32_service_control();
  if (command == "create" && argc >= 4) {
    ServiceDefinition d;
    d.name = name;
    d.command_line = argv[3];
    for (int i = 4; i < argc; ++i) d.dependencies.push_back(argv[i]);
    const auto r = scm->create_service(d);
    return r ? 0 : fail(r.error());
  }
  if (command == "start" || command == "stop" || command == "delete") {
    const auto r = command == "start" ? scm->start(name) : command == "stop" ? scm->stop(name) : scm->delete_service(name);
    return r ? 0 : fail(r.error());
  }
  if (command == "state") {
    const auto s = scm->query_status(name);
    if (!s) return fail(s.error());
    std::cout << to_string(s->state) << " " << s->process_id << "\n";
    return 0;
  }
  if (command == "wait" && argc >= 5) {
    const std::string wanted = argv[3];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoul(argv[4]));
    std::string seen;
    for (;;) {
      const auto s = scm->query_status(name);
      if (!s) return fail(s.error());
      seen = to_string(s->state);
      if (seen == wanted) return 0;
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::cout << "timeout: " << name << " is " << seen << ", not " << wanted << "\n";
    return 3;
  }
  if (command == "dependents" && argc >= 4) {
    const auto d = scm->dependents(name, std::string(argv[3]) == "active");
    if (!d) return fail(d.error());
    for (const std::string& n : *d) std::cout << n << "\n";
    return 0;
  }
  std::cerr << "unknown command " << command << "\n";
  return 2;
}
