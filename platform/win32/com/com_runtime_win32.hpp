// Win32 COM runtime: serve a WsbApplication as a COM local server (the add-in), and activate one
// out of process (the simulator). No Windows types in this header: src/addin/main.cpp and
// src/cli include it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "platform/com_runtime.hpp"
#include "platform/com_server_lifetime.hpp"

namespace wsbkit::win32 {

// Initialises COM in the multithreaded apartment for the calling thread; the returned runtime
// activates add-ins with CoCreateInstance(CLSCTX_LOCAL_SERVER).
Result<std::unique_ptr<ComRuntime>> make_com_runtime();

struct LocalServerConfig {
  std::string clsid;  // braced
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
};
using ApplicationFactory = std::function<std::shared_ptr<WsbApplication>()>;

// Registers the class object (multithreaded apartment, REGCLS_MULTIPLEUSE), serves calls until the
// last object and server lock are released (or nobody connects within idle_timeout), then
// revokes the class object. Every COM method converts its arguments, calls the application from
// `factory` and never lets an exception cross the ABI.
Result<ServerLifetime::ExitReason> run_local_server(const LocalServerConfig& config, ApplicationFactory factory);

}  // namespace wsbkit::win32
