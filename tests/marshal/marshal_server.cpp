// Test COM local server for the marshalling proof: implements IWsbApplicationBackupSupport,
// IWsbApplicationRestoreSupport and IWsbApplicationAsync from the same wsbapp.idl as the
// proxy/stub, records every call it receives (marshal_common.hpp) and answers with non-trivial
// values the client can check:
//  - CheckConsistency: S_OK + a new async object; S_FALSE and NULL for component "no-check-needed".
//  - QueryStatus: *phrResult = WSBAPP_ASYNC_IN_PROGRESS on the first query, then
//    WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED; E_ABORT after Abort.
//  - PreRestore/PostRestore: S_OK, WSBAPP_E_COMPONENT_PRE/POST_RESTORE_FAILED for component "fail".
//  - IsRollForwardSupported: the negation of the last bNoRollForward received (TRUE at first).
//  - OrderComponents: both arrays reversed (CoTaskMemAlloc'd); S_FALSE + NULL outs when the first
//    component is "unordered".
// Usage (LocalServer32): marshal_server.exe --record FILE [--idle-timeout-ms N] [-Embedding]
// Exits after the last object is released, or after N ms without any call (a crashed client
// must not keep it alive: Wine never notices dead clients).
#include <windows.h>
#include <objbase.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <cwchar>
#include <mutex>
#include <new>
#include <string>
#include <utility>

#include "marshal_common.hpp"
#include "wsbapp.h"

namespace {

using marshal_test::Record;

std::wstring g_record_path;
std::mutex g_record_mutex;
std::atomic<long> g_alive{0};            // live objects + LockServer locks
std::atomic<std::uint64_t> g_last_call{0};  // GetTickCount64 of the last call received
HANDLE g_released_event = nullptr;       // set when g_alive drops to 0

void touch() { g_last_call = GetTickCount64(); }
void server_addref() {
  ++g_alive;
  touch();
}
void server_release() {
  touch();
  if (--g_alive == 0) SetEvent(g_released_event);
}

// The record file: "pid N" then the call. Overwritten by every call; the client deletes it
// before each call, so an absent file proves the server was not called.
void write_record(const Record& record) {
  const std::string text = "pid " + std::to_string(GetCurrentProcessId()) + '\n' + record.text();
  std::lock_guard lock(g_record_mutex);
  HANDLE file = CreateFileW(g_record_path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return;
  DWORD written = 0;
  WriteFile(file, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
  CloseHandle(file);
}

// Refcounting shared by the server's objects; each object keeps the server alive.
template <class Derived>
class RefCounted {
 public:
  RefCounted() { server_addref(); }
  virtual ~RefCounted() { server_release(); }
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

 protected:
  ULONG add_ref() { touch(); return ++refs_; }
  ULONG release() {
    touch();
    const ULONG left = --refs_;
    if (left == 0) delete this;
    return left;
  }

 private:
  std::atomic<ULONG> refs_{1};
};

class AsyncCheck final : public IWsbApplicationAsync, RefCounted<AsyncCheck> {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (out == nullptr) return E_POINTER;
    *out = nullptr;
    if (riid != IID_IUnknown && riid != IID_IWsbApplicationAsync) return E_NOINTERFACE;
    *out = static_cast<IWsbApplicationAsync*>(this);
    AddRef();
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return add_ref(); }
  ULONG STDMETHODCALLTYPE Release() override { return release(); }

  HRESULT STDMETHODCALLTYPE QueryStatus(HRESULT* result) override try {
    touch();
    const unsigned count = ++queries_;
    write_record(Record("QueryStatus").num(count));
    if (result == nullptr) return E_POINTER;
    *result = aborted_ ? E_ABORT
              : count == 1 ? WSBAPP_ASYNC_IN_PROGRESS
                           : WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED;
    return S_OK;
  } catch (...) {
    return E_FAIL;
  }

  HRESULT STDMETHODCALLTYPE Abort() override try {
    touch();
    write_record(Record("Abort"));
    aborted_ = true;
    return S_OK;
  } catch (...) {
    return E_FAIL;
  }

 private:
  std::atomic<unsigned> queries_{0};
  std::atomic<bool> aborted_{false};
};

// CoTaskMemAlloc'd copy of a string (NULL stays NULL); throws std::bad_alloc.
LPWSTR co_task_copy(const wchar_t* s) {
  if (s == nullptr) return nullptr;
  const size_t bytes = (std::wcslen(s) + 1) * sizeof(wchar_t);
  auto* copy = static_cast<LPWSTR>(CoTaskMemAlloc(bytes));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, s, bytes);
  return copy;
}

// A CoTaskMemAlloc'd LPWSTR array being filled; frees everything unless released to the caller.
class CoTaskStringArray {
 public:
  explicit CoTaskStringArray(DWORD count) : count_(count) {
    items_ = static_cast<LPWSTR*>(CoTaskMemAlloc(sizeof(LPWSTR) * (count == 0 ? 1 : count)));
    if (items_ == nullptr) throw std::bad_alloc();
    for (DWORD i = 0; i < count; ++i) items_[i] = nullptr;
  }
  ~CoTaskStringArray() {
    if (items_ == nullptr) return;
    for (DWORD i = 0; i < count_; ++i) CoTaskMemFree(items_[i]);
    CoTaskMemFree(items_);
  }
  CoTaskStringArray(const CoTaskStringArray&) = delete;
  CoTaskStringArray& operator=(const CoTaskStringArray&) = delete;
  LPWSTR& operator[](DWORD i) { return items_[i]; }
  LPWSTR* release() { return std::exchange(items_, nullptr); }

