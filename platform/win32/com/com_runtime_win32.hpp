// Win32 COM runtime: serve a WsbApplication as a COM local server (the add-in), and activate one
// out of process (the simulator). No Windows types in this header: src/addin/main.cpp and
// src/cli include it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "platform/com/com_runtime.hpp"
#include "platform/com/com_server_lifetime.hpp"

namespace wsbkit::win32 {

// Initialises COM in the multithreaded apartment for the calling thread; the returned runtime
// activates add-ins with CoCreateInstance(CLSCTX_LOCAL_SERVER).
Result<std::unique_ptr<ComRuntime>> make_com_runtime();

struct LocalServerConfig {
  std::string clsid;  // braced
};
using ApplicationFactory = std::function<std::shared_ptr<WsbApplication>()>;

// Applies the AppID's COM security to this process: CoInitializeSecurity(EOAC_APPID) with the
// AppID GUID (= the CLSID), so AppID\{clsid}'s AccessPermission decides who may call. Both hostings
// call it right after CoInitializeEx; an error means the process must not serve.
Result<void> apply_appid_security(const std::string& clsid);

// Applies the AppID's security (above), registers the class object (multithreaded apartment,
// REGCLS_MULTIPLEUSE), serves calls until
// `lifetime` says to exit (the last object, server lock or other reference released, or nobody
// connected within its idle timeout, which runs on the lifetime's Clock), then revokes the class
// object. Once `lifetime` decides to exit, activations and calls are refused with
// CO_E_SERVER_STOPPING, and the wait returns only when no call is in flight (com_server_lifetime.hpp);
// each object also holds COM's server-process count (CoAddRefServerProcess). The caller owns `lifetime` so that it can hold the process too (the add-in does while a
// restore session is open). Every COM method converts its arguments, calls the application from
// `factory` and never lets an exception cross the ABI.
Result<ServerLifetime::ExitReason> run_local_server(const LocalServerConfig& config, ServerLifetime& lifetime,
                                                     ApplicationFactory factory);

}  // namespace wsbkit::win32
