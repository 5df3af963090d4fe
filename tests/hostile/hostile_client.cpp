// The hostile client (issue 10): a Win32 COM client that activates the registered add-in across
// processes (CoCreateInstance, CLSCTX_LOCAL_SERVER, through wsbkit-ps.dll) and calls its 7 methods
// with everything a careless or malicious caller can send. Raw COM (wsbapp.h), not the portable
// runtime: NULL pointers, counts past the IDL's ranges and NULL elements must reach the proxy as they are.
//
//   wsbkit-hostile-client --clsid {CLSID} hostile
//       every case below; each prints "ok - ..." or "FAIL - ..."; the add-in must answer a
//       follow-up call after each (it is alive), with a defined HRESULT, and OrderComponents'
//       outputs must be exact permutations of its inputs.
//   wsbkit-hostile-client --clsid {CLSID} soak --activations N --checks M [--tolerance-handles H] [--tolerance-kib K]
//                         [--batch [--first-cycle K]]
//       N activation/Release cycles (the add-in must exit after each last Release), then M
//       CheckConsistency/Abort cycles on one activation, sampling the add-in's handle count and
//       private bytes (GetProcessHandleCount / GetProcessMemoryInfo on its PID): they must stay flat
//       within the tolerances (growth from the first sample after the warm-up to the last).
//       --batch (one batch of scripts/soak.sh): one line per cycle ("cycle K: ..." / "check K: ..."
//       with its sample, numbered from K), no flatness judged over the batch's samples (the script
//       judges the whole soak's with `flat`), and an add-in that does not exit after a last Release
//       ends the run at once (exit 5), left running for the script to inspect.
//   wsbkit-hostile-client flat --samples FILE [--what TEXT] [--tolerance-handles H] [--tolerance-kib K]
//       judges samples ("HANDLES KIB" a line, in the order taken) as the soak judges its own.
//   --stall-s S: the watchdog also ends the run (exit 4) when no cycle completed for S seconds.
// Last line: "N passed, N failed". Exit 0 when nothing failed; 2 bad command line; 4 watchdog;
// 5 an add-in did not exit after its last Release (--batch).
#include <windows.h>
#include <objbase.h>
#include <psapi.h>
#include <tlhelp32.h>
#include <wrl/client.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wsbapp.h"

using Microsoft::WRL::ComPtr;

namespace {

constexpr HRESULT wsbapp_check_failed = static_cast<HRESULT>(0x807A0001u);
constexpr HRESULT wsbapp_pre_failed = static_cast<HRESULT>(0x807A0002u);
constexpr HRESULT wsbapp_post_failed = static_cast<HRESULT>(0x807A0003u);
constexpr HRESULT wsbapp_in_progress = static_cast<HRESULT>(0x007A0004u);
constexpr HRESULT wsbapp_in_progress_old = static_cast<HRESULT>(0x407A0004u);
// Refusals of the client's proxy, before the server is called (the IDL's range and [ref] rules).
constexpr HRESULT rpc_s_invalid_bound = static_cast<HRESULT>(0x800706C6u);
constexpr HRESULT rpc_x_null_ref_pointer = static_cast<HRESULT>(0x800706F4u);

std::string hex(HRESULT h) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(h));
  return text;
}

// The HRESULTs the add-in may answer (issue 10's list).
bool defined(HRESULT h) {
  for (HRESULT d : {S_OK, S_FALSE, E_INVALIDARG, E_POINTER, E_ABORT, E_OUTOFMEMORY, wsbapp_check_failed, wsbapp_pre_failed,
                    wsbapp_post_failed, wsbapp_in_progress}) {
    if (h == d) return true;
  }
  return false;
}

class Report {
 public:
  void check(bool ok, const std::string& what, const std::string& detail = {}) {
    std::lock_guard lock(mutex_);
    (ok ? passed_ : failed_)++;
    std::cout << (ok ? "ok - " : "FAIL - ") << what << (ok || detail.empty() ? "" : ": " + detail) << "\n" << std::flush;
  }
  void note(const std::string& text) {
    std::lock_guard lock(mutex_);
    std::cout << "# " << text << "\n" << std::flush;
  }
  int finish() const {
    std::cout << passed_ << " passed, " << failed_ << " failed\n" << std::flush;
    return failed_ == 0 ? 0 : 1;
  }

 private:
  std::mutex mutex_;
  int passed_ = 0;
  int failed_ = 0;
};

// A writable COM string (LPWSTR is not const).
struct Text {
  std::wstring s;
  LPWSTR p() { return s.data(); }
};

