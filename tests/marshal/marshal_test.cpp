// Marshalling proof (Wine only): every method and parameter of the three WSB add-in interfaces
// crosses a process boundary through wsbkit-ps.dll (the widl proxy/stub of wsbapp.idl).
//
// Arguments (after `--`): the test server EXE (marshal_server.cpp) and wsbkit-ps.dll. The global
// fixture registers the proxy/stub with `regsvr32 /s`, registers the test coclass in
// HKLM\Software\Classes (LocalServer32 = the server with its record file), activates it with
// CoCreateInstance(CLSCTX_LOCAL_SERVER) and keeps one reference for the whole run (so later
// activations are warm); it undoes all of it at the end. IN parameters are checked through the
// server's record file (marshal_common.hpp), OUT parameters directly.
#include <windows.h>
#include <objbase.h>
#include <wrl/client.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "marshal_common.hpp"
#include "wsbapp.h"

using Microsoft::WRL::ComPtr;
using marshal_test::Record;

#ifndef WSBKIT_PS_CLSID
#error "WSBKIT_PS_CLSID (the factory CLSID of wsbkit-ps.dll, src/ps/meson.build) must be defined"
#endif

static_assert(sizeof(BOOLEAN) == 1, "BOOLEAN is the 1-byte unsigned char, not BOOL");

namespace {

constexpr HRESULT rpc_s_invalid_bound = static_cast<HRESULT>(0x800706C6u);
constexpr HRESULT rpc_x_null_ref_pointer = static_cast<HRESULT>(0x800706F4u);
constexpr DWORD process_wait_ms = 15000;

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(hr));
  return text;
}

std::string narrow(const std::wstring& s) {
  if (s.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0,
                                    nullptr, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n, nullptr,
                      nullptr);
  return out;
}

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Checks an HRESULT, evaluating the call exactly once (each call is one server call).
#define CHECK_HR(call, expected)                                                            \
  do {                                                                                      \
    const HRESULT check_hr_actual_ = (call);                                                \
    const HRESULT check_hr_expected_ = (expected);                                          \
    BOOST_CHECK_MESSAGE(check_hr_actual_ == check_hr_expected_,                             \
                        #call " returned " << hex(check_hr_actual_) << ", expected "        \
                                           << hex(check_hr_expected_));                     \
  } while (false)

// Meson passes Unix paths, relative to the build folder: make them absolute Windows paths (under
// Wine, Z:\... for absolute Unix paths).
std::wstring windows_path(const std::string& path) {
  using WineDosName = LPWSTR(CDECL*)(LPCSTR);
  auto* convert = reinterpret_cast<WineDosName>(reinterpret_cast<void*>(
      GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "wine_get_dos_file_name")));
  if (convert != nullptr && !path.empty() && path[0] == '/') {
    if (LPWSTR dos = convert(path.c_str())) {
      std::wstring result = dos;
      HeapFree(GetProcessHeap(), 0, dos);
      return result;
    }
  }
  std::wstring relative = widen(path);
  for (auto& c : relative) if (c == L'/') c = L'\\';
  wchar_t full[MAX_PATH * 2];
  const DWORD n = GetFullPathNameW(relative.c_str(), MAX_PATH * 2, full, nullptr);
  return n > 0 && n < MAX_PATH * 2 ? std::wstring(full, n) : relative;
}

class Handle {
 public:
  explicit Handle(HANDLE h = nullptr) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  ~Handle() { if (h_ != nullptr) CloseHandle(h_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  HANDLE get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }

 private:
  HANDLE h_;
};

class Key {
 public:
  Key() = default;
  ~Key() { if (k_ != nullptr) RegCloseKey(k_); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  HKEY* out() { return &k_; }
  HKEY get() const { return k_; }

 private:
  HKEY k_ = nullptr;
};

std::optional<std::wstring> read_default_value(HKEY root, const std::wstring& subkey) {
  Key key;
  if (RegOpenKeyExW(root, subkey.c_str(), 0, KEY_READ | KEY_WOW64_64KEY, key.out()) != ERROR_SUCCESS)
    return std::nullopt;
  wchar_t buffer[1024];
  DWORD bytes = sizeof buffer, type = 0;
  if (RegQueryValueExW(key.get(), nullptr, nullptr, &type, reinterpret_cast<BYTE*>(buffer), &bytes) !=
          ERROR_SUCCESS || type != REG_SZ)
    return std::nullopt;
  return std::wstring(buffer, wcsnlen(buffer, bytes / sizeof(wchar_t)));
}

void write_default_value(const std::wstring& subkey, const std::wstring& value) {
  Key key;
  LSTATUS status = RegCreateKeyExW(HKEY_LOCAL_MACHINE, subkey.c_str(), 0, nullptr, 0,
                                   KEY_WRITE | KEY_WOW64_64KEY, nullptr, key.out(), nullptr);
  if (status == ERROR_SUCCESS)
    status = RegSetValueExW(key.get(), nullptr, 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                            static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
  if (status != ERROR_SUCCESS)
    throw std::runtime_error("registry write failed: " + narrow(subkey) + ": " + std::to_string(status));
}

// Runs a command line and returns its exit code (throws if it cannot run or does not finish).
DWORD run(std::wstring command_line) {
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION info{};
  if (!CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                      &startup, &info))
    throw std::runtime_error("CreateProcess failed: " + narrow(command_line));
  Handle process(info.hProcess), thread(info.hThread);
  if (WaitForSingleObject(process.get(), 60000) != WAIT_OBJECT_0)
    throw std::runtime_error("did not finish: " + narrow(command_line));
  DWORD code = 0;
  GetExitCodeProcess(process.get(), &code);
  return code;
}

std::wstring guid_string(const GUID& guid) {
  wchar_t text[40];
  StringFromGUID2(guid, text, 40);
  return text;
}

const std::wstring test_clsid_key = std::wstring(L"Software\\Classes\\CLSID\\") +
                                    marshal_test::clsid_test_server_string;

struct ServerRecord {
  DWORD pid = 0;
  std::string call;
};

// The run's environment: registrations, the server, one reference keeping it alive.
class Environment {
 public:
  Environment() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    if (suite.argc < 3)
      throw std::runtime_error("usage: test_marshal -- <marshal_server.exe> <wsbkit-ps.dll>");
    server_exe_ = windows_path(suite.argv[1]);
    ps_dll_ = windows_path(suite.argv[2]);
    wchar_t temp[MAX_PATH + 1];
    GetTempPathW(MAX_PATH + 1, temp);
    // A fixed name: a server left over from an aborted run (it idles out after 60 s) writes here too.
    record_path_ = std::wstring(temp) + L"wsbkit-marshal-test.rec";

