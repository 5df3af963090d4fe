// COM local server adapters: class factory, the add-in object (backup + restore interfaces) and
// the async object. Each method: validate pointers, convert to portable types, call the
// WsbApplication, convert back; never let an exception cross the ABI.
#include <atomic>
#include <new>
#include <utility>

#include "platform/win32/com/com_convert.hpp"
#include "platform/win32/com/com_objects.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"
#include "wsbapp.h"

namespace wsbkit::win32 {
namespace {

// The one exception barrier: every COM method body runs inside it.
template <class Body>
HRESULT guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (const ErrorException& e) {
    const Hresult h = e.error().hresult_code();
    return hr::failed(h) ? static_cast<HRESULT>(h) : E_FAIL;
  } catch (...) {
    return E_UNEXPECTED;
  }
}

// IUnknown plumbing shared by the three objects: atomic count, and each live object holds the
// server alive through ServerLifetime and through COM's own server-process count
// (CoAddRefServerProcess: on Windows the last CoReleaseServerProcess suspends the class objects, so
// an activation racing the last release goes to a new server). An object from the class factory
// adopts the count activate() took; one a live call creates takes its own.
enum class Counted { by_activation, here };

class ServerObject {
 protected:
  ServerObject(ServerLifetime& lifetime, Counted counted) : lifetime_(lifetime) {
    if (counted == Counted::here) lifetime_.add_ref();
    ::CoAddRefServerProcess();
  }
  virtual ~ServerObject() {
    ::CoReleaseServerProcess();
    lifetime_.release();
  }
  ULONG add_ref() { return ++refs_; }
  ULONG release() {
    const ULONG left = --refs_;
    if (left == 0) delete this;
    return left;
  }
  // A method body, counted as a call in flight (a service STOP waits for it); refused with
  // CO_E_SERVER_STOPPING once the server is stopping.
  template <class Body>
  HRESULT call(Body&& body) noexcept {
    CallScope scope(lifetime_);
    if (!scope.ok()) return hr::co_e_server_stopping;
    return guarded(std::forward<Body>(body));
  }

 private:
  std::atomic<ULONG> refs_{1};
  ServerLifetime& lifetime_;
};

class AsyncObject final : public IWsbApplicationAsync, ServerObject {
 public:
  AsyncObject(ServerLifetime& lifetime, std::shared_ptr<WsbAsync> async)
      : ServerObject(lifetime, Counted::here), async_(std::move(async)) {}
  ~AsyncObject() override {
    // Released before the end: the operation must not run on unowned.
    Hresult status = hr::ok;
    if (hr::succeeded(async_->query_status(status)) && status == hr::wsbapp_async_in_progress) async_->abort();
  }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (!out) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IWsbApplicationAsync)) {
      *out = static_cast<IWsbApplicationAsync*>(this);
      add_ref();
      return S_OK;
    }
    *out = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return add_ref(); }
  ULONG STDMETHODCALLTYPE Release() override { return release(); }

  HRESULT STDMETHODCALLTYPE QueryStatus(HRESULT* phrResult) override {
    if (!phrResult) return E_POINTER;
    return call([&] {
      Hresult status = hr::e_unexpected;
      const Hresult h = async_->query_status(status);
      *phrResult = static_cast<HRESULT>(status);
      return static_cast<HRESULT>(h);
    });
  }
  HRESULT STDMETHODCALLTYPE Abort() override {
    return call([&] { return static_cast<HRESULT>(async_->abort()); });
  }

 private:
  std::shared_ptr<WsbAsync> async_;
};