std::wstring repeat(const std::wstring& unit, std::size_t count) {
  std::wstring out;
  out.reserve(unit.size() * count);
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

// The strings every string parameter gets.
struct Hostile {
  std::string name;
  std::optional<std::wstring> text;  // nullopt: NULL
};

std::vector<Hostile> hostile_strings() {
  return {
      {"NULL", std::nullopt},
      {"empty", L""},
      {"64k characters", std::wstring(65536, L'x')},
      {"unpaired surrogates", std::wstring{L'D', static_cast<wchar_t>(0xD800), L'B', static_cast<wchar_t>(0xDC00)}},
      {"format specifiers", L"%s%n%x%p%n%s%ls"},
      {"garbage", std::wstring{static_cast<wchar_t>(1), static_cast<wchar_t>(0xFFFF), L'<', L'&', L'>', L'\\', L'"',
                               static_cast<wchar_t>(0xFEFF), L'\r', L'\n'}},
  };
}

// Writer metadata documents: garbage, huge, deep, and entity bombs.
std::vector<Hostile> hostile_metadata() {
  const std::wstring laughs =
      L"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      L"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      L"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
      L"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
      L"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
      L"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
      L"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
      L"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
      L"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
      L"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
      L"<WRITER_METADATA><BACKUP_LOCATIONS><FILE_GROUP componentName=\"Meta\"><FILE_LIST path=\"&lol9;\" filespec=\"*\"/>"
      L"</FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>";
  return {
      {"garbage XML", L"<<WRITER_METADATA <> &bogus; \x01 </x>"},
      {"10k-deep XML", repeat(L"<a>", 10000) + repeat(L"</a>", 10000)},
      {"billion laughs", laughs},
      {"10 Mi characters", L"<WRITER_METADATA>" + std::wstring(10u << 20, L'y') + L"</WRITER_METADATA>"},
      {"unpaired surrogates in XML", L"<WRITER_METADATA name=\"" + std::wstring(1, static_cast<wchar_t>(0xDBFF)) + L"\"/>"},
  };
}

LPWSTR ptr(std::optional<std::wstring>& t) { return t ? t->data() : nullptr; }

class Client {
 public:
  Client(const CLSID& clsid, Report& report) : clsid_(clsid), report_(report) {}

  HRESULT activate(ComPtr<IWsbApplicationBackupSupport>& backup, ComPtr<IWsbApplicationRestoreSupport>& restore) {
    HRESULT h = E_FAIL;
    for (int attempt = 0; attempt < 200; ++attempt) {
      h = create(backup);
      // A server between its revoke and its exit (CO_E_SERVER_STOPPING; under Wine also
      // RPC_S_UNKNOWN_IF / RPC_S_SERVER_UNAVAILABLE): tried again, as Windows' COM does.
      if (h != CO_E_SERVER_STOPPING && h != static_cast<HRESULT>(0x800706B5u) && h != static_cast<HRESULT>(0x800706BAu)) break;
      ++retried_;
      Sleep(25);
    }
    if (FAILED(h)) return h;
    return backup.As(&restore);
  }
  int retried() const { return retried_; }

 private:
  // What CoCreateInstance does, with one difference: the class factory's proxy is released a moment
  // after CreateInstance returned, not at once. Wine 8's rpcrt4 can deadlock the server when the
  // factory's last RemRelease arrives while the worker thread that ran CreateInstance has not yet
  // counted its call as done (the server's RemRelease waits in RpcServerUnregisterIf for calls on
  // IClassFactory that never complete, and the client waits for the RemRelease): seen every few
  // hundred activations under load, client and add-in hung. Windows' COM is not affected.
  HRESULT create(ComPtr<IWsbApplicationBackupSupport>& backup) {
    ComPtr<IClassFactory> factory;
    HRESULT h = CoGetClassObject(clsid_, CLSCTX_LOCAL_SERVER, nullptr, IID_IClassFactory,
                                 reinterpret_cast<void**>(factory.GetAddressOf()));
    if (FAILED(h)) return h;
    h = factory->CreateInstance(nullptr, IID_IWsbApplicationBackupSupport, reinterpret_cast<void**>(backup.ReleaseAndGetAddressOf()));
    Sleep(100);
    return h;
  }

  CLSID clsid_;
  Report& report_;
  int retried_ = 0;
};

// --- the hostile cases -------------------------------------------------------------------------

struct Target {
  ComPtr<IWsbApplicationBackupSupport> backup;
  ComPtr<IWsbApplicationRestoreSupport> restore;
};

class Hostility {
 public:
  Hostility(Target& t, Report& r) : t_(t), r_(r) {}

  // The answer is one of `allowed` (by default: a defined HRESULT) and the server answers after.
  void answered(const std::string& what, HRESULT h, std::vector<HRESULT> allowed = {}) {
    const bool ok = allowed.empty() ? defined(h) : std::find(allowed.begin(), allowed.end(), h) != allowed.end();
    r_.check(ok, what + " -> " + hex(h), "not a defined HRESULT");
    alive(what);
  }
  void alive(const std::string& after) {
    BOOLEAN b = 2;
    const HRESULT h = t_.restore->IsRollForwardSupported(&b);
    if (h != S_OK || (b != TRUE && b != FALSE)) r_.check(false, "server alive after " + after, hex(h));
    else ++alive_checks_;
  }
  int alive_checks() const { return alive_checks_; }

  HRESULT check(std::optional<std::wstring> meta, std::optional<std::wstring> name, std::optional<std::wstring> path,
                DWORD count, LPWSTR* sources, LPWSTR* snapshots, ComPtr<IWsbApplicationAsync>* async = nullptr,
                HRESULT* result = nullptr) {
    ComPtr<IWsbApplicationAsync> local;
    ComPtr<IWsbApplicationAsync>& out = async ? *async : local;
    const HRESULT h = t_.backup->CheckConsistency(ptr(meta), ptr(name), ptr(path), count, sources, snapshots,
                                                  out.ReleaseAndGetAddressOf());
    if (h == S_OK && !out) r_.check(false, "CheckConsistency S_OK gives an async object");
    if (h != S_OK && out) r_.check(false, "CheckConsistency " + hex(h) + " gives no async object");
    if (out && !async) {
      const HRESULT status = settle(out.Get());
      if (result) *result = status;
    }
    return h;
  }
  // Waits for a check to end (aborting it after 10 s); its final status must be defined.
  HRESULT settle(IWsbApplicationAsync* async) {
    HRESULT status = wsbapp_in_progress;
    for (int i = 0; i < 1000 && (status == wsbapp_in_progress || status == wsbapp_in_progress_old); ++i) {
      if (i == 500) async->Abort();
      if (async->QueryStatus(&status) != S_OK) return r_.check(false, "QueryStatus while settling"), E_UNEXPECTED;
      Sleep(20);
    }
    if (!defined(status) || status == wsbapp_in_progress) r_.check(false, "a check settles with a defined status", hex(status));
    return status;
  }

  void check_consistency();
  void async_orders();
  void order_components();
  void restores();
  void roll_forward();
  void storm(int threads, int calls);
  void after_release(Client& client);
  std::vector<std::wstring> order_and_check(const std::string& what, std::vector<std::optional<std::wstring>> names,
                                            std::vector<std::optional<std::wstring>> paths);


 private:
  Target& t_;
  Report& r_;
  std::atomic<int> alive_checks_{0};
};

std::vector<LPWSTR> pointers(std::vector<std::wstring>& strings) {
  std::vector<LPWSTR> out;
  for (auto& s : strings) out.push_back(s.data());
  return out;
}

void Hostility::check_consistency() {
  std::vector<std::wstring> src{L"C:\\"}, snap{L"C:\\snap\\"};
  auto s = pointers(src), n = pointers(snap);
  // Every string parameter, each hostile string (the others plain).
  for (auto& h : hostile_strings()) {
    answered("CheckConsistency(metadata " + h.name + ")", check(h.text, L"Quick", std::nullopt, 1, s.data(), n.data()));
    answered("CheckConsistency(component " + h.name + ")", check(std::nullopt, h.text, std::nullopt, 1, s.data(), n.data()));
    answered("CheckConsistency(logical path " + h.name + ")", check(std::nullopt, L"Quick", h.text, 1, s.data(), n.data()));
    std::optional<std::wstring> v = h.text;
    LPWSTR element = ptr(v);
    answered("CheckConsistency(a volume " + h.name + ")", check(std::nullopt, L"Quick", std::nullopt, 1, &element, n.data()));
    answered("CheckConsistency(a snapshot " + h.name + ")", check(std::nullopt, L"Quick", std::nullopt, 1, s.data(), &element));
  }
  // The check of the writer's file groups: unusable metadata fails the check (never a crash, never a pass).
  for (auto& h : hostile_metadata()) {
    HRESULT result = S_OK;
    const std::string what = "CheckConsistency(Meta, writer metadata " + h.name + ")";
    answered(what, check(h.text, L"Meta", std::nullopt, 1, s.data(), n.data(), nullptr, &result));
    const bool unusable = h.name != "10 Mi characters" && h.name != "unpaired surrogates in XML";
    r_.check(unusable ? result == wsbapp_check_failed : defined(result), what + ": result " + hex(result),
             unusable ? "should fail the check" : "undefined");
  }
  // Counts and NULL arrays ([unique]: allowed).
  answered("CheckConsistency(0 volumes, NULL arrays)", check(std::nullopt, L"Quick", std::nullopt, 0, nullptr, nullptr));
  answered("CheckConsistency(1 volume, NULL arrays)", check(std::nullopt, L"Quick", std::nullopt, 1, nullptr, nullptr));
  answered("CheckConsistency(1 volume, NULL snapshots)", check(std::nullopt, L"Quick", std::nullopt, 1, s.data(), nullptr));
  for (DWORD count : {1000u, 1001u}) {
    std::vector<std::wstring> many_src(count), many_snap(count);
    for (DWORD i = 0; i < count; ++i) {
      many_src[i] = L"\\\\?\\Volume{" + std::to_wstring(i) + L"}\\";
      many_snap[i] = L"C:\\snap" + std::to_wstring(i) + L"\\";
    }
    auto ms = pointers(many_src), mn = pointers(many_snap);
    const HRESULT h = check(std::nullopt, L"Quick", std::nullopt, count, ms.data(), mn.data());
    if (count == 1000) answered("CheckConsistency(1000 volumes)", h);
    else answered("CheckConsistency(1001 volumes) refused", h, {E_INVALIDARG, rpc_s_invalid_bound});
  }
  std::vector<LPWSTR> nulls(3, nullptr);
  answered("CheckConsistency(3 NULL volume elements)", check(std::nullopt, L"Quick", std::nullopt, 3, nulls.data(), nulls.data()));
  // NULL out pointer: the proxy refuses it ([out] is [ref]), or the server answers E_POINTER.
  const HRESULT h = t_.backup->CheckConsistency(nullptr, nullptr, nullptr, 0, nullptr, nullptr, nullptr);
  answered("CheckConsistency(ppAsync NULL) refused", h, {E_POINTER, rpc_x_null_ref_pointer});
}

// QueryStatus and Abort in every order.
void Hostility::async_orders() {
  std::vector<std::wstring> src{L"C:\\"}, snap{L"C:\\snap\\"};
  auto s = pointers(src), n = pointers(snap);
  auto start = [&](const wchar_t* component, ComPtr<IWsbApplicationAsync>& a) {
    const HRESULT h = check(std::nullopt, std::wstring(component), std::nullopt, 1, s.data(), n.data(), &a);
    r_.check(h == S_OK && a, std::string("CheckConsistency(") + (component[0] == L'S' ? "Slow" : "Quick") + ") starts a check", hex(h));
    return h == S_OK && a;
  };
  auto status = [&](IWsbApplicationAsync* a, const std::string& what, std::vector<HRESULT> results) {
    HRESULT result = 0x12345678;
    const HRESULT h = a->QueryStatus(&result);
    const bool ok = h == S_OK && std::find(results.begin(), results.end(), result) != results.end();
    r_.check(ok, what + ": QueryStatus " + hex(h) + ", result " + hex(result));
    alive(what);
  };
  {
    ComPtr<IWsbApplicationAsync> a;
    if (start(L"Slow", a)) {
      status(a.Get(), "before completion", {wsbapp_in_progress, wsbapp_in_progress_old});
      answered("Abort before completion", a->Abort(), {S_OK});
      answered("Abort twice", a->Abort(), {S_OK});
      HRESULT result = wsbapp_in_progress;
      for (int i = 0; i < 500 && (result == wsbapp_in_progress || result == wsbapp_in_progress_old); ++i) {
        if (a->QueryStatus(&result) != S_OK) break;
        Sleep(20);
      }
      r_.check(result == E_ABORT, "QueryStatus after Abort: E_ABORT", hex(result));
      status(a.Get(), "QueryStatus after Abort, twice", {E_ABORT});
      answered("QueryStatus(NULL) refused", a->QueryStatus(nullptr), {E_POINTER, rpc_x_null_ref_pointer});
    }
  }
  {
    ComPtr<IWsbApplicationAsync> a;
    if (start(L"Quick", a)) {
      settle(a.Get());
      status(a.Get(), "after completion", {S_OK, wsbapp_check_failed});
      answered("Abort after completion", a->Abort(), {S_OK});
      status(a.Get(), "after completion and Abort: the result stays", {S_OK, wsbapp_check_failed});
      answered("Abort after completion, twice", a->Abort(), {S_OK});
    }
  }
  {
    // Released while running (the server aborts it), and a check whose add-in object is released first.
    ComPtr<IWsbApplicationAsync> a;
    if (start(L"Slow", a)) {
      a.Reset();
      alive("Release of a running check");
    }
    ComPtr<IWsbApplicationAsync> b;
    if (start(L"Slow", b)) {
      status(b.Get(), "QueryStatus on a running check", {wsbapp_in_progress, wsbapp_in_progress_old});
      answered("Abort then Release", b->Abort(), {S_OK});
      b.Reset();
      alive("Release of an aborted check");
    }
  }
}

// A check that outlives the add-in object that started it: QueryStatus and Abort still answer.
void Hostility::after_release(Client& client) {
  Target other;
  const HRESULT h = client.activate(other.backup, other.restore);
  r_.check(SUCCEEDED(h), "a second add-in object is activated", hex(h));
  if (FAILED(h)) return;
  std::vector<std::wstring> src{L"C:\\"}, snap{L"C:\\snap\\"};
  auto s = pointers(src), n = pointers(snap);
  ComPtr<IWsbApplicationAsync> a;
  const HRESULT started = other.backup->CheckConsistency(nullptr, Text{L"Slow"}.p(), nullptr, 1, s.data(), n.data(), &a);
  r_.check(started == S_OK && a, "the second object starts a check", hex(started));
  if (!a) return;
  other.backup.Reset();
  other.restore.Reset();
  HRESULT result = 0;
  const HRESULT q = a->QueryStatus(&result);
  r_.check(q == S_OK && (result == wsbapp_in_progress || result == wsbapp_in_progress_old || defined(result)),
           "QueryStatus after its add-in object's Release: " + hex(q) + ", result " + hex(result));
  answered("Abort after its add-in object's Release", a->Abort(), {S_OK});
  settle(a.Get());
  a.Reset();
  alive("the check outliving its object");
}

// Names/paths in, both outputs: S_OK with an exact permutation of the pairs, or S_FALSE with NULLs.
std::vector<std::wstring> Hostility::order_and_check(const std::string& what, std::vector<std::optional<std::wstring>> names,
                                                     std::vector<std::optional<std::wstring>> paths) {
  std::vector<LPWSTR> n, p;
  for (auto& x : names) n.push_back(ptr(x));
  for (auto& x : paths) p.push_back(ptr(x));
  n.reserve(1);  // size_is(0) arrays are [ref]: never NULL, even empty
  p.reserve(1);
  LPWSTR* out_names = nullptr;
  LPWSTR* out_paths = nullptr;
  const DWORD count = static_cast<DWORD>(names.size());
  const HRESULT h = t_.restore->OrderComponents(count, n.data(), p.data(), &out_names, &out_paths);
  std::vector<std::wstring> order;
  if (h == S_OK && count > 0) {
    std::vector<std::pair<std::wstring, std::wstring>> in, out;
    const auto text = [](LPWSTR s) { return s ? L"+" + std::wstring(s) : std::wstring(L"-"); };
    bool arrays = out_names && out_paths;
    for (DWORD i = 0; i < count; ++i) in.emplace_back(text(n[i]), text(p[i]));
    for (DWORD i = 0; arrays && i < count; ++i) {
      out.emplace_back(text(out_names[i]), text(out_paths[i]));
      order.push_back(out.back().first);
    }
    std::sort(in.begin(), in.end());
    auto sorted = out;
    std::sort(sorted.begin(), sorted.end());
    r_.check(arrays && sorted == in, what + ": the outputs are an exact permutation of the inputs");
  } else if (h == S_FALSE) {
    r_.check(!out_names && !out_paths, what + ": S_FALSE comes with NULL outputs");
  }
  for (DWORD i = 0; out_names && i < count; ++i) CoTaskMemFree(out_names[i]);
  for (DWORD i = 0; out_paths && i < count; ++i) CoTaskMemFree(out_paths[i]);
  CoTaskMemFree(out_names);
  CoTaskMemFree(out_paths);
  answered(what, h);
  return order;
}

void Hostility::order_components() {
  using Names = std::vector<std::optional<std::wstring>>;
  for (std::size_t count : {0u, 1u, 1000u, 10000u}) {
    Names names, paths;
    for (std::size_t i = 0; i < count; ++i) {
      names.emplace_back(i % 7 == 0 ? L"DB" : i % 7 == 1 ? L"Logs" : L"C" + std::to_wstring(i));
      paths.emplace_back(i % 3 == 0 ? std::optional<std::wstring>() : std::optional<std::wstring>(L"P\\" + std::to_wstring(i % 5)));
    }
    if (count == 0) {
      // size_is(0) with NULL arrays: [ref] pointers, so the proxy may refuse them.
      LPWSTR* on = nullptr;
      LPWSTR* op = nullptr;
      answered("OrderComponents(0, NULL arrays)", t_.restore->OrderComponents(0, nullptr, nullptr, &on, &op),
               {S_OK, S_FALSE, E_INVALIDARG, E_POINTER, rpc_x_null_ref_pointer});
      CoTaskMemFree(on);
      CoTaskMemFree(op);
    }
    order_and_check("OrderComponents(" + std::to_string(count) + ")", names, paths);
  }
  const auto policy = order_and_check("OrderComponents(Logs, DB): the policy's order", {L"Logs", L"DB"}, {std::nullopt, std::nullopt});
  r_.check(policy == std::vector<std::wstring>{L"+DB", L"+Logs"}, "OrderComponents puts DB before Logs");
  {
    std::vector<std::wstring> names(10001, L"C"), paths(10001, L"P");
    auto n = pointers(names), p = pointers(paths);
    LPWSTR* on = nullptr;
    LPWSTR* op = nullptr;
    answered("OrderComponents(10001) refused", t_.restore->OrderComponents(10001, n.data(), p.data(), &on, &op),
             {E_INVALIDARG, rpc_s_invalid_bound});
    r_.check(!on && !op, "OrderComponents(10001): NULL outputs");
  }
  for (auto& h : hostile_strings()) {
    order_and_check("OrderComponents(a name " + h.name + ")", {h.text, L"DB", L"Logs", h.text}, {std::nullopt, h.text, L"", h.text});
  }
  order_and_check("OrderComponents(duplicates)", {L"DB", L"db", L"DB", L"Logs"}, {std::nullopt, std::nullopt, std::nullopt, L"x"});
  std::vector<std::wstring> one{L"DB"};
  auto n1 = pointers(one);
  answered("OrderComponents(NULL outputs) refused", t_.restore->OrderComponents(1, n1.data(), n1.data(), nullptr, nullptr),
           {E_POINTER, rpc_x_null_ref_pointer});
}

void Hostility::restores() {
  auto both = [&](const std::string& what, std::optional<std::wstring> meta, std::optional<std::wstring> name,
                  std::optional<std::wstring> path, BOOLEAN no_roll_forward) {
    answered("PreRestore(" + what + ")", t_.restore->PreRestore(ptr(meta), ptr(name), ptr(path), no_roll_forward));
    answered("PostRestore(" + what + ")", t_.restore->PostRestore(ptr(meta), ptr(name), ptr(path), no_roll_forward));
  };
  for (auto& h : hostile_strings()) {
    both("metadata " + h.name, h.text, L"DB", std::nullopt, FALSE);
    both("component " + h.name, std::nullopt, h.text, std::nullopt, FALSE);
    both("logical path " + h.name, std::nullopt, L"Logs", h.text, TRUE);
  }
  for (auto& h : hostile_metadata()) both("writer metadata " + h.name, h.text, L"DB", std::nullopt, FALSE);
  both("bNoRollForward 255", std::nullopt, L"DB", std::nullopt, 255);
  both("all NULL", std::nullopt, std::nullopt, std::nullopt, FALSE);
  // PostRestore before any PreRestore, PreRestore twice.
  answered("PostRestore(Logs) alone", t_.restore->PostRestore(nullptr, Text{L"Logs"}.p(), nullptr, FALSE));
  Text db{L"DB"};
  answered("PreRestore(DB)", t_.restore->PreRestore(nullptr, db.p(), nullptr, FALSE));
  answered("PreRestore(DB) twice", t_.restore->PreRestore(nullptr, db.p(), nullptr, FALSE));
}

void Hostility::roll_forward() {
  BOOLEAN b = 7;
  answered("IsRollForwardSupported", t_.restore->IsRollForwardSupported(&b), {S_OK});
  r_.check(b == TRUE || b == FALSE, "IsRollForwardSupported gives TRUE or FALSE", std::to_string(b));
  answered("IsRollForwardSupported(NULL) refused", t_.restore->IsRollForwardSupported(nullptr), {E_POINTER, rpc_x_null_ref_pointer});
}

// `threads` threads, each in the MTA, calling every method at once on the same object.
void Hostility::storm(int threads, int calls) {
  std::atomic<int> undefined{0}, made{0}, permutations{0}, orders{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return ++undefined, void();
      std::vector<std::wstring> src{L"C:\\"}, snap{L"C:\\snap\\"}, names{L"Logs", L"X", L"DB"}, paths{L"a", L"", L"b"};
      auto s = pointers(src), n = pointers(snap), nn = pointers(names), pp = pointers(paths);
      for (int i = 0; i < calls; ++i) {
        HRESULT h = S_OK;
        switch ((t + i) % 6) {
          case 0: {
            ComPtr<IWsbApplicationAsync> a;
            h = t_.backup->CheckConsistency(nullptr, Text{i % 2 ? L"Quick" : L"Slow"}.p(), nullptr, 1, s.data(), n.data(), &a);
            if (a) {
              HRESULT st = 0;
              if (a->QueryStatus(&st) != S_OK || !defined(st)) ++undefined;
              if (i % 3 == 0 && a->Abort() != S_OK) ++undefined;
            }
            break;
          }
          case 1: {
            LPWSTR* on = nullptr;
            LPWSTR* op = nullptr;
            h = t_.restore->OrderComponents(3, nn.data(), pp.data(), &on, &op);
            if (h == S_OK) ++orders;
            if (h == S_OK && on && op) {
              std::vector<std::wstring> got;
              for (int k = 0; k < 3; ++k) got.push_back(std::wstring(on[k]) + L"|" + op[k]);
              std::sort(got.begin(), got.end());
              if (got == std::vector<std::wstring>{L"DB|b", L"Logs|a", L"X|"}) ++permutations;
            }
            for (int k = 0; on && k < 3; ++k) CoTaskMemFree(on[k]);
            for (int k = 0; op && k < 3; ++k) CoTaskMemFree(op[k]);
            CoTaskMemFree(on);
            CoTaskMemFree(op);
            break;
          }
          case 2: h = t_.restore->PreRestore(nullptr, Text{L"DB"}.p(), nullptr, FALSE); break;
          case 3: h = t_.restore->PostRestore(nullptr, Text{L"DB"}.p(), nullptr, FALSE); break;
          case 4: { BOOLEAN b; h = t_.restore->IsRollForwardSupported(&b); break; }
          default: h = t_.restore->PostRestore(Text{L"<x"}.p(), Text{L"Logs"}.p(), nullptr, TRUE); break;
        }
        ++made;
        if (!defined(h)) ++undefined;
      }
      CoUninitialize();
    });
  }
  for (auto& w : workers) w.join();
  r_.check(undefined == 0, std::to_string(threads) + " threads x " + std::to_string(calls) + " calls of every method at once: every answer defined",
           std::to_string(undefined) + " undefined of " + std::to_string(made));
  r_.check(orders > 0 && permutations == orders, "the storm's OrderComponents (S_OK) all give exact permutations",
           std::to_string(permutations.load()) + " of " + std::to_string(orders.load()));
  alive("the storm");
}

