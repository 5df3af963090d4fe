// Client side of the COM runtime: an add-in activated out of process, seen as a WsbApplication.
// Used by `wsbkit simulate` to act as Windows Server Backup.
#include <wrl/client.h>

#include "platform/win32/com/com_convert.hpp"
#include "platform/win32/com/com_runtime_win32.hpp"
#include "wsbapp.h"

namespace wsbkit::win32 {
namespace {

using Microsoft::WRL::ComPtr;

class RemoteAsync final : public WsbAsync {
 public:
  explicit RemoteAsync(ComPtr<IWsbApplicationAsync> async) : async_(std::move(async)) {}
  Hresult query_status(Hresult& result) override {
    HRESULT status = E_UNEXPECTED;
    const HRESULT h = async_->QueryStatus(&status);
    result = status;
    return h;
  }
  Hresult abort() override { return async_->Abort(); }

 private:
  ComPtr<IWsbApplicationAsync> async_;
};

class RemoteApplication final : public WsbApplication {
 public:
  RemoteApplication(ComPtr<IWsbApplicationBackupSupport> backup, ComPtr<IWsbApplicationRestoreSupport> restore)
      : backup_(std::move(backup)), restore_(std::move(restore)) {}

  ConsistencyResult check_consistency(const ConsistencyRequest& r) override {
    ComStrings strings;
    std::vector<LPWSTR> sources, snapshots;
    if (r.source_volumes) sources = strings.add_all(*r.source_volumes);
    if (r.snapshot_volumes) snapshots = strings.add_all(*r.snapshot_volumes);
    ComPtr<IWsbApplicationAsync> async;
    ConsistencyResult result;
    result.hr = backup_->CheckConsistency(strings.add(r.writer_metadata), strings.add(r.component_name),
                                          strings.add(r.component_logical_path), r.volume_count,
                                          r.source_volumes ? sources.data() : nullptr,
                                          r.snapshot_volumes ? snapshots.data() : nullptr, async.GetAddressOf());
    if (async) result.async = std::make_shared<RemoteAsync>(std::move(async));
    return result;
  }

  Hresult pre_restore(const RestoreRequest& r) override {
    ComStrings s;
    return restore_->PreRestore(s.add(r.writer_metadata), s.add(r.component_name), s.add(r.component_logical_path),
                                r.no_roll_forward ? TRUE : FALSE);
  }

  Hresult post_restore(const RestoreRequest& r) override {
    ComStrings s;
    return restore_->PostRestore(s.add(r.writer_metadata), s.add(r.component_name), s.add(r.component_logical_path),
                                 r.no_roll_forward ? TRUE : FALSE);
  }

  OrderResult order_components(const OrderRequest& r) override {
    ComStrings strings;
    std::vector<LPWSTR> names = strings.add_all(r.names);
    std::vector<LPWSTR> paths = strings.add_all(r.logical_paths);
    LPWSTR* out_names = nullptr;
    LPWSTR* out_paths = nullptr;
    OrderResult result;
    result.hr = restore_->OrderComponents(r.component_count, names.data(), paths.data(), &out_names, &out_paths);
    // Whatever came back is ours to free, whatever the HRESULT.
    const DWORD count = r.component_count;
    if (result.hr == S_OK) {
      if (out_names) result.names = from_com(out_names, count);
      if (out_paths) result.logical_paths = from_com(out_paths, count);
    } else {
      if (out_names) result.names = StringArray{};  // a protocol violation the simulator reports
      if (out_paths) result.logical_paths = StringArray{};
    }
    free_com_string_array(out_names, result.hr == S_OK ? count : 0);
    free_com_string_array(out_paths, result.hr == S_OK ? count : 0);
    return result;
  }

  Hresult is_roll_forward_supported(bool& supported) override {
    BOOLEAN value = FALSE;
    const HRESULT h = restore_->IsRollForwardSupported(&value);
    supported = value != FALSE;
    return h;
  }

 private:
  ComPtr<IWsbApplicationBackupSupport> backup_;
  ComPtr<IWsbApplicationRestoreSupport> restore_;
};

class Win32ComRuntime final : public ComRuntime {
 public:
  ~Win32ComRuntime() override { CoUninitialize(); }

  Result<std::shared_ptr<WsbApplication>> activate_local_server(const std::string& clsid_text) override {
    CLSID clsid;
    if (FAILED(CLSIDFromString(widen(clsid_text).c_str(), &clsid))) {
      return Error::hresult(hr::e_invalidarg, "CLSIDFromString", clsid_text, "not a CLSID");
    }
    ComPtr<IWsbApplicationBackupSupport> backup;
    HRESULT h = CoCreateInstance(clsid, nullptr, CLSCTX_LOCAL_SERVER, IID_IWsbApplicationBackupSupport,
                                 reinterpret_cast<void**>(backup.GetAddressOf()));
    if (FAILED(h)) return Error::hresult(h, "CoCreateInstance(CLSCTX_LOCAL_SERVER)", clsid_text, system_message(static_cast<DWORD>(h)));
    ComPtr<IWsbApplicationRestoreSupport> restore;
    h = backup->QueryInterface(IID_IWsbApplicationRestoreSupport, reinterpret_cast<void**>(restore.GetAddressOf()));
    if (FAILED(h)) return Error::hresult(h, "QueryInterface(IWsbApplicationRestoreSupport)", clsid_text);
    return std::shared_ptr<WsbApplication>(std::make_shared<RemoteApplication>(std::move(backup), std::move(restore)));
  }
};

}  // namespace

Result<std::unique_ptr<ComRuntime>> make_com_runtime() {
  const HRESULT h = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(h)) return Error::hresult(h, "CoInitializeEx", "COINIT_MULTITHREADED");
  return std::unique_ptr<ComRuntime>(std::make_unique<Win32ComRuntime>());
}

}  // namespace wsbkit::win32
