// wsbkit.exe on Windows: the real registry (64-bit view), COM runtime, file system, services.
#include <filesystem>
#include <iostream>

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "core/addin/addin_core.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"
#include "platform/win32/digests_backend.hpp"

int wmain(int argc, wchar_t** argv) {
  using namespace wsbkit;
  auto registry = win32::make_win32_registry();
  auto files = win32::make_win32_file_system();
  auto services = win32::make_win32_service_control();
  auto clock = win32::make_win32_clock();
  auto events = win32::make_win32_event_log();
  auto locks = win32::make_win32_file_locks();
  auto security = win32::make_win32_file_security();
  auto digests = win32::make_win32_digests();
  auto folders = win32::make_win32_protected_folders();
  auto processes = win32::make_win32_process_runner();
  CallLog log([](const std::string& line) { std::clog << line << "\n"; });
  // From the OS, never from %ProgramData% (an environment variable is the caller's to set).
  auto program_data = folders->program_data();
  if (!program_data) {
    std::cerr << "wsbkit: " << program_data.error().message() << "\n";
    return 1;
  }
  CliContext context{*registry,
                     [] { return win32::make_com_runtime(); },
                     [&log] { return std::make_shared<AddinCore>(log); },
                     [](const std::string& path) {
                       std::error_code ec;
                       return std::filesystem::is_regular_file(std::filesystem::u8path(path), ec);
                     },
                     files.get(),
                     services.get(),
                     clock.get(),
                     events.get(),
                     *program_data + "\\wsbkit",
                     true,
                     locks.get(),
                     security.get(),
                     digests.get(),
                     folders.get(),
                     processes.get()};
  context.version = WSBKIT_VERSION;
  auto process_control = win32::make_win32_process_control();
  context.process_control = process_control.get();
  auto console = win32::make_win32_console();
  context.console = console.get();
  return run_cli(utf8_args(argc, argv), context, std::cout, std::cerr);
}