    com_hr_ = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
    if (FAILED(com_hr_)) throw std::runtime_error("CoInitializeEx: " + hex(com_hr_));
    regsvr32_exit_ = run(L"regsvr32.exe /s \"" + ps_dll_ + L"\"");
    if (regsvr32_exit_ != 0)
      throw std::runtime_error("regsvr32 failed with " + std::to_string(regsvr32_exit_));
    write_default_value(test_clsid_key, L"wsbkit marshalling test server");
    set_idle_timeout(60000);
    instance_ = this;

    const auto start = std::chrono::steady_clock::now();
    ensure_keeper();
    cold_activation_ms_ = ms_since(start);
    BOOST_TEST_MESSAGE("cold activation (server start + CoCreateInstance): " << cold_activation_ms_ << " ms");
  }

  ~Environment() {
    release_keeper_and_wait();
    instance_ = nullptr;
    if (SUCCEEDED(com_hr_)) CoUninitialize();
    RegDeleteTreeW(HKEY_LOCAL_MACHINE, test_clsid_key.c_str());
    try {
      run(L"regsvr32.exe /u /s \"" + ps_dll_ + L"\"");
    } catch (...) {
    }
    DeleteFileW(record_path_.c_str());
  }
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  static Environment& get() {
    BOOST_REQUIRE_MESSAGE(instance_ != nullptr, "global fixture not set up");
    return *instance_;
  }

  // LocalServer32: the server, its record file and idle timeout (COM appends -Embedding).
  void set_idle_timeout(unsigned ms) {
    write_default_value(test_clsid_key + L"\\LocalServer32",
                        L"\"" + server_exe_ + L"\" --record \"" + record_path_ +
                            L"\" --idle-timeout-ms " + std::to_wstring(ms));
  }

  template <class I>
  HRESULT activate(ComPtr<I>& out) {
    return CoCreateInstance(marshal_test::clsid_test_server, nullptr, CLSCTX_LOCAL_SERVER,
                            __uuidof(I), reinterpret_cast<void**>(out.ReleaseAndGetAddressOf()));
  }

  // Activates the keeper if none is held and learns the server's process id from a call.
  void ensure_keeper() {
    if (keeper_) return;
    const HRESULT hr = activate(keeper_);
    if (FAILED(hr)) throw std::runtime_error("CoCreateInstance(CLSCTX_LOCAL_SERVER): " + hex(hr));
    clear_record();
    BOOLEAN supported = FALSE;
    const HRESULT call = keeper_->IsRollForwardSupported(&supported);
    const auto record = read_record();
    if (FAILED(call) || !record) throw std::runtime_error("first call failed: " + hex(call));
    server_pid_ = record->pid;
  }

  // Releases the keeper; returns the server's exit code, or nullopt if it did not exit in time.
  std::optional<DWORD> release_keeper_and_wait(double* exit_ms = nullptr) {
    if (!keeper_) return std::nullopt;
    Handle process(OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, server_pid_));
    const auto start = std::chrono::steady_clock::now();
    keeper_.Reset();
    if (!process || WaitForSingleObject(process.get(), process_wait_ms) != WAIT_OBJECT_0)
      return std::nullopt;
    if (exit_ms != nullptr) *exit_ms = ms_since(start);
    DWORD code = 0;
    GetExitCodeProcess(process.get(), &code);
    return code;
  }

  void clear_record() const { DeleteFileW(record_path_.c_str()); }

