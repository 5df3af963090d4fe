// Windows only: the COM adapters of the add-in, called in process with arguments a proxy would
// never deliver, to prove the ABI contract: E_POINTER for NULL outs, E_INVALIDARG past the
// limits, NULL accepted where `unique` allows it, and no exception ever crossing the ABI.
#include <boost/test/unit_test.hpp>

#include <wrl/client.h>

#include <stdexcept>

#include "core/addin_core.hpp"
#include "platform/win32/com/com_objects.hpp"
#include "wsbapp.h"

using namespace wsbkit;
using Microsoft::WRL::ComPtr;

namespace {

// A core whose every method throws the configured exception.
struct ThrowingCore : WsbApplication {
  std::function<void()> thrower;
  ConsistencyResult check_consistency(const ConsistencyRequest&) override { thrower(); return {}; }
  Hresult pre_restore(const RestoreRequest&) override { thrower(); return hr::ok; }
  Hresult post_restore(const RestoreRequest&) override { thrower(); return hr::ok; }
  OrderResult order_components(const OrderRequest&) override { thrower(); return {}; }
  Hresult is_roll_forward_supported(bool&) override { thrower(); return hr::ok; }
};

// A core that asks for a reordering, to check the out arrays and their memory.
struct ReversingCore : AddinCore {
  using AddinCore::AddinCore;
  OrderResult order_components(const OrderRequest& r) override {
    return {hr::ok, StringArray(r.names.rbegin(), r.names.rend()), StringArray(r.logical_paths.rbegin(), r.logical_paths.rend())};
  }
};

struct Fixture {
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& l) { lines.push_back(l); }};
  ServerLifetime lifetime{std::chrono::seconds(60)};

  ComPtr<IWsbApplicationRestoreSupport> restore_of(std::shared_ptr<WsbApplication> app) {
    ComPtr<IUnknown> unknown;
    // Not Attach(): MinGW-w64's ComPtr::Attach AddRefs (Microsoft's does not), which would leak.
    *unknown.GetAddressOf() = win32::create_addin_object(lifetime, std::move(app));
    ComPtr<IWsbApplicationRestoreSupport> restore;
    BOOST_REQUIRE(SUCCEEDED(unknown->QueryInterface(IID_IWsbApplicationRestoreSupport,
                                                    reinterpret_cast<void**>(restore.GetAddressOf()))));
    return restore;
  }
  ComPtr<IWsbApplicationBackupSupport> backup_of(std::shared_ptr<WsbApplication> app) {
    ComPtr<IUnknown> unknown;
    // Not Attach(): MinGW-w64's ComPtr::Attach AddRefs (Microsoft's does not), which would leak.
    *unknown.GetAddressOf() = win32::create_addin_object(lifetime, std::move(app));
    ComPtr<IWsbApplicationBackupSupport> backup;
    BOOST_REQUIRE(SUCCEEDED(unknown->QueryInterface(IID_IWsbApplicationBackupSupport,
                                                    reinterpret_cast<void**>(backup.GetAddressOf()))));
    return backup;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(com_adapter, Fixture)

// NULL out pointers are E_POINTER, before the core is called.
BOOST_AUTO_TEST_CASE(null_out_pointers_are_e_pointer) {
  auto core = std::make_shared<AddinCore>(log);
  auto backup = backup_of(core);
  auto restore = restore_of(core);
  BOOST_TEST(backup->CheckConsistency(nullptr, nullptr, nullptr, 0, nullptr, nullptr, nullptr) == E_POINTER);
  LPWSTR* names = nullptr;
  BOOST_TEST(restore->OrderComponents(0, nullptr, nullptr, nullptr, &names) == E_POINTER);
  BOOST_TEST(restore->OrderComponents(0, nullptr, nullptr, &names, nullptr) == E_POINTER);
  BOOST_TEST(restore->IsRollForwardSupported(nullptr) == E_POINTER);
  BOOST_TEST(lines.empty());
}

// Counts past MAX_VOLUMES / MAX_COMPONENTS are E_INVALIDARG, with outs cleared.
BOOST_AUTO_TEST_CASE(counts_past_the_limits_are_e_invalidarg) {
  auto core = std::make_shared<AddinCore>(log);
  IWsbApplicationAsync* async = reinterpret_cast<IWsbApplicationAsync*>(0x1);
  BOOST_TEST(backup_of(core)->CheckConsistency(nullptr, nullptr, nullptr, 1001, nullptr, nullptr, &async) == E_INVALIDARG);
  BOOST_TEST(async == nullptr);
  LPWSTR* names = reinterpret_cast<LPWSTR*>(0x1);
  LPWSTR* paths = reinterpret_cast<LPWSTR*>(0x1);
  BOOST_TEST(restore_of(core)->OrderComponents(10001, nullptr, nullptr, &names, &paths) == E_INVALIDARG);
  BOOST_TEST(names == nullptr);
  BOOST_TEST(paths == nullptr);
}

// NULL strings and NULL volume arrays (`unique`) are accepted: the documented "nothing to do".
BOOST_AUTO_TEST_CASE(null_unique_arguments_are_accepted) {
  auto core = std::make_shared<AddinCore>(log);
  IWsbApplicationAsync* async = nullptr;
  BOOST_TEST(backup_of(core)->CheckConsistency(nullptr, nullptr, nullptr, 3, nullptr, nullptr, &async) == S_FALSE);
  BOOST_TEST(async == nullptr);
  auto restore = restore_of(core);
  BOOST_TEST(restore->PreRestore(nullptr, nullptr, nullptr, TRUE) == S_OK);
  BOOST_TEST(restore->PostRestore(nullptr, nullptr, nullptr, FALSE) == S_OK);
  BOOLEAN supported = TRUE;
  BOOST_TEST(restore->IsRollForwardSupported(&supported) == S_OK);
  BOOST_TEST(supported == FALSE);
  LPWSTR* names = nullptr;
  LPWSTR* paths = nullptr;
  BOOST_TEST(restore->OrderComponents(0, nullptr, nullptr, &names, &paths) == S_FALSE);
  BOOST_TEST((names == nullptr && paths == nullptr));
  BOOST_TEST(lines.size() == 5u);
}

// An S_OK order comes back as CoTaskMem arrays with every entry, NULL entries preserved.
BOOST_AUTO_TEST_CASE(order_out_arrays_are_complete_cotaskmem_copies) {
  auto restore = restore_of(std::make_shared<ReversingCore>(log));
  wchar_t a[] = L"A", b[] = L"B\u00e9", pa[] = L"App\\A";
  LPWSTR in_names[] = {a, b};
  LPWSTR in_paths[] = {pa, nullptr};
  LPWSTR* names = nullptr;
  LPWSTR* paths = nullptr;
  BOOST_REQUIRE(restore->OrderComponents(2, in_names, in_paths, &names, &paths) == S_OK);
  BOOST_TEST((std::wstring(names[0]) == L"B\u00e9"));
  BOOST_TEST((std::wstring(names[1]) == L"A"));
  BOOST_TEST((paths[0] == nullptr));
  BOOST_TEST((std::wstring(paths[1]) == L"App\\A"));
  for (int i = 0; i < 2; ++i) { CoTaskMemFree(names[i]); CoTaskMemFree(paths[i]); }
  CoTaskMemFree(names);
  CoTaskMemFree(paths);
}

// Exceptions from the core become HRESULTs: bad_alloc -> E_OUTOFMEMORY, anything else -> E_UNEXPECTED.
BOOST_AUTO_TEST_CASE(exceptions_never_cross_the_abi) {
  auto core = std::make_shared<ThrowingCore>();
  auto restore = restore_of(core);
  core->thrower = [] { throw std::bad_alloc(); };
  BOOST_TEST(restore->PreRestore(nullptr, nullptr, nullptr, FALSE) == E_OUTOFMEMORY);
  core->thrower = [] { throw std::runtime_error("boom"); };
  BOOST_TEST(restore->PostRestore(nullptr, nullptr, nullptr, FALSE) == E_UNEXPECTED);
  LPWSTR* names = nullptr;
  LPWSTR* paths = nullptr;
  BOOST_TEST(restore->OrderComponents(0, nullptr, nullptr, &names, &paths) == E_UNEXPECTED);
  BOOST_TEST((names == nullptr && paths == nullptr));
  core->thrower = [] { throw 42; };
  BOOLEAN supported = TRUE;
  BOOST_TEST(restore->IsRollForwardSupported(&supported) == E_UNEXPECTED);
}

// Every live object holds the server; the last Release lets it go.
BOOST_AUTO_TEST_CASE(objects_hold_the_server_alive) {
  IUnknown* object = win32::create_addin_object(lifetime, std::make_shared<AddinCore>(log));
  BOOST_TEST(lifetime.count() == 1);
  IWsbApplicationRestoreSupport* restore = nullptr;
  BOOST_REQUIRE(SUCCEEDED(object->QueryInterface(IID_IWsbApplicationRestoreSupport, reinterpret_cast<void**>(&restore))));
  BOOST_TEST(object->Release() == 1u);
  BOOST_TEST(lifetime.count() == 1);
  BOOST_TEST(restore->Release() == 0u);
  BOOST_TEST(lifetime.count() == 0);
  {
    auto backup = backup_of(std::make_shared<AddinCore>(log));
    auto restore = restore_of(std::make_shared<AddinCore>(log));
    BOOST_TEST(lifetime.count() == 2);
  }
  BOOST_TEST(lifetime.count() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
