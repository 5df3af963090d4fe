// Windows only: the COM adapters of the add-in, called in process with arguments a proxy would
// never deliver, to prove the ABI contract: E_POINTER for NULL outs, E_INVALIDARG past the
// limits, NULL accepted where `unique` allows it, and no exception ever crossing the ABI.
#include <boost/test/unit_test.hpp>

#include <wrl/client.h>

#include <algorithm>
#include <stdexcept>

#include "core/addin/addin_core.hpp"
#include "core/restore/component_order.hpp"
#include "platform/text.hpp"
#include "platform/win32/backends.hpp"
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

// A core that orders by a policy with ordering rules (the restore engine's ordering, without its
// journal), and records the restore requests it receives.
struct PolicyOrderingCore : AddinCore {
  PolicyOrderingCore(CallLog& log, const char* policy_text) : AddinCore(log) {
    auto parsed = policy::parse_policy(policy_text);
    BOOST_REQUIRE(parsed.policy);
    policy = *parsed.policy;
  }
  OrderResult order_components(const OrderRequest& r) override {
    OrderResult result = AddinCore::order_components(r);  // validation and the call log
    if (result.hr != hr::s_false) return result;
    result = {hr::ok, StringArray(), StringArray()};
    for (const auto i : order_components_by_policy(policy, r.names, r.logical_paths)) {
      result.names->push_back(r.names[i]);
      result.logical_paths->push_back(r.logical_paths[i]);
    }
    return result;
  }
  Hresult pre_restore(const RestoreRequest& r) override {
    received.push_back(r);
    return AddinCore::pre_restore(r);
  }
  policy::Policy policy;
  std::vector<RestoreRequest> received;
};

// Strings no text conversion would keep: unpaired surrogates (0xD800 alone, 0xDC00 alone, a
// reversed pair), 64k-character names, printf format strings, NULL and empty entries.
using WideItem = std::optional<std::wstring>;
std::vector<std::pair<WideItem, WideItem>> awkward_pairs() {
  std::wstring long_a(65536, L'a'), long_b(65536, L'b');
  for (std::size_t i = 0; i < long_a.size(); i += 5) {
    long_a[i] = static_cast<wchar_t>(0xD800 + i % 0x800);
    long_b[i] = static_cast<wchar_t>(0xDC00 + i % 0x400);
  }
  return {{L"Logs", L"Ledger\\Logs"},
          {std::wstring(1, wchar_t(0xD800)), std::wstring(1, wchar_t(0xDC00))},
          {std::wstring{wchar_t(0xDC00), wchar_t(0xD800)}, std::nullopt},
          {L"Index" + std::wstring(1, wchar_t(0xDBFF)), L"C:\\" + std::wstring(1, wchar_t(0xD800)) + L"\\%n"},
          {long_a, long_b},
          {L"%s%n%x%p%%", L"%s\\%n\\%99999999d"},
          {std::nullopt, L"NullName"},
          {std::nullopt, std::nullopt},
          {L"", L""},
          {std::wstring(1, wchar_t(0xD800)), std::wstring(1, wchar_t(0xDC00))},
          {L"DB", L"Ledger\\DB"},
          {L"Index1", L"caf\u00e9 \U0001F600"}};
}

const char* ordering_policy = R"({
  "components": { "db": { "name": "DB" }, "logs": { "name": "Logs" }, "idx": { "name": "Index*" } },
  "restore": { "order": ["db"], "after": [{ "component": "idx", "after": "logs" }] }
})";

WideItem wide_of(const wchar_t* s) { return s ? WideItem(s) : std::nullopt; }
LPWSTR lpwstr_of(WideItem& s) { return s ? s->data() : nullptr; }

struct Fixture {
  std::vector<std::string> lines;
  CallLog log{[this](const std::string& l) { lines.push_back(l); }};
  std::unique_ptr<Clock> clock = win32::make_win32_clock();
  ServerLifetime lifetime{*clock, std::chrono::seconds(60)};

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
  // Held for the whole test: once the server's last object is released it stops serving
  // (CO_E_SERVER_STOPPING), as a COM local server does.
  auto backup = backup_of(core);
  BOOST_TEST(backup->CheckConsistency(nullptr, nullptr, nullptr, 3, nullptr, nullptr, &async) == S_FALSE);
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

// OrderComponents through the adapter with awkward strings: S_OK and out arrays that are an
// exact permutation of the input pairs, compared wchar_t by wchar_t, in the policy's order.
BOOST_AUTO_TEST_CASE(order_components_keeps_awkward_strings_exact) {
  auto core = std::make_shared<PolicyOrderingCore>(log, ordering_policy);
  auto restore = restore_of(core);
  auto pairs = awkward_pairs();
  std::vector<LPWSTR> in_names, in_paths;
  for (auto& [name, path] : pairs) {
    in_names.push_back(lpwstr_of(name));
    in_paths.push_back(lpwstr_of(path));
  }
  const DWORD count = static_cast<DWORD>(pairs.size());
  LPWSTR* names = nullptr;
  LPWSTR* paths = nullptr;
  BOOST_REQUIRE(restore->OrderComponents(count, in_names.data(), in_paths.data(), &names, &paths) == S_OK);
  BOOST_REQUIRE((names != nullptr && paths != nullptr));
  std::vector<std::pair<WideItem, WideItem>> got;
  for (DWORD i = 0; i < count; ++i) got.emplace_back(wide_of(names[i]), wide_of(paths[i]));
  for (DWORD i = 0; i < count; ++i) { CoTaskMemFree(names[i]); CoTaskMemFree(paths[i]); }
  CoTaskMemFree(names);
  CoTaskMemFree(paths);
  BOOST_TEST((got[0].first == WideItem(L"DB")));  // restore.order
  auto sent = pairs;
  std::sort(sent.begin(), sent.end());
  auto sorted = got;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST((sorted == sent), "the out arrays are not the input pairs");
}

// PreRestore through the adapter hands the core each string as the WTF-8 of its exact code units.
BOOST_AUTO_TEST_CASE(restore_strings_reach_the_core_exactly) {
  auto core = std::make_shared<PolicyOrderingCore>(log, ordering_policy);
  auto restore = restore_of(core);
  auto pairs = awkward_pairs();
  for (auto& [name, path] : pairs) {
    BOOST_REQUIRE(restore->PreRestore(lpwstr_of(name), lpwstr_of(name), lpwstr_of(path), FALSE) == S_OK);
    const RestoreRequest& r = core->received.back();
    const auto units = [](const OptionalString& s) -> WideItem {
      if (!s) return std::nullopt;
      const std::u16string w = utf8_to_utf16(*s);
      return std::wstring(w.begin(), w.end());
    };
    BOOST_TEST_REQUIRE((units(r.component_name) == name));
    BOOST_TEST_REQUIRE((units(r.component_logical_path) == path));
    BOOST_TEST_REQUIRE((units(r.writer_metadata) == name));
    BOOST_TEST_REQUIRE(is_valid_utf8(lines.back()));
  }
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