  std::optional<ServerRecord> read_record() const {
    Handle file(CreateFileW(record_path_.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE,
                            nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file) return std::nullopt;
    std::string text;
    char buffer[65536];
    DWORD got = 0;
    while (ReadFile(file.get(), buffer, sizeof buffer, &got, nullptr) && got > 0) text.append(buffer, got);
    const auto eol = text.find('\n');
    if (text.rfind("pid ", 0) != 0 || eol == std::string::npos) return std::nullopt;
    ServerRecord record;
    record.pid = static_cast<DWORD>(std::stoul(text.substr(4, eol - 4)));
    record.call = text.substr(eol + 1);
    return record;
  }

  const std::wstring& ps_dll() const { return ps_dll_; }
  DWORD server_pid() const { return server_pid_; }
  double cold_activation_ms() const { return cold_activation_ms_; }

 private:
  static inline Environment* instance_ = nullptr;
  std::wstring server_exe_, ps_dll_, record_path_;
  HRESULT com_hr_ = E_FAIL;
  DWORD regsvr32_exit_ = 0;
  ComPtr<IWsbApplicationRestoreSupport> keeper_;
  DWORD server_pid_ = 0;
  double cold_activation_ms_ = 0;
};

// The server recorded exactly `expected` (its IN parameters arrived intact), in the server process.
void check_received(const Record& expected) {
  const auto& env = Environment::get();
  const auto got = env.read_record();
  BOOST_REQUIRE_MESSAGE(got.has_value(), "the server recorded no call");
  BOOST_CHECK_EQUAL(got->pid, env.server_pid());
  BOOST_CHECK_NE(got->pid, GetCurrentProcessId());
  if (got->call == expected.text()) return;
  // Report the first differing line only: records of 10,000 components are megabytes.
  std::istringstream a(got->call), b(expected.text());
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) break;
    if (!more_a || !more_b || line_a != line_b) {
      BOOST_ERROR("server received something else, record line " << line << ": got '"
                  << (more_a ? line_a : "<end>") << "', sent '" << (more_b ? line_b : "<end>") << "'");
      return;
    }
  }
}

void check_not_called() {
  BOOST_CHECK_MESSAGE(!Environment::get().read_record().has_value(),
                      "the server was called although the proxy should have refused the call");
}

// A caller-owned LPWSTR array: NULL elements allowed, or the NULL array itself.
using Items = std::vector<std::optional<std::wstring>>;
class Strings {
 public:
  static Strings null_array() { return Strings(); }
  explicit Strings(Items items) : items_(std::move(items)), null_(false) {
    pointers_.reserve(items_.size() + 1);  // a non-NULL data() even for 0 elements
    for (auto& item : items_) pointers_.push_back(item ? item->data() : nullptr);
  }
  LPWSTR* data() { return null_ ? nullptr : pointers_.data(); }
  const Items& items() const { return items_; }

 private:
  Strings() = default;
  Items items_;
  std::vector<LPWSTR> pointers_;
  bool null_ = true;
};

// An LPWSTR array received from the server: frees the strings and the array (COM rules).
struct ReceivedStrings {
  LPWSTR* items = nullptr;
  DWORD count = 0;
  ~ReceivedStrings() {
    if (items == nullptr) return;
    for (DWORD i = 0; i < count; ++i) CoTaskMemFree(items[i]);
    CoTaskMemFree(items);
  }
};

Items volume_names(DWORD count, const wchar_t* kind) {
  Items items;
  for (DWORD i = 0; i < count; ++i) {
    wchar_t text[96];
    std::swprintf(text, 96, L"\\\\?\\%ls{%08lx-4a27-46ad-b9e0-%012lx}\\", kind,
                  static_cast<unsigned long>(0xC0DE0000u + i), static_cast<unsigned long>(i * 7919u));
    items.emplace_back(text);
  }
  return items;
}

// Component names with non-ASCII text; every seventh logical path NULL (allowed by the API).
Items component_names(DWORD count) {
  Items items;
  for (DWORD i = 0; i < count; ++i) items.emplace_back(L"Component-" + std::to_wstring(i) + L"-\u00C4\u20AC");
  return items;
}
Items logical_paths(DWORD count) {
  Items items;
  for (DWORD i = 0; i < count; ++i) {
    if (i % 7 == 1) items.emplace_back(std::nullopt);
    else items.emplace_back(L"Store\\Group " + std::to_wstring(i % 13) + L"\\\u65E5\u672C");
  }
  return items;
}

// Per test case: a fresh instance from the (warm) server, both restore and backup interfaces.
struct Session {
  Session() {
    auto& env = Environment::get();
    env.ensure_keeper();
    const auto start = std::chrono::steady_clock::now();
    const HRESULT hr = env.activate(backup);
    activation_ms = ms_since(start);
    BOOST_REQUIRE_MESSAGE(SUCCEEDED(hr) && backup, "CoCreateInstance: " << hex(hr));
    const HRESULT qi = backup.As(&restore);
    BOOST_REQUIRE_MESSAGE(SUCCEEDED(qi) && restore, "QueryInterface(IWsbApplicationRestoreSupport): " << hex(qi));
  }

  // CheckConsistency through the proxy; checks what the server received.
  HRESULT check_consistency(const wchar_t* metadata, const wchar_t* component, const wchar_t* path,
                            DWORD count, Strings& sources, Strings& snapshots,
                            ComPtr<IWsbApplicationAsync>& async) {
    Environment::get().clear_record();
    const HRESULT hr = backup->CheckConsistency(const_cast<LPWSTR>(metadata), const_cast<LPWSTR>(component),
                                                const_cast<LPWSTR>(path), count, sources.data(),
                                                snapshots.data(), async.ReleaseAndGetAddressOf());
    return hr;
  }
  void check_consistency_received(const wchar_t* metadata, const wchar_t* component, const wchar_t* path,
                                  DWORD count, Strings& sources, Strings& snapshots) {
    check_received(Record("CheckConsistency").str(metadata).str(component).str(path).num(count)
                       .array(count, sources.data()).array(count, snapshots.data()));
  }

