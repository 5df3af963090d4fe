// wsbkit on Linux: a developer's tool. `validate` reads real files; the registry is an empty
// in-memory one (nothing persists between runs) and `simulate --in-process` drives the add-in
// core directly. There is no service control manager: `repair` belongs on Windows.
#include <filesystem>
#include <iostream>

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "core/addin/addin_core.hpp"
#include "platform/memory/memory_registry.hpp"
#include "platform/posix/backends.hpp"

int main(int argc, char** argv) {
  using namespace wsbkit;
  MemoryRegistry registry;
  auto files = posix::make_posix_file_system();
  auto clock = posix::make_posix_clock();
  CallLog log([](const std::string& line) { std::clog << line << "\n"; });
  CliContext context{registry,
                     []() -> Result<std::unique_ptr<ComRuntime>> {
                       return Error::hresult(hr::e_notimpl, "activate", "COM",
                                             "no COM on this host: use --in-process, or run wsbkit.exe under Wine");
                     },
                     [&log] { return std::make_shared<AddinCore>(log); },
                     [](const std::string& path) {
                       std::error_code ec;
                       return std::filesystem::is_regular_file(path, ec);
                     },
                     files.get(),
                     nullptr,
                     clock.get(),
                     nullptr,
                     {},
                     false};
  context.version = WSBKIT_VERSION;
  return run_cli(utf8_args(argc, argv), context, std::cout, std::cerr);
}