int run_hostile(const CLSID& clsid, Report& report) {
  Client client(clsid, report);
  Target t;
  const HRESULT h = client.activate(t.backup, t.restore);
  report.check(SUCCEEDED(h), "the add-in is activated across processes", hex(h));
  if (FAILED(h)) return report.finish();
  Hostility hostility(t, report);
  hostility.roll_forward();
  hostility.check_consistency();
  hostility.async_orders();
  hostility.order_components();
  hostility.restores();
  hostility.storm(8, 60);
  hostility.after_release(client);
  // A whole restore ends the session the hostile calls opened (so the server may exit after).
  hostility.order_and_check("OrderComponents(DB, Logs)", {L"DB", L"Logs"}, {std::nullopt, std::nullopt});
  for (const wchar_t* c : {L"DB", L"Logs"}) {
    hostility.answered("PreRestore", t.restore->PreRestore(nullptr, Text{c}.p(), nullptr, FALSE), {S_OK});
    hostility.answered("PostRestore", t.restore->PostRestore(nullptr, Text{c}.p(), nullptr, FALSE), {S_OK});
  }
  report.note("follow-up calls answered: " + std::to_string(hostility.alive_checks()) + "; activations retried: " +
              std::to_string(client.retried()));
  return report.finish();
}

// --- the soak ----------------------------------------------------------------------------------