  ComPtr<IWsbApplicationBackupSupport> backup;
  ComPtr<IWsbApplicationRestoreSupport> restore;
  double activation_ms = 0;
};

// A call on `p` is served by a proxy (the COM proxy manager answers IClientSecurity).
template <class I>
bool is_proxy(const ComPtr<I>& p) {
  ComPtr<IClientSecurity> security;
  return SUCCEEDED(p.As(&security));
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Environment);

BOOST_AUTO_TEST_SUITE(marshal)

// The IIDs generated from wsbapp.idl are Microsoft's (wsb-api.md section 3).
BOOST_AUTO_TEST_CASE(iids_are_microsofts) {
  BOOST_CHECK_EQUAL(narrow(guid_string(IID_IWsbApplicationBackupSupport)), "{1EFF3510-4A27-46AD-B9E0-08332F0F4F6D}");
  BOOST_CHECK_EQUAL(narrow(guid_string(IID_IWsbApplicationRestoreSupport)), "{8D3BDB38-4EE8-4718-85F9-C7DBC4AB77AA}");
  BOOST_CHECK_EQUAL(narrow(guid_string(IID_IWsbApplicationAsync)), "{0843F6F7-895C-44A6-B0C2-05A5022AA3A1}");
  CHECK_HR(WSBAPP_ASYNC_IN_PROGRESS, static_cast<HRESULT>(0x007A0004));
  CHECK_HR(WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED, static_cast<HRESULT>(0x807A0001u));
}

// regsvr32 wsbkit-ps.dll: all three IIDs get ProxyStubClsid32 = wsbkit's PS CLSID, whose InprocServer32 is that DLL.
BOOST_AUTO_TEST_CASE(regsvr32_registers_the_three_interfaces) {
  const auto& env = Environment::get();
  for (const IID* iid : {&IID_IWsbApplicationBackupSupport, &IID_IWsbApplicationRestoreSupport,
                         &IID_IWsbApplicationAsync}) {
    const std::wstring key = L"Interface\\" + guid_string(*iid) + L"\\ProxyStubClsid32";
    const auto clsid = read_default_value(HKEY_CLASSES_ROOT, key);
    BOOST_REQUIRE_MESSAGE(clsid.has_value(), "missing HKCR\\" << narrow(key));
    BOOST_CHECK_MESSAGE(lstrcmpiW(clsid->c_str(), L"" WSBKIT_PS_CLSID) == 0,
                        "ProxyStubClsid32 is " << narrow(*clsid) << ", expected " << WSBKIT_PS_CLSID);
    const auto server = read_default_value(HKEY_CLASSES_ROOT, L"CLSID\\" + *clsid + L"\\InprocServer32");
    BOOST_REQUIRE_MESSAGE(server.has_value(), "missing InprocServer32 of " << narrow(*clsid));
    BOOST_CHECK_MESSAGE(lstrcmpiW(server->c_str(), env.ps_dll().c_str()) == 0,
                        narrow(*server) << " is not " << narrow(env.ps_dll()));
  }
}

// CoCreateInstance(CLSCTX_LOCAL_SERVER): proxies to an object in another process; remote QI gives both WSB interfaces, not Async.
BOOST_FIXTURE_TEST_CASE(activation_gives_a_proxy_to_another_process, Session) {
  BOOST_TEST_MESSAGE("warm activation (server already running): " << activation_ms << " ms");
  BOOST_CHECK(is_proxy(backup));
  BOOST_CHECK(is_proxy(restore));
  ComPtr<IWsbApplicationAsync> async;
  CHECK_HR(backup.As(&async), E_NOINTERFACE);
  Environment::get().clear_record();
  BOOLEAN supported = FALSE;
  CHECK_HR(restore->IsRollForwardSupported(&supported), S_OK);
  check_received(Record("IsRollForwardSupported"));  // checks the server's pid is not ours
}

// CheckConsistency: each of the 3 strings NULL or not (also "", non-ASCII, 64 KB XML) arrives exactly as sent.
BOOST_FIXTURE_TEST_CASE(check_consistency_strings_null_and_non_null, Session) {
  std::wstring metadata = L"<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" \u00E9\u4E2D>";
  while (metadata.size() < 65536) metadata += L"<COMPONENT name=\"c\u00DF\" logicalPath=\"p\"/>";
  metadata += L"</WRITER_METADATA>";
  const wchar_t* const name = L"Database \u00C4\U0001D11E";
  const wchar_t* const path = L"Logical\\Path";
  struct Case { const wchar_t* metadata; const wchar_t* name; const wchar_t* path; };
  const Case cases[] = {{metadata.c_str(), name, path}, {nullptr, name, path},
                        {metadata.c_str(), nullptr, path}, {metadata.c_str(), name, nullptr},
                        {nullptr, nullptr, nullptr}, {L"", L"", L""}};
  for (const auto& c : cases) {
    Strings sources(volume_names(1, L"Volume")), snapshots(volume_names(1, L"Snapshot"));
    ComPtr<IWsbApplicationAsync> async;
    CHECK_HR(check_consistency(c.metadata, c.name, c.path, 1, sources, snapshots, async), S_OK);
    BOOST_CHECK(async);
    check_consistency_received(c.metadata, c.name, c.path, 1, sources, snapshots);
  }
}