 private:
  DWORD count_;
  LPWSTR* items_;
};

class TestApplication final : public IWsbApplicationBackupSupport,
                              public IWsbApplicationRestoreSupport,
                              RefCounted<TestApplication> {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (out == nullptr) return E_POINTER;
    *out = nullptr;
    if (riid == IID_IUnknown || riid == IID_IWsbApplicationBackupSupport) {
      *out = static_cast<IWsbApplicationBackupSupport*>(this);
    } else if (riid == IID_IWsbApplicationRestoreSupport) {
      *out = static_cast<IWsbApplicationRestoreSupport*>(this);
    } else {
      return E_NOINTERFACE;
    }
    AddRef();
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return add_ref(); }
  ULONG STDMETHODCALLTYPE Release() override { return release(); }

  HRESULT STDMETHODCALLTYPE CheckConsistency(LPWSTR writer_metadata, LPWSTR component_name,
                                             LPWSTR logical_path, DWORD volume_count,
                                             LPWSTR* source_volumes, LPWSTR* snapshot_volumes,
                                             IWsbApplicationAsync** async) override try {
    touch();
    write_record(Record("CheckConsistency")
                     .str(writer_metadata)
                     .str(component_name)
                     .str(logical_path)
                     .num(volume_count)
                     .array(volume_count, source_volumes)
                     .array(volume_count, snapshot_volumes));
    if (async == nullptr) return E_POINTER;
    *async = nullptr;
    if (component_name != nullptr && std::wcscmp(component_name, marshal_test::no_check_needed) == 0)
      return S_FALSE;
    *async = new AsyncCheck();
    return S_OK;
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_FAIL;
  }

  HRESULT STDMETHODCALLTYPE PreRestore(LPWSTR writer_metadata, LPWSTR component_name,
                                       LPWSTR logical_path, BOOLEAN no_roll_forward) override {
    return restore_step("PreRestore", writer_metadata, component_name, logical_path,
                        no_roll_forward, WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED);
  }
  HRESULT STDMETHODCALLTYPE PostRestore(LPWSTR writer_metadata, LPWSTR component_name,
                                        LPWSTR logical_path, BOOLEAN no_roll_forward) override {
    return restore_step("PostRestore", writer_metadata, component_name, logical_path,
                        no_roll_forward, WSBAPP_E_COMPONENT_POST_RESTORE_FAILED);
  }

  HRESULT STDMETHODCALLTYPE OrderComponents(DWORD count, LPWSTR* names, LPWSTR* logical_paths,
                                            LPWSTR** ordered_names,
                                            LPWSTR** ordered_logical_paths) override try {
    touch();
    write_record(Record("OrderComponents")
                     .num(count)
                     .array(count, names)
                     .array(count, logical_paths));
    if (ordered_names == nullptr || ordered_logical_paths == nullptr) return E_POINTER;
    *ordered_names = nullptr;
    *ordered_logical_paths = nullptr;
    if (count > 0 && (names == nullptr || logical_paths == nullptr)) return E_INVALIDARG;
    if (count > 0 && names[0] != nullptr && std::wcscmp(names[0], marshal_test::unordered) == 0)
      return S_FALSE;
    CoTaskStringArray out_names(count);
    CoTaskStringArray out_paths(count);
    for (DWORD i = 0; i < count; ++i) {
      out_names[i] = co_task_copy(names[count - 1 - i]);
      out_paths[i] = co_task_copy(logical_paths[count - 1 - i]);
    }
    *ordered_names = out_names.release();
    *ordered_logical_paths = out_paths.release();
    return S_OK;
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_FAIL;
  }