// The add-in's process (this prefix's only wsbkit-addin.exe), 0 when none runs.
DWORD addin_pid() {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) return 0;
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof entry;
  DWORD pid = 0;
  for (BOOL more = Process32FirstW(snapshot, &entry); more && pid == 0; more = Process32NextW(snapshot, &entry)) {
    if (_wcsicmp(entry.szExeFile, L"wsbkit-addin.exe") == 0) pid = entry.th32ProcessID;
  }
  CloseHandle(snapshot);
  return pid;
}

struct Process {
  HANDLE h = nullptr;
  explicit Process(DWORD pid)
      : h(pid ? OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid) : nullptr) {}
  ~Process() { if (h) CloseHandle(h); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
};

struct Sample {
  DWORD handles = 0;
  SIZE_T private_bytes = 0;
};

// The handles `pid` holds, from the system's handle table (NtQuerySystemInformation,
// SystemHandleInformation: Windows, and Wine, whose GetProcessHandleCount is a stub answering 0).
std::optional<DWORD> handles_in_system_table(DWORD pid) {
  struct Entry {
    ULONG owner_pid;
    BYTE object_type;
    BYTE flags;
    USHORT handle;
    PVOID object;
    ULONG access;
  };
  using Query = LONG(WINAPI*)(ULONG, PVOID, ULONG, PULONG);
  static const auto query = reinterpret_cast<Query>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation")));
  if (!query) return std::nullopt;
  constexpr ULONG system_handle_information = 16;
  constexpr LONG info_length_mismatch = static_cast<LONG>(0xC0000004u);
  std::vector<unsigned char> buffer(1 << 20);
  for (int attempt = 0; attempt < 8; ++attempt) {
    ULONG needed = 0;
    const LONG status = query(system_handle_information, buffer.data(), static_cast<ULONG>(buffer.size()), &needed);
    if (status == info_length_mismatch) {
      buffer.resize(std::max<std::size_t>(buffer.size() * 2, needed + 4096));
      continue;
    }
    if (status < 0) return std::nullopt;
    const ULONG count = *reinterpret_cast<const ULONG*>(buffer.data());
    const auto* entries = reinterpret_cast<const Entry*>(buffer.data() + sizeof(ULONG_PTR));
    DWORD mine = 0;
    for (ULONG i = 0; i < count; ++i) mine += entries[i].owner_pid == pid ? 1 : 0;
    return mine;
  }
  return std::nullopt;
}