// CheckConsistency: cVolumes 0/3/1000 with NULL, empty, full arrays and a NULL element arrive as sent (NULL stays NULL).
BOOST_FIXTURE_TEST_CASE(check_consistency_volume_arrays, Session) {
  struct Case { DWORD count; bool sources_null; bool snapshots_null; };
  const Case cases[] = {{0, true, true},     {0, false, false}, {0, true, false},
                        {3, false, false},   {3, true, false},  {3, false, true}, {3, true, true},
                        {1000, false, false}, {1000, true, false}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("cVolumes " << c.count << ", sources " << (c.sources_null ? "NULL" : "set")
                                   << ", snapshots " << (c.snapshots_null ? "NULL" : "set")) {
      Strings sources = c.sources_null ? Strings::null_array() : Strings(volume_names(c.count, L"Volume"));
      Strings snapshots = c.snapshots_null ? Strings::null_array() : Strings(volume_names(c.count, L"Snapshot"));
      ComPtr<IWsbApplicationAsync> async;
      CHECK_HR(check_consistency(L"<m/>", L"c", L"p", c.count, sources, snapshots, async), S_OK);
      check_consistency_received(L"<m/>", L"c", L"p", c.count, sources, snapshots);
    }
  }
  // A NULL element inside a volume array arrives as NULL at its place.
  Items with_hole = volume_names(3, L"Volume");
  with_hole[1] = std::nullopt;
  Strings sources(std::move(with_hole)), snapshots(volume_names(3, L"Snapshot"));
  ComPtr<IWsbApplicationAsync> async;
  CHECK_HR(check_consistency(L"<m/>", L"c", L"p", 3, sources, snapshots, async), S_OK);
  check_consistency_received(L"<m/>", L"c", L"p", 3, sources, snapshots);
}

// CheckConsistency with cVolumes 1001: the proxy refuses it with RPC_S_INVALID_BOUND, server not called, *ppAsync NULL.
BOOST_FIXTURE_TEST_CASE(check_consistency_1001_volumes_refused, Session) {
  Strings sources(volume_names(1001, L"Volume")), snapshots(volume_names(1001, L"Snapshot"));
  ComPtr<IWsbApplicationAsync> async;
  CHECK_HR(check_consistency(L"<m/>", L"c", L"p", 1001, sources, snapshots, async), rpc_s_invalid_bound);
  BOOST_CHECK(!async);
  check_not_called();
}

// CheckConsistency answering S_FALSE ("no check needed") gives a NULL *ppAsync at the client.
BOOST_FIXTURE_TEST_CASE(check_consistency_s_false_gives_null_async, Session) {
  Strings sources(volume_names(2, L"Volume")), snapshots(volume_names(2, L"Snapshot"));
  ComPtr<IWsbApplicationAsync> async;
  CHECK_HR(check_consistency(L"<m/>", marshal_test::no_check_needed, nullptr, 2, sources, snapshots, async),
           S_FALSE);
  BOOST_CHECK(!async);
  check_consistency_received(L"<m/>", marshal_test::no_check_needed, nullptr, 2, sources, snapshots);
}

// Async object in the server: *phrResult IN_PROGRESS, then CHECK_FAILED; Abort from the client reaches it, then E_ABORT.
BOOST_FIXTURE_TEST_CASE(async_object_lives_in_the_server, Session) {
  auto& env = Environment::get();
  Strings sources(volume_names(3, L"Volume")), snapshots(volume_names(3, L"Snapshot"));
  ComPtr<IWsbApplicationAsync> async;
  CHECK_HR(check_consistency(L"<m/>", L"c", L"p", 3, sources, snapshots, async), S_OK);
  BOOST_REQUIRE(async);
  BOOST_CHECK(is_proxy(async));
  ComPtr<IWsbApplicationBackupSupport> not_backup;
  CHECK_HR(async.As(&not_backup), E_NOINTERFACE);  // a separate object, not the application

  const HRESULT expected[] = {WSBAPP_ASYNC_IN_PROGRESS, WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED};
  for (unsigned i = 0; i < 2; ++i) {
    env.clear_record();
    HRESULT result = static_cast<HRESULT>(0xDEADBEEFu);
    CHECK_HR(async->QueryStatus(&result), S_OK);
    CHECK_HR(result, expected[i]);
    check_received(Record("QueryStatus").num(i + 1));
  }
  env.clear_record();
  CHECK_HR(async->Abort(), S_OK);
  check_received(Record("Abort"));
  env.clear_record();
  HRESULT result = S_OK;
  CHECK_HR(async->QueryStatus(&result), S_OK);
  CHECK_HR(result, E_ABORT);
  check_received(Record("QueryStatus").num(3));
}

