// COM runtime facility, client side: activate an add-in's class out of process and see it as a
// portable WsbApplication. The Win32 backend (platform/win32/com/) uses CoCreateInstance with
// CLSCTX_LOCAL_SERVER and the widl proxies; the fake (mock/fake_com_runtime.hpp) hands out
// in-process objects, so the simulator's logic is tested natively.
#pragma once

#include <memory>
#include <string>

#include "platform/error.hpp"
#include "platform/com/wsb_application.hpp"

namespace wsbkit {

class ComRuntime {
 public:
  virtual ~ComRuntime() = default;
  // clsid: braced GUID string. The object stays alive as long as the returned pointer (and any
  // WsbAsync it handed out) does.
  virtual Result<std::shared_ptr<WsbApplication>> activate_local_server(const std::string& clsid) = 0;
};

}  // namespace wsbkit