// Handles: GetProcessHandleCount, or the system's handle table where that answers 0 (Wine).
// Private bytes: PrivateUsage, or PagefileUsage (the commit charge, the same figure on Windows)
// where PrivateUsage is 0 (Wine fills only PagefileUsage and the working set, from /proc).
std::optional<Sample> sample(HANDLE process, DWORD pid) {
  Sample s;
  PROCESS_MEMORY_COUNTERS_EX memory{};
  memory.cb = sizeof memory;
  if (!GetProcessHandleCount(process, &s.handles)) return std::nullopt;
  if (s.handles == 0) {
    const auto counted = handles_in_system_table(pid);
    if (!counted) return std::nullopt;
    s.handles = *counted;
  }
  if (!GetProcessMemoryInfo(process, reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&memory), sizeof memory)) return std::nullopt;
  s.private_bytes = memory.PrivateUsage != 0 ? memory.PrivateUsage : memory.PagefileUsage;
  if (s.handles == 0 || s.private_bytes == 0) return std::nullopt;  // no real figure: never a vacuous "flat"
  return s;
}

struct SoakOptions {
  int activations = 20;
  int checks = 20;
  long tolerance_handles = 32;
  long tolerance_kib = 8192;
  bool batch = false;    // one batch of scripts/soak.sh (see the top of this file)
  int first_cycle = 1;   // the number of this batch's first activation cycle in the whole soak
};