// Pre/PostRestore: strings NULL or not and bNoRollForward TRUE/FALSE arrive as sent; "fail" gives WSBAPP_E_*_RESTORE_FAILED.
BOOST_FIXTURE_TEST_CASE(pre_and_post_restore_arguments, Session) {
  auto& env = Environment::get();
  using Method = HRESULT (STDMETHODCALLTYPE IWsbApplicationRestoreSupport::*)(LPWSTR, LPWSTR, LPWSTR, BOOLEAN);
  struct Step { const char* name; Method method; HRESULT failure; };
  const Step steps[] = {{"PreRestore", &IWsbApplicationRestoreSupport::PreRestore, WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED},
                        {"PostRestore", &IWsbApplicationRestoreSupport::PostRestore, WSBAPP_E_COMPONENT_POST_RESTORE_FAILED}};
  struct Case { const wchar_t* metadata; const wchar_t* name; const wchar_t* path; BOOLEAN no_roll_forward; HRESULT expected; };
  for (const auto& step : steps) {
    const Case cases[] = {{L"<WRITER_METADATA/>", L"Mailbox \u00D6", L"First\\Storage Group", TRUE, S_OK},
                          {nullptr, L"Mailbox", L"Path", FALSE, S_OK},
                          {L"<m/>", nullptr, L"Path", TRUE, S_OK},
                          {L"<m/>", L"Mailbox", nullptr, FALSE, S_OK},
                          {nullptr, nullptr, nullptr, TRUE, S_OK},
                          {L"<m/>", marshal_test::fail_component, L"Path", FALSE, step.failure}};
    for (const auto& c : cases) {
      BOOST_TEST_CONTEXT(step.name << ", bNoRollForward " << int(c.no_roll_forward)) {
        env.clear_record();
        const HRESULT hr = (restore.Get()->*step.method)(const_cast<LPWSTR>(c.metadata), const_cast<LPWSTR>(c.name),
                                                         const_cast<LPWSTR>(c.path), c.no_roll_forward);
        CHECK_HR(hr, c.expected);
        check_received(Record(step.name).str(c.metadata).str(c.name).str(c.path).num(c.no_roll_forward));
      }
    }
  }
}

// BOOLEAN both ways: bNoRollForward FALSE/TRUE in -> IsRollForwardSupported TRUE/FALSE out (0xCC sentinel overwritten).
BOOST_FIXTURE_TEST_CASE(boolean_in_and_out, Session) {
  for (const BOOLEAN no_roll_forward : {BOOLEAN(FALSE), BOOLEAN(TRUE), BOOLEAN(FALSE)}) {
    CHECK_HR(restore->PreRestore(nullptr, nullptr, nullptr, no_roll_forward), S_OK);
    Environment::get().clear_record();
    BOOLEAN supported = 0xCC;
    CHECK_HR(restore->IsRollForwardSupported(&supported), S_OK);
    BOOST_CHECK_EQUAL(int(supported), no_roll_forward ? int(FALSE) : int(TRUE));
    check_received(Record("IsRollForwardSupported"));
  }
}