class AddinObject final : public IWsbApplicationBackupSupport, public IWsbApplicationRestoreSupport, ServerObject {
 public:
  AddinObject(ServerLifetime& lifetime, std::shared_ptr<WsbApplication> app, Counted counted)
      : ServerObject(lifetime, counted), lifetime_(lifetime), app_(std::move(app)) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (!out) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IWsbApplicationBackupSupport)) {
      *out = static_cast<IWsbApplicationBackupSupport*>(this);
    } else if (IsEqualIID(riid, IID_IWsbApplicationRestoreSupport)) {
      *out = static_cast<IWsbApplicationRestoreSupport*>(this);
    } else {
      *out = nullptr;
      return E_NOINTERFACE;
    }
    add_ref();
    return S_OK;
  }
  // Both interfaces share one count (IUnknown identity).
  ULONG STDMETHODCALLTYPE AddRef() override { return add_ref(); }
  ULONG STDMETHODCALLTYPE Release() override { return release(); }

  HRESULT STDMETHODCALLTYPE CheckConsistency(LPWSTR wszWriterMetadata, LPWSTR wszComponentName,
                                             LPWSTR wszComponentLogicalPath, DWORD cVolumes,
                                             LPWSTR* rgwszSourceVolumePath, LPWSTR* rgwszSnapshotVolumePath,
                                             IWsbApplicationAsync** ppAsync) override {
    if (!ppAsync) return E_POINTER;
    *ppAsync = nullptr;
    if (cVolumes > wsb_max_volumes) return E_INVALIDARG;
    return call([&]() -> HRESULT {
      ConsistencyRequest request;
      request.writer_metadata = from_com(wszWriterMetadata);
      request.component_name = from_com(wszComponentName);
      request.component_logical_path = from_com(wszComponentLogicalPath);
      request.volume_count = cVolumes;
      if (rgwszSourceVolumePath) request.source_volumes = from_com(rgwszSourceVolumePath, cVolumes);
      if (rgwszSnapshotVolumePath) request.snapshot_volumes = from_com(rgwszSnapshotVolumePath, cVolumes);
      ConsistencyResult result = app_->check_consistency(request);
      if (result.hr == hr::ok && result.async) {
        *ppAsync = new AsyncObject(lifetime_, std::move(result.async));
      } else if (result.hr == hr::ok) {
        return E_UNEXPECTED;  // the core broke the contract: S_OK needs an async object
      }
      return static_cast<HRESULT>(result.hr);
    });
  }

  HRESULT STDMETHODCALLTYPE PreRestore(LPWSTR wszWriterMetadata, LPWSTR wszComponentName,
                                       LPWSTR wszComponentLogicalPath, BOOLEAN bNoRollForward) override {
    return call([&] {
      return static_cast<HRESULT>(app_->pre_restore(restore_request(wszWriterMetadata, wszComponentName,
                                                                    wszComponentLogicalPath, bNoRollForward)));
    });
  }

  HRESULT STDMETHODCALLTYPE PostRestore(LPWSTR wszWriterMetadata, LPWSTR wszComponentName,
                                        LPWSTR wszComponentLogicalPath, BOOLEAN bNoRollForward) override {
    return call([&] {
      return static_cast<HRESULT>(app_->post_restore(restore_request(wszWriterMetadata, wszComponentName,
                                                                     wszComponentLogicalPath, bNoRollForward)));
    });
  }

  HRESULT STDMETHODCALLTYPE OrderComponents(DWORD cComponents, LPWSTR* rgComponentName,
                                            LPWSTR* rgComponentLogicalPaths, LPWSTR** prgComponentName,
                                            LPWSTR** prgComponentLogicalPath) override {
    if (!prgComponentName || !prgComponentLogicalPath) return E_POINTER;
    *prgComponentName = nullptr;
    *prgComponentLogicalPath = nullptr;
    if (cComponents > wsb_max_components) return E_INVALIDARG;
    if (cComponents > 0 && (!rgComponentName || !rgComponentLogicalPaths)) return E_INVALIDARG;
    return call([&]() -> HRESULT {
      OrderRequest request;
      request.component_count = cComponents;
      if (cComponents > 0) {
        request.names = from_com(rgComponentName, cComponents);
        request.logical_paths = from_com(rgComponentLogicalPaths, cComponents);
      }
      const OrderResult result = app_->order_components(request);
      if (result.hr != hr::ok) return static_cast<HRESULT>(result.hr);
      if (!result.names || !result.logical_paths || result.names->size() != cComponents ||
          result.logical_paths->size() != cComponents) {
        return E_UNEXPECTED;  // S_OK must come with both arrays, complete
      }
      LPWSTR* names = to_com_string_array(*result.names);
      LPWSTR* paths = names ? to_com_string_array(*result.logical_paths) : nullptr;
      if (!names || !paths) {
        free_com_string_array(names, cComponents);
        return E_OUTOFMEMORY;
      }
      *prgComponentName = names;
      *prgComponentLogicalPath = paths;
      return S_OK;
    });
  }

  HRESULT STDMETHODCALLTYPE IsRollForwardSupported(BOOLEAN* pbRollForwardSupported) override {
    if (!pbRollForwardSupported) return E_POINTER;
    *pbRollForwardSupported = FALSE;
    return call([&] {
      bool supported = false;
      const Hresult h = app_->is_roll_forward_supported(supported);
      *pbRollForwardSupported = supported ? TRUE : FALSE;
      return static_cast<HRESULT>(h);
    });
  }

 private:
  static RestoreRequest restore_request(LPWSTR metadata, LPWSTR name, LPWSTR path, BOOLEAN no_roll_forward) {
    return RestoreRequest{from_com(metadata), from_com(name), from_com(path), no_roll_forward != FALSE};
  }

  ServerLifetime& lifetime_;
  std::shared_ptr<WsbApplication> app_;
};

}  // namespace