// When the last cycle completed (milliseconds of the steady clock), for the watchdog's --stall-s.
std::atomic<long long> last_progress_ms{0};
long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
void progressed() { last_progress_ms = now_ms(); }

// Flat: no sample after the warm-up (the first tenth) exceeds the warm-up's by more than the tolerance.
void flat(Report& report, const std::string& what, const std::vector<Sample>& samples, const SoakOptions& o) {
  if (samples.size() < 2) return report.check(false, what + ": sampled", std::to_string(samples.size()) + " samples");
  const std::size_t warm = samples.size() / 10;
  long max_handles = 0, max_kib = 0;
  DWORD top_handles = 0;
  SIZE_T top_bytes = 0;
  for (std::size_t i = warm; i < samples.size(); ++i) {
    max_handles = std::max(max_handles, static_cast<long>(samples[i].handles) - static_cast<long>(samples[warm].handles));
    max_kib = std::max(max_kib, static_cast<long>(samples[i].private_bytes / 1024) - static_cast<long>(samples[warm].private_bytes / 1024));
  }
  for (const Sample& s : samples) {
    top_handles = std::max(top_handles, s.handles);
    top_bytes = std::max(top_bytes, s.private_bytes);
  }
  report.note(what + ": " + std::to_string(samples.size()) + " samples; handles " + std::to_string(samples[warm].handles) +
              " -> " + std::to_string(samples.back().handles) + " (max +" + std::to_string(max_handles) + "), private " +
              std::to_string(samples[warm].private_bytes / 1024) + " KiB -> " + std::to_string(samples.back().private_bytes / 1024) +
              " KiB (max +" + std::to_string(max_kib) + " KiB)");
  report.note("figures: handles first " + std::to_string(samples.front().handles) + " last " + std::to_string(samples.back().handles) +
              " max " + std::to_string(top_handles) + "; private KiB first " + std::to_string(samples.front().private_bytes / 1024) +
              " last " + std::to_string(samples.back().private_bytes / 1024) + " max " + std::to_string(top_bytes / 1024));
  report.check(max_handles <= o.tolerance_handles, what + ": handle count flat (within +" + std::to_string(o.tolerance_handles) + ")",
               "+" + std::to_string(max_handles));
  report.check(max_kib <= o.tolerance_kib, what + ": private bytes flat (within +" + std::to_string(o.tolerance_kib) + " KiB)",
               "+" + std::to_string(max_kib) + " KiB");
}