namespace {
// OrderComponents with `count` components: S_OK, both out arrays the inputs reversed.
void check_order_components(Session& s, DWORD count) {
  Strings names(component_names(count)), paths(logical_paths(count));
  ReceivedStrings ordered_names, ordered_paths;
  Environment::get().clear_record();
  const auto start = std::chrono::steady_clock::now();
  const HRESULT hr = s.restore->OrderComponents(count, names.data(), paths.data(), &ordered_names.items,
                                                &ordered_paths.items);
  const double call_ms = ms_since(start);
  ordered_names.count = ordered_paths.count = SUCCEEDED(hr) ? count : 0;
  BOOST_TEST_MESSAGE("OrderComponents(" << count << ") round trip incl. server record: " << call_ms << " ms");
  CHECK_HR(hr, S_OK);
  check_received(Record("OrderComponents").num(count).array(count, names.data()).array(count, paths.data()));
  BOOST_REQUIRE(ordered_names.items != nullptr);
  BOOST_REQUIRE(ordered_paths.items != nullptr);
  unsigned wrong = 0, null_paths = 0;
  for (DWORD i = 0; i < count; ++i) {
    const auto& name = names.items()[count - 1 - i];
    const auto& path = paths.items()[count - 1 - i];
    const auto same = [](const wchar_t* got, const std::optional<std::wstring>& sent) {
      return got == nullptr ? !sent.has_value() : sent.has_value() && *sent == got;
    };
    if (!same(ordered_names.items[i], name) || !same(ordered_paths.items[i], path)) {
      if (++wrong <= 3)
        BOOST_ERROR("out element " << i << " is not input element " << count - 1 - i << ": '"
                    << (ordered_names.items[i] ? narrow(ordered_names.items[i]) : "NULL") << "'");
    }
    if (ordered_paths.items[i] == nullptr) ++null_paths;
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
  BOOST_TEST_MESSAGE(null_paths << " NULL logical paths came back at their mirrored places");
}
}  // namespace

// OrderComponents with strings no text conversion would keep: unpaired surrogates (0xD800 alone,
// 0xDC00 alone, a reversed pair), two 64k-character names, printf format strings, NULL and empty
// entries. The server receives exactly them and both reversed arrays come back exactly, compared
// wchar_t by wchar_t.
BOOST_FIXTURE_TEST_CASE(order_components_keeps_awkward_strings_exact, Session) {
  std::wstring long_a(65536, L'a'), long_b(65536, L'b');
  for (std::size_t i = 0; i < long_a.size(); i += 5) {
    long_a[i] = static_cast<wchar_t>(0xD800 + i % 0x800);
    long_b[i] = static_cast<wchar_t>(0xDC00 + i % 0x400);
  }
  const std::wstring high(1, wchar_t(0xD800)), low(1, wchar_t(0xDC00)), reversed{wchar_t(0xDC00), wchar_t(0xD800)};
  Items name_items = {high, low, reversed, long_a, L"%s%n%x%p%%", std::nullopt, L"", std::nullopt, L"x" + high + L"y"};
  Items path_items = {low, high, std::nullopt, long_b, L"%s\\%n\\%99999999d", L"NullName", L"", std::nullopt, reversed};
  const DWORD count = static_cast<DWORD>(name_items.size());
  Strings names(name_items), paths(path_items);
  ReceivedStrings ordered_names, ordered_paths;
  Environment::get().clear_record();
  CHECK_HR(restore->OrderComponents(count, names.data(), paths.data(), &ordered_names.items, &ordered_paths.items), S_OK);
  ordered_names.count = ordered_paths.count = count;
  check_received(Record("OrderComponents").num(count).array(count, names.data()).array(count, paths.data()));
  BOOST_REQUIRE(ordered_names.items != nullptr);
  BOOST_REQUIRE(ordered_paths.items != nullptr);
  const auto same = [](const wchar_t* got, const std::optional<std::wstring>& sent) {
    return got == nullptr ? !sent.has_value() : sent.has_value() && std::wstring(got) == *sent;
  };
  for (DWORD i = 0; i < count; ++i) {
    BOOST_TEST_CONTEXT("out element " << i << " (input element " << count - 1 - i << ")") {
      BOOST_CHECK(same(ordered_names.items[i], name_items[count - 1 - i]));
      BOOST_CHECK(same(ordered_paths.items[i], path_items[count - 1 - i]));
    }
  }
}

// OrderComponents with 0 components: S_OK and both out arrays non-NULL (and empty).
BOOST_FIXTURE_TEST_CASE(order_components_0, Session) { check_order_components(*this, 0); }

// OrderComponents with 3 components (one NULL logical path): both out arrays reversed.
BOOST_FIXTURE_TEST_CASE(order_components_3, Session) { check_order_components(*this, 3); }

// OrderComponents with 10,000 components (MAX_COMPONENTS): both out arrays reversed.
BOOST_FIXTURE_TEST_CASE(order_components_10000, Session) { check_order_components(*this, 10000); }

// OrderComponents with 10,001 components: the proxy refuses it with RPC_S_INVALID_BOUND, server not called, outs NULL.
BOOST_FIXTURE_TEST_CASE(order_components_10001_refused, Session) {
  Strings names(component_names(10001)), paths(logical_paths(10001));
  ReceivedStrings ordered_names, ordered_paths;
  Environment::get().clear_record();
  CHECK_HR(restore->OrderComponents(10001, names.data(), paths.data(), &ordered_names.items, &ordered_paths.items),
           rpc_s_invalid_bound);
  BOOST_CHECK(ordered_names.items == nullptr);
  BOOST_CHECK(ordered_paths.items == nullptr);
  check_not_called();
}

// OrderComponents answering S_FALSE: both outs come back NULL even though the caller's variables held garbage.
BOOST_FIXTURE_TEST_CASE(order_components_s_false_gives_null_outs, Session) {
  Items items = component_names(3);
  items[0] = marshal_test::unordered;
  Strings names(std::move(items)), paths(logical_paths(3));
  LPWSTR* ordered_names = reinterpret_cast<LPWSTR*>(std::uintptr_t{0x1});   // never freed or read
  LPWSTR* ordered_paths = reinterpret_cast<LPWSTR*>(std::uintptr_t{0x1});
  Environment::get().clear_record();
  CHECK_HR(restore->OrderComponents(3, names.data(), paths.data(), &ordered_names, &ordered_paths), S_FALSE);
  BOOST_CHECK(ordered_names == nullptr);
  BOOST_CHECK(ordered_paths == nullptr);
  check_received(Record("OrderComponents").num(3).array(3, names.data()).array(3, paths.data()));
}

// OrderComponents' in-arrays stay [ref] (no `unique` added): a NULL array gives RPC_X_NULL_REF_POINTER, server not called.
BOOST_FIXTURE_TEST_CASE(order_components_null_in_array_refused, Session) {
  Strings names(component_names(2));
  ReceivedStrings ordered_names, ordered_paths;
  Environment::get().clear_record();
  CHECK_HR(restore->OrderComponents(2, names.data(), nullptr, &ordered_names.items, &ordered_paths.items),
           rpc_x_null_ref_pointer);
  check_not_called();
}

// From an STA client: activation, CheckConsistency with a NULL array, QueryStatus, OrderComponents(3) reversed all work.
BOOST_AUTO_TEST_CASE(sta_client_calls) {
  auto& env = Environment::get();
  env.ensure_keeper();
  struct Outcome {
    HRESULT init = E_FAIL, activate = E_FAIL, check = E_FAIL, query = E_FAIL, status = S_OK, order = E_FAIL;
    bool async_set = false, reversed = false;
    std::optional<ServerRecord> check_record;
  } out;
  Strings sources(volume_names(3, L"Volume")), snapshots = Strings::null_array();
  Strings names(component_names(3)), paths(logical_paths(3));
  std::thread sta([&] {
    out.init = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);
    if (FAILED(out.init)) return;
    {
      ComPtr<IWsbApplicationBackupSupport> backup;
      ComPtr<IWsbApplicationRestoreSupport> restore;
      out.activate = env.activate(backup);
      if (SUCCEEDED(out.activate)) out.activate = backup.As(&restore);
      if (SUCCEEDED(out.activate)) {
        ComPtr<IWsbApplicationAsync> async;
        env.clear_record();
        out.check = backup->CheckConsistency(const_cast<LPWSTR>(L"<m/>"), const_cast<LPWSTR>(L"sta"), nullptr, 3,
                                             sources.data(), snapshots.data(), &async);
        out.check_record = env.read_record();
        out.async_set = async != nullptr;
        if (async) out.query = async->QueryStatus(&out.status);
        ReceivedStrings ordered_names, ordered_paths;
        out.order = restore->OrderComponents(3, names.data(), paths.data(), &ordered_names.items, &ordered_paths.items);
        if (out.order == S_OK && ordered_names.items && ordered_paths.items) {
          ordered_names.count = ordered_paths.count = 3;
          out.reversed = true;
          for (DWORD i = 0; i < 3; ++i) {
            const auto& name = names.items()[2 - i];
            const auto& path = paths.items()[2 - i];
            out.reversed = out.reversed && ordered_names.items[i] && name && *name == ordered_names.items[i] &&
                           (ordered_paths.items[i] ? path && *path == ordered_paths.items[i] : !path);
          }
        }
      }
    }
    CoUninitialize();
  });
  sta.join();
  CHECK_HR(out.init, S_OK);
  CHECK_HR(out.activate, S_OK);
  CHECK_HR(out.check, S_OK);
  BOOST_CHECK(out.async_set);
  BOOST_REQUIRE(out.check_record.has_value());
  BOOST_CHECK_EQUAL(out.check_record->pid, env.server_pid());
  BOOST_CHECK(out.check_record->call == Record("CheckConsistency").str(L"<m/>").str(L"sta").str(nullptr).num(3)
                                            .array(3, sources.data()).array(3, nullptr).text());
  CHECK_HR(out.query, S_OK);
  CHECK_HR(out.status, WSBAPP_ASYNC_IN_PROGRESS);
  CHECK_HR(out.order, S_OK);
  BOOST_CHECK(out.reversed);
}