  HRESULT STDMETHODCALLTYPE IsRollForwardSupported(BOOLEAN* supported) override try {
    touch();
    write_record(Record("IsRollForwardSupported"));
    if (supported == nullptr) return E_POINTER;
    *supported = last_no_roll_forward_ ? FALSE : TRUE;
    return S_OK;
  } catch (...) {
    return E_FAIL;
  }

 private:
  HRESULT restore_step(const char* method, LPWSTR writer_metadata, LPWSTR component_name,
                       LPWSTR logical_path, BOOLEAN no_roll_forward, HRESULT failure) noexcept try {
    touch();
    write_record(Record(method)
                     .str(writer_metadata)
                     .str(component_name)
                     .str(logical_path)
                     .num(no_roll_forward));
    last_no_roll_forward_ = no_roll_forward != FALSE;
    if (component_name != nullptr && std::wcscmp(component_name, marshal_test::fail_component) == 0)
      return failure;
    return S_OK;
  } catch (...) {
    return E_FAIL;
  }

  std::atomic<bool> last_no_roll_forward_{false};
};

// Static class object: not refcounted beyond the server's lifetime; LockServer counts as an object.
class Factory final : public IClassFactory {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** out) override {
    if (out == nullptr) return E_POINTER;
    *out = nullptr;
    if (riid != IID_IUnknown && riid != IID_IClassFactory) return E_NOINTERFACE;
    *out = static_cast<IClassFactory*>(this);
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** out) override try {
    touch();
    if (out == nullptr) return E_POINTER;
    *out = nullptr;
    if (outer != nullptr) return CLASS_E_NOAGGREGATION;
    auto* app = new TestApplication();
    const HRESULT hr = app->QueryInterface(riid, out);
    app->Release();
    return hr;
  } catch (const std::bad_alloc&) {
    return E_OUTOFMEMORY;
  } catch (...) {
    return E_FAIL;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override {
    if (lock) server_addref(); else server_release();
    return S_OK;
  }
};

struct ComApartment {
  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  ~ComApartment() { if (SUCCEEDED(hr)) CoUninitialize(); }
};

}  // namespace

int wmain(int argc, wchar_t** argv) {
  std::uint64_t idle_timeout_ms = 60000;
  for (int i = 1; i < argc; ++i) {
    const std::wstring arg = argv[i];
    if (arg == L"--record" && i + 1 < argc) {
      g_record_path = argv[++i];
    } else if (arg == L"--idle-timeout-ms" && i + 1 < argc) {
      idle_timeout_ms = std::wcstoull(argv[++i], nullptr, 10);
    }
    // anything else (-Embedding, added by COM) is ignored
  }
  if (g_record_path.empty()) return 2;

  g_released_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (g_released_event == nullptr) return 3;
  touch();
  int exit_code = 0;
  {
    ComApartment com;
    if (FAILED(com.hr)) return 4;
    static Factory factory;
    DWORD cookie = 0;
    if (FAILED(CoRegisterClassObject(marshal_test::clsid_test_server, &factory,
                                     CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie)))
      return 5;
    bool registered = true;
    auto revoke = [&] {
      if (registered) CoRevokeClassObject(cookie);
      registered = false;
    };
    for (;;) {
      const bool released = WaitForSingleObject(g_released_event, 250) == WAIT_OBJECT_0;
      if (GetTickCount64() - g_last_call > idle_timeout_ms) {
        exit_code = g_alive == 0 ? 0 : 6;  // 6: gave up on a client that kept references
        break;
      }
      if (released && g_alive == 0) {
        // Stop taking activations first; an object created in between keeps us serving it.
        revoke();
        if (g_alive == 0) break;
      }
    }
    revoke();
  }
  CloseHandle(g_released_event);
  return exit_code;
}