IUnknown* create_addin_object(ServerLifetime& lifetime, std::shared_ptr<WsbApplication> application) {
  return static_cast<IWsbApplicationBackupSupport*>(new AddinObject(lifetime, std::move(application), Counted::here));
}

HRESULT STDMETHODCALLTYPE AddinClassFactory::QueryInterface(REFIID riid, void** out) {
  if (!out) return E_POINTER;
  if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IClassFactory)) {
    *out = static_cast<IClassFactory*>(this);
    return S_OK;
  }
  *out = nullptr;
  return E_NOINTERFACE;
}

HRESULT STDMETHODCALLTYPE AddinClassFactory::CreateInstance(IUnknown* outer, REFIID riid, void** out) {
  if (!out) return E_POINTER;
  *out = nullptr;
  if (outer) return CLASS_E_NOAGGREGATION;
  // Counted before anything is made, atomically with the exit decision: refused once stopping.
  if (!lifetime_.activate()) return hr::co_e_server_stopping;
  return guarded([&] {
    AddinObject* object = nullptr;
    try {
      object = new AddinObject(lifetime_, factory_(), Counted::by_activation);
    } catch (...) {
      lifetime_.release();  // the activation's count, never adopted
      throw;
    }
    const HRESULT h = object->QueryInterface(riid, out);
    object->Release();  // the caller's reference (if QI succeeded) is the only one left
    return h;
  });
}

HRESULT STDMETHODCALLTYPE AddinClassFactory::LockServer(BOOL lock) {
  if (!lock) {
    ::CoReleaseServerProcess();
    lifetime_.release();
    return S_OK;
  }
  if (!lifetime_.activate()) return hr::co_e_server_stopping;
  ::CoAddRefServerProcess();
  return S_OK;
}

namespace {

Result<void> apply_appid_security(const std::string& clsid) {
  GUID appid;
  if (FAILED(CLSIDFromString(widen(clsid).c_str(), &appid))) {
    return Error::hresult(hr::e_invalidarg, "CLSIDFromString", clsid, "not an AppID");
  }
  // EOAC_APPID with the AppID's GUID: COM reads AppID\{clsid} (AccessPermission, authentication
  // level) itself; the caller has checked that AccessPermission is there (com_security.hpp).
  const HRESULT h = ::CoInitializeSecurity(&appid, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_DEFAULT,
                                           RPC_C_IMP_LEVEL_IDENTIFY, nullptr, EOAC_APPID, nullptr);
  if (FAILED(h)) return Error::hresult(h, "CoInitializeSecurity", "AppID " + clsid, "EOAC_APPID");
  return success();
}

}  // namespace

// Why the pins (com_runtime_win32.hpp): Wine 8's combase unregisters an interface's RPC
// registration when the last stub for that interface goes, from the RemRelease of the last object,
// and waits there (RpcServerUnregisterIf) for the interface's calls to finish. rpcrt4 counts a call
// finished only after its reply is sent, without the lock the unregistration takes, so a call ending
// at that moment can miss the wake-up: the release never returns and the client waits on it forever
// (the soak saw it about once in 500 CheckConsistency/Abort cycles; docs/testing.md). One object is
// marshaled table-strong once per interface: COM keeps its stubs, so the registrations stay until
// the apartment is left: CoUninitialize tears the table marshals down with the rest of the
// apartment (never CoReleaseMarshalData before it: that would unregister the interfaces outside
// CoUninitialize, with the same race), and the object is freed only after it. Nobody else ever
// holds the marshal data, so its methods are never called; they answer E_UNEXPECTED all the same.
struct ServingApartment::Pins final : IWsbApplicationBackupSupport, IWsbApplicationRestoreSupport, IWsbApplicationAsync {
  Pins() = default;
  Pins(const Pins&) = delete;
  Pins& operator=(const Pins&) = delete;