// After the last Release the server exits with code 0 within seconds; the next activation starts a new, working server.
BOOST_AUTO_TEST_CASE(server_exits_after_last_release) {
  auto& env = Environment::get();
  env.ensure_keeper();
  const DWORD old_pid = env.server_pid();
  double exit_ms = 0;
  const auto exit_code = env.release_keeper_and_wait(&exit_ms);
  BOOST_REQUIRE_MESSAGE(exit_code.has_value(), "server " << old_pid << " still running after the last Release");
  BOOST_CHECK_EQUAL(*exit_code, 0u);
  BOOST_TEST_MESSAGE("server exit after last Release: " << exit_ms << " ms");
  const auto start = std::chrono::steady_clock::now();
  env.ensure_keeper();
  BOOST_TEST_MESSAGE("cold activation after exit: " << ms_since(start) << " ms");
  BOOST_CHECK_NE(env.server_pid(), old_pid);
}

// A silent client holding references: the server exits (code 6) after its idle timeout, the dead proxy fails fast, re-activation works.
BOOST_AUTO_TEST_CASE(idle_server_gives_up_on_silent_client) {
  auto& env = Environment::get();
  BOOST_REQUIRE(env.release_keeper_and_wait().has_value());
  struct RestoreTimeout {
    ~RestoreTimeout() { Environment::get().set_idle_timeout(60000); }
  } restore_timeout;
  env.set_idle_timeout(1500);
  ComPtr<IWsbApplicationRestoreSupport> silent;
  CHECK_HR(env.activate(silent), S_OK);
  BOOST_REQUIRE(silent);
  env.clear_record();
  BOOLEAN supported = FALSE;
  CHECK_HR(silent->IsRollForwardSupported(&supported), S_OK);
  const auto record = env.read_record();
  BOOST_REQUIRE(record.has_value());
  Handle process(OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, record->pid));
  BOOST_REQUIRE(process);
  const auto start = std::chrono::steady_clock::now();
  BOOST_REQUIRE_MESSAGE(WaitForSingleObject(process.get(), process_wait_ms) == WAIT_OBJECT_0,
                        "idle server did not exit");
  BOOST_TEST_MESSAGE("idle server exited " << ms_since(start) << " ms after the last call (timeout 1500 ms)");
  DWORD code = 0;
  GetExitCodeProcess(process.get(), &code);
  BOOST_CHECK_EQUAL(code, 6u);

  const auto call_start = std::chrono::steady_clock::now();
  const HRESULT dead = silent->IsRollForwardSupported(&supported);
  BOOST_TEST_MESSAGE("call on the dead server's proxy: " << hex(dead) << " after " << ms_since(call_start) << " ms");
  BOOST_CHECK_MESSAGE(FAILED(dead), "call on a dead server succeeded: " << hex(dead));
  silent.Reset();

  env.set_idle_timeout(60000);
  env.ensure_keeper();
  BOOST_CHECK_NE(env.server_pid(), record->pid);
}

BOOST_AUTO_TEST_SUITE_END()
