// The add-in's COM object, for the server (local_server.cpp) and for tests that call its methods
// directly, in process, with arguments no proxy would let through (NULL out pointers, counts past
// the IDL's range, a core that throws).
#pragma once

#include <functional>
#include <memory>

#include "platform/com/com_server_lifetime.hpp"
#include "platform/win32/windows.hpp"

#include <unknwn.h>
#include "platform/com/wsb_application.hpp"

namespace wsbkit::win32 {

// A new add-in object (IWsbApplicationBackupSupport + IWsbApplicationRestoreSupport) holding one
// reference, which the caller releases. It holds `lifetime` while alive.
IUnknown* create_addin_object(ServerLifetime& lifetime, std::shared_ptr<WsbApplication> application);

// The class object both hosts register (the local server and the service host). It lives on the
// host's stack: COM's references to it do not keep the server alive, only the objects it creates
// and LockServer do (through `lifetime`).
class AddinClassFactory final : public IClassFactory {
 public:
  AddinClassFactory(ServerLifetime& lifetime, std::function<std::shared_ptr<WsbApplication>()> factory)
      : lifetime_(lifetime), factory_(std::move(factory)) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** out) override;
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override;

 private:
  ServerLifetime& lifetime_;
  std::function<std::shared_ptr<WsbApplication>()> factory_;
};

}  // namespace wsbkit::win32
