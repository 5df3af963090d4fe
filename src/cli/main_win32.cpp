// wsbkit.exe on Windows: the real registry (64-bit view), COM runtime, file system, services.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "core/addin_core.hpp"
#include "platform/win32/backends.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"

int wmain(int argc, wchar_t** argv) {
  using namespace wsbkit;
  auto registry = win32::make_win32_registry();
  auto files = win32::make_win32_file_system();
  auto services = win32::make_win32_service_control();
  auto clock = win32::make_win32_clock();
  auto events = win32::make_win32_event_log();
  CallLog log([](const std::string& line) { std::clog << line << "\n"; });
  const char* program_data = std::getenv("ProgramData");
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
                     std::string(program_data ? program_data : "C:\\ProgramData") + "\\wsbkit",
                     true};
  return run_cli(utf8_args(argc, argv), context, std::cout, std::cerr);
}
