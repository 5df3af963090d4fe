// The add-in hosted as a Windows service (AppID LocalService, as Exchange's add-in): no Windows
// types here; src/addin/main.cpp calls it when started with --service NAME.
#pragma once

#include <string>

#include "platform/win32/com/com_runtime_win32.hpp"

namespace wsbkit::win32 {

// Runs this process as the service `service_name` (it must have been started by the service
// control manager; otherwise ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): inside the service,
// registers the CLSID's class object (multithreaded apartment, REGCLS_MULTIPLEUSE) so that COM
// activations of the LocalService AppID reach it, reports RUNNING, and serves until the last
// reference is released (see run_local_server on `lifetime`), nobody connects within the idle timeout (on the lifetime's Clock), or the SCM sends STOP or
// SHUTDOWN; then revokes the class object and reports STOPPED.
Result<ServerLifetime::ExitReason> run_addin_service(const std::string& service_name, const LocalServerConfig& config,
                                                      ServerLifetime& lifetime, ApplicationFactory factory);

}  // namespace wsbkit::win32
