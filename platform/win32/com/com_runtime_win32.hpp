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

// The multithreaded apartment a hosting serves from (the local server and the service host), for
// as long as this object lives:
//  - COM initialised for the calling thread (CoInitializeEx, COINIT_MULTITHREADED);
//  - the AppID's COM security applied: CoInitializeSecurity(EOAC_APPID) with the AppID GUID (= the
//    CLSID), so AppID\{clsid}'s AccessPermission decides who may call;
//  - the add-in's three interfaces pinned (local_server.cpp): a stub for each stays registered until
//    the end, so releasing the last add-in or async object never unregisters an interface while a
//    call on it is finishing (Wine 8's rpcrt4 can lose that wake-up and deadlock the release).
// The destructor leaves the apartment (CoUninitialize, which also drops the pins' stubs) and then
// frees the pinned object; it runs after the class object has been revoked, at once: a host
// that lingers after revoking its class object makes activations fail under Wine (E_FAIL; a
// 100 ms wait there before CoUninitialize was tried and broke the churn tests), and a service
// host lingers STOP_PENDING. An error from enter() means the process must not serve.
class ServingApartment {
 public:
  static Result<std::unique_ptr<ServingApartment>> enter(const std::string& clsid);
  ServingApartment(const ServingApartment&) = delete;
  ServingApartment& operator=(const ServingApartment&) = delete;
  ~ServingApartment();

 private:
  ServingApartment() = default;
  struct Pins;
  std::unique_ptr<Pins> pins_;
  bool initialised_ = false;
};

// Enters the serving apartment (above), registers the class object (multithreaded apartment,
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