// --batch: an add-in left after its last Release ends the run at once, the process left for the
// script to inspect (Wine's own deadlock in CoUninitialize, or a failure: the script tells them apart).
[[noreturn]] void stuck(const std::string& where, DWORD pid) {
  std::cout << "STUCK: " << where << ": the add-in (pid " << pid << ") did not exit within 15 s of its last Release\n" << std::flush;
  std::_Exit(5);
}

void soak_activations(Client& client, Report& report, const SoakOptions& o) {
  std::vector<Sample> samples;
  int answered = 0, exited = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < o.activations; ++i) {
    const int cycle = o.first_cycle + i;
    Target t;
    if (const HRESULT h = client.activate(t.backup, t.restore); FAILED(h)) {
      report.note("activation " + std::to_string(cycle) + " failed: " + hex(h));
      break;
    }
    BOOLEAN b;
    const bool answer = t.restore->IsRollForwardSupported(&b) == S_OK;
    answered += answer ? 1 : 0;
    const DWORD pid = addin_pid();
    Process process(pid);
    std::optional<Sample> s;
    if (process.h) s = sample(process.h, pid);
    if (s) samples.push_back(*s);
    t.backup.Reset();
    t.restore.Reset();
    const bool exit = process.h && WaitForSingleObject(process.h, 15000) == WAIT_OBJECT_0;
    exited += exit ? 1 : 0;
    if (o.batch && !exit) stuck("cycle " + std::to_string(cycle), pid);
    if (o.batch) {
      std::cout << "cycle " << cycle << ": answered " << answer << " exited " << exit << " pid " << pid << " sample "
                << (s ? std::to_string(s->handles) + " " + std::to_string(s->private_bytes / 1024) : std::string("none")) << "\n"
                << std::flush;
    }
    progressed();
    if (!o.batch && (i + 1) % std::max(1, o.activations / 10) == 0) {
      report.note("activation cycle " + std::to_string(i + 1) + ": answered " + std::to_string(answered) + ", exited " +
                  std::to_string(exited));
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  report.note(std::to_string(o.activations) + " activation/Release cycles in " + std::to_string(ms) + " ms");
  report.check(answered == o.activations, "every activation answered a call", std::to_string(answered) + " of " + std::to_string(o.activations));
  report.check(exited == o.activations, "the add-in exited after every last Release", std::to_string(exited) + " of " + std::to_string(o.activations));
  if (!o.batch) flat(report, "activation cycles (one process each, sampled after its call)", samples, o);
}

void soak_checks(Client& client, Report& report, const SoakOptions& o) {
  Target t;
  const HRESULT h = client.activate(t.backup, t.restore);
  if (FAILED(h)) return report.check(false, "activation for the check cycles", hex(h));
  const DWORD pid = addin_pid();
  Process process(pid);
  report.check(process.h != nullptr, "the add-in's process is open for sampling", std::to_string(GetLastError()));
  std::vector<std::wstring> src{L"C:\\"}, snap{L"C:\\snap\\"};
  auto s = pointers(src), n = pointers(snap);
  std::vector<Sample> samples;
  int aborted = 0;
  const auto started = std::chrono::steady_clock::now();
  const int every = std::max(1, o.checks / 100);
  for (int i = 0; i < o.checks; ++i) {
    ComPtr<IWsbApplicationAsync> a;
    if (t.backup->CheckConsistency(nullptr, Text{L"Slow"}.p(), nullptr, 1, s.data(), n.data(), &a) != S_OK || !a) break;
    if (a->Abort() != S_OK) break;
    HRESULT result = wsbapp_in_progress;
    for (int k = 0; k < 2000 && (result == wsbapp_in_progress || result == wsbapp_in_progress_old); ++k) {
      if (a->QueryStatus(&result) != S_OK) break;
      if (result == wsbapp_in_progress) Sleep(5);
    }
    if (result == E_ABORT) ++aborted;
    a.Reset();
    std::optional<Sample> sampled;
    if (process.h && i % every == 0) sampled = sample(process.h, pid);
    if (sampled) samples.push_back(*sampled);
    if (o.batch) {
      std::cout << "check " << o.first_cycle + i << ": aborted " << (result == E_ABORT) << " sample "
                << (sampled ? std::to_string(sampled->handles) + " " + std::to_string(sampled->private_bytes / 1024) : std::string("none"))
                << "\n" << std::flush;
    }
    progressed();
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  report.note(std::to_string(o.checks) + " CheckConsistency/Abort cycles in " + std::to_string(ms) + " ms");
  report.check(aborted == o.checks, "every check aborted ends E_ABORT", std::to_string(aborted) + " of " + std::to_string(o.checks));
  if (!o.batch) flat(report, "CheckConsistency/Abort cycles (one process)", samples, o);
  t.backup.Reset();
  t.restore.Reset();
  const bool exit = process.h && WaitForSingleObject(process.h, 15000) == WAIT_OBJECT_0;
  if (o.batch && !exit) stuck("after the check cycles", pid);
  report.check(exit, "the add-in exited after the last Release");
}

int run_soak(const CLSID& clsid, Report& report, const SoakOptions& o) {
  Client client(clsid, report);
  if (o.activations > 0) soak_activations(client, report, o);
  if (o.checks > 0) soak_checks(client, report, o);
  report.note("activations retried: " + std::to_string(client.retried()));
  return report.finish();
}

// `flat` over samples another run took (scripts/soak.sh: the samples of every batch, in order).
int run_flat(const std::string& path, const std::string& what, Report& report, const SoakOptions& o) {
  std::ifstream in(path);
  report.check(in.good(), "the samples are read from " + path);
  std::vector<Sample> samples;
  unsigned long handles = 0;
  unsigned long long kib = 0;
  int zero = 0;
  while (in >> handles >> kib) {
    zero += handles == 0 || kib == 0 ? 1 : 0;  // no real figure: never a vacuous "flat"
    samples.push_back(Sample{static_cast<DWORD>(handles), static_cast<SIZE_T>(kib) * 1024});
  }
  report.check(in.eof(), "every line of the samples is \"HANDLES KIB\"");
  report.check(zero == 0, "no sample is 0", std::to_string(zero) + " are");
  flat(report, what, samples, o);
  return report.finish();
}

}  // namespace

int main(int argc, char** argv) {
  std::string clsid_text, mode, samples_path, what = "samples";
  SoakOptions soak;
  int timeout_s = 600, stall_s = 0;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const bool v = i + 1 < argc;
      if (a == "--clsid" && v) clsid_text = argv[++i];
      else if (a == "--activations" && v) soak.activations = std::stoi(argv[++i]);
      else if (a == "--checks" && v) soak.checks = std::stoi(argv[++i]);
      else if (a == "--tolerance-handles" && v) soak.tolerance_handles = std::stol(argv[++i]);
      else if (a == "--tolerance-kib" && v) soak.tolerance_kib = std::stol(argv[++i]);
      else if (a == "--timeout-s" && v) timeout_s = std::stoi(argv[++i]);
      else if (a == "--stall-s" && v) stall_s = std::stoi(argv[++i]);
      else if (a == "--first-cycle" && v) soak.first_cycle = std::stoi(argv[++i]);
      else if (a == "--batch") soak.batch = true;
      else if (a == "--samples" && v) samples_path = argv[++i];
      else if (a == "--what" && v) what = argv[++i];
      else if (a == "hostile" || a == "soak" || a == "flat") mode = a;
      else throw std::invalid_argument(a);
    }
  } catch (const std::exception&) {
    mode.clear();
  }
  if (mode == "flat" && !samples_path.empty()) {
    Report report;
    return run_flat(samples_path, what, report, soak);
  }
  CLSID clsid;
  const std::wstring wide(clsid_text.begin(), clsid_text.end());
  if (mode.empty() || mode == "flat" || FAILED(CLSIDFromString(wide.c_str(), &clsid))) {
    std::cerr << "usage: wsbkit-hostile-client --clsid {CLSID} [--timeout-s T] [--stall-s S] hostile | soak [--activations N]"
                 " [--checks M] [--tolerance-handles H] [--tolerance-kib K] [--batch [--first-cycle K]]\n"
                 "       wsbkit-hostile-client flat --samples FILE [--what TEXT] [--tolerance-handles H] [--tolerance-kib K]\n";
    return 2;
  }
  progressed();
  std::thread([timeout_s, stall_s] {  // a hung server must not hang the test
    const long long started = now_ms();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      const long long now = now_ms();
      if (now - started >= timeout_s * 1000LL) {
        std::cout << "TIMEOUT: still running after " << timeout_s << " s\n" << std::flush;
        std::_Exit(4);
      }
      if (stall_s > 0 && now - last_progress_ms >= stall_s * 1000LL) {
        std::cout << "HANG: no cycle completed for " << stall_s << " s\n" << std::flush;
        std::_Exit(4);
      }
    }
  }).detach();
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return 3;
  Report report;
  const int rc = mode == "hostile" ? run_hostile(clsid, report) : run_soak(clsid, report, soak);
  CoUninitialize();
  return rc;
}