  // The marshal data itself is not kept: the stubs stay registered until CoUninitialize.
  Result<void> pin(REFIID iid, const char* name) {
    IStream* stream = nullptr;
    HRESULT h = ::CreateStreamOnHGlobal(nullptr, TRUE, &stream);
    if (FAILED(h)) return Error::hresult(h, "CreateStreamOnHGlobal", name);
    h = ::CoMarshalInterface(stream, iid, static_cast<IWsbApplicationBackupSupport*>(this), MSHCTX_LOCAL, nullptr,
                             MSHLFLAGS_TABLESTRONG);
    stream->Release();
    if (FAILED(h)) return Error::hresult(h, "CoMarshalInterface", name, "MSHLFLAGS_TABLESTRONG");
    return success();
  }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (!out) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IWsbApplicationBackupSupport)) {
      *out = static_cast<IWsbApplicationBackupSupport*>(this);
    } else if (IsEqualIID(riid, IID_IWsbApplicationRestoreSupport)) {
      *out = static_cast<IWsbApplicationRestoreSupport*>(this);
    } else if (IsEqualIID(riid, IID_IWsbApplicationAsync)) {
      *out = static_cast<IWsbApplicationAsync*>(this);
    } else {
      *out = nullptr;
      return E_NOINTERFACE;
    }
    return S_OK;
  }
  // Lives as long as the apartment object: COM's references do not decide its lifetime.
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE CheckConsistency(LPWSTR, LPWSTR, LPWSTR, DWORD, LPWSTR*, LPWSTR*,
                                             IWsbApplicationAsync**) override {
    return E_UNEXPECTED;
  }
  HRESULT STDMETHODCALLTYPE PreRestore(LPWSTR, LPWSTR, LPWSTR, BOOLEAN) override { return E_UNEXPECTED; }
  HRESULT STDMETHODCALLTYPE PostRestore(LPWSTR, LPWSTR, LPWSTR, BOOLEAN) override { return E_UNEXPECTED; }
  HRESULT STDMETHODCALLTYPE OrderComponents(DWORD, LPWSTR*, LPWSTR*, LPWSTR**, LPWSTR**) override {
    return E_UNEXPECTED;
  }
  HRESULT STDMETHODCALLTYPE IsRollForwardSupported(BOOLEAN*) override { return E_UNEXPECTED; }
  HRESULT STDMETHODCALLTYPE QueryStatus(HRESULT*) override { return E_UNEXPECTED; }
  HRESULT STDMETHODCALLTYPE Abort() override { return E_UNEXPECTED; }
};

Result<std::unique_ptr<ServingApartment>> ServingApartment::enter(const std::string& clsid) {
  std::unique_ptr<ServingApartment> apartment(new ServingApartment());
  const HRESULT h = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(h)) return Error::hresult(h, "CoInitializeEx", "COINIT_MULTITHREADED");
  apartment->initialised_ = true;
  if (auto secured = apply_appid_security(clsid); !secured) return secured.error();
  // Owned by the apartment before the first marshal: whatever happens next, the object outlives
  // the stubs pointing at it (the destructor frees it after CoUninitialize).
  apartment->pins_ = std::make_unique<Pins>();
  for (const auto& [iid, name] : {std::pair{&IID_IWsbApplicationBackupSupport, "IWsbApplicationBackupSupport"},
                                  std::pair{&IID_IWsbApplicationRestoreSupport, "IWsbApplicationRestoreSupport"},
                                  std::pair{&IID_IWsbApplicationAsync, "IWsbApplicationAsync"}}) {
    if (auto pinned = apartment->pins_->pin(*iid, name); !pinned) return pinned.error();
  }
  return apartment;
}

ServingApartment::~ServingApartment() {
  if (initialised_) CoUninitialize();  // the pins' stubs go here, with every other stub
  pins_.reset();                       // and only then the object they pointed to
}

Result<ServerLifetime::ExitReason> run_local_server(const LocalServerConfig& config, ServerLifetime& lifetime,
                                                     ApplicationFactory factory) {
  CLSID clsid;
  const std::wstring wide = widen(config.clsid);
  if (FAILED(CLSIDFromString(wide.c_str(), &clsid))) {
    return Error::hresult(hr::e_invalidarg, "CLSIDFromString", config.clsid, "not a CLSID");
  }
  auto apartment = ServingApartment::enter(config.clsid);
  if (!apartment) return apartment.error();

  AddinClassFactory class_factory(lifetime, std::move(factory));
  DWORD cookie = 0;
  const HRESULT h = CoRegisterClassObject(clsid, &class_factory, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
  if (FAILED(h)) return Error::hresult(h, "CoRegisterClassObject", config.clsid);
  const auto reason = lifetime.wait();
  CoRevokeClassObject(cookie);
  return reason;
}

}  // namespace wsbkit::win32
