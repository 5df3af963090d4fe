// A Win32 test client for the Wine concurrency test (tests/wine/concurrency_test.sh): activates the
// registered add-in by CLSID through the Win32 COM runtime (out of process, CLSCTX_LOCAL_SERVER)
// and makes restore calls on that ONE object:
//   1. the storm: THREADS threads (each in the multithreaded apartment of its own) make CALLS calls
//      each from a seeded random script: OrderComponents of DB and Logs (in a random input order),
//      PreRestore / PostRestore of DB or Logs;
//   2. then the OPs given after the options, one by one on the main thread:
//        order | pre:NAME | post:NAME   a call
//        signal:PATH                   creates the file PATH (tells the test script "here I am")
//        wait:PATH                     waits until the file PATH exists (the test script says "go on")
// Under a policy whose steps always succeed every call must answer S_OK and OrderComponents the
// policy's order (DB, Logs): those are the answers the same calls made one by one get. Any other
// answer is a failure, printed with its HRESULT. Last line: "calls N failures F [HRESULT xCOUNT ...]".
// Exit: 0 all answers expected, 1 some were not, 2 bad command line, 3 activation failed,
// 4 the watchdog fired (the whole run took longer than --timeout-s: a hung server must not hang
// the test). Portable source: only the COM runtime's interface.
//
// With --rounds R the whole of it (activation, storm, OPs, release) is done R times: the churn that
// lands activations on a server that is releasing its last object and shutting down. An activation
// answered CO_E_SERVER_STOPPING (the server refusing new objects while it stops; under Wine also
// RPC_S_UNKNOWN_IF / RPC_S_SERVER_UNAVAILABLE / RPC_S_CALL_FAILED from a server between revoke and
// exit) is tried
// again, as Windows' COM does, up to 200 times 25 ms apart; any other activation failure is exit 3.
//
//   wsbkit-concurrent-client --clsid {CLSID} [--threads 8] [--calls 24] [--seed 1] [--rounds 1] [--timeout-s 120] [OP...]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platform/win32/com/com_runtime_win32.hpp"

using namespace wsbkit;

namespace {

const std::vector<std::string> policy_order = {"DB", "Logs"};

struct Options {
  std::string clsid;
  int threads = 8;
  int calls = 24;
  unsigned seed = 1;
  int timeout_s = 120;
  int rounds = 1;
  std::vector<std::string> ops;
};

class Tally {
 public:
  void record(const std::string& call, bool expected, Hresult h, const std::string& detail = {}) {
    std::lock_guard lock(mutex_);
    ++calls_;
    if (expected) return;
    ++failures_[h];
    std::cout << "UNEXPECTED " << call << " -> " << hr::name(h) << (detail.empty() ? "" : " (" + detail + ")") << "\n"
              << std::flush;
  }
  int failures() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [h, count] : failures_) n += count;
    return n;
  }
  void summary() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    std::string detail;
    for (const auto& [h, count] : failures_) {
      n += count;
      detail += " " + hr::to_hex(h) + "x" + std::to_string(count);
    }
    std::cout << "calls " << calls_ << " failures " << n << detail << "\n" << std::flush;
  }

 private:
  mutable std::mutex mutex_;
  int calls_ = 0;
  std::map<Hresult, int> failures_;
};

void order(WsbApplication& app, Tally& tally, bool reversed) {
  OrderRequest r;
  r.component_count = 2;
  r.names = reversed ? StringArray{"Logs", "DB"} : StringArray{"DB", "Logs"};
  r.logical_paths = StringArray{std::nullopt, std::nullopt};
  const OrderResult result = app.order_components(r);
  std::string got;
  if (result.names) {
    for (const auto& n : *result.names) got += (got.empty() ? "" : ",") + n.value_or("(null)");
  }
  const bool expected = result.hr == hr::ok && got == "DB,Logs" && result.logical_paths && result.logical_paths->size() == 2;
  tally.record(std::string("OrderComponents(") + (reversed ? "Logs,DB" : "DB,Logs") + ")", expected, result.hr,
               expected ? "" : "order: " + (result.names ? got : "NULL"));
}

void restore(WsbApplication& app, Tally& tally, bool pre, const std::string& component) {
  RestoreRequest r;
  r.component_name = component;
  const Hresult h = pre ? app.pre_restore(r) : app.post_restore(r);
  tally.record((pre ? "PreRestore(" : "PostRestore(") + component + ")", h == hr::ok, h);
}

void storm_thread(WsbApplication& app, Tally& tally, unsigned seed, int calls) {
  // Each thread in the multithreaded apartment of its own: the runtime's CoInitializeEx(MTA),
  // undone when it goes out of scope.
  auto com = win32::make_com_runtime();
  if (!com) {
    tally.record("CoInitializeEx(COINIT_MULTITHREADED)", false, com.error().hresult_code(), com.error().message());
    return;
  }
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> pick(0, 4);
  for (int i = 0; i < calls; ++i) {
    switch (pick(random)) {
      case 0: order(app, tally, random() % 2 == 1); break;
      case 1: restore(app, tally, true, "DB"); break;
      case 2: restore(app, tally, true, "Logs"); break;
      case 3: restore(app, tally, false, "DB"); break;
      default: restore(app, tally, false, "Logs"); break;
    }
  }
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// One OP of the sequence; false on a bad OP.
bool run_op(WsbApplication& app, Tally& tally, const std::string& op) {
  const auto colon = op.find(':');
  const std::string verb = op.substr(0, colon);
  const std::string arg = colon == std::string::npos ? std::string() : op.substr(colon + 1);
  if (verb == "order" && arg.empty()) {
    order(app, tally, false);
  } else if ((verb == "pre" || verb == "post") && !arg.empty()) {
    restore(app, tally, verb == "pre", arg);
  } else if (verb == "signal" && !arg.empty()) {
    std::ofstream(arg) << "signal\n";
    std::cout << "signalled " << arg << "\n" << std::flush;
  } else if (verb == "wait" && !arg.empty()) {
    while (!file_exists(arg)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } else {
    return false;
  }
  return true;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    try {
      if (a == "--clsid" && has_value) o.clsid = argv[++i];
      else if (a == "--threads" && has_value) o.threads = std::stoi(argv[++i]);
      else if (a == "--calls" && has_value) o.calls = std::stoi(argv[++i]);
      else if (a == "--seed" && has_value) o.seed = static_cast<unsigned>(std::stoul(argv[++i]));
      else if (a == "--timeout-s" && has_value) o.timeout_s = std::stoi(argv[++i]);
      else if (a == "--rounds" && has_value) o.rounds = std::stoi(argv[++i]);
      else if (a.rfind("--", 0) == 0) return false;
      else o.ops.push_back(a);
    } catch (const std::exception&) {
      return false;
    }
  }
  return !o.clsid.empty() && o.threads >= 0 && o.threads <= 64 && o.calls >= 0 && o.timeout_s > 0 && o.rounds >= 1;
}


// Activation, retried while the server answers CO_E_SERVER_STOPPING; `stopping` counts those answers.
Result<std::shared_ptr<WsbApplication>> activate(ComRuntime& com, const std::string& clsid, int& stopping) {
  for (int attempt = 0;; ++attempt) {
    auto activated = com.activate_local_server(clsid);
    if (activated) return std::shared_ptr<WsbApplication>(std::move(*activated));
    // CO_E_SERVER_STOPPING is the server's own refusal; Wine answers an activation that reaches a
    // server between its revoke and its exit with RPC_S_UNKNOWN_IF or RPC_S_SERVER_UNAVAILABLE,
    // or RPC_S_CALL_FAILED when the process ends while the activation's call is in it (seen under
    // load), where Windows' COM retries by itself: the same "it is going away", tried again. Only
    // activations are retried; a method call that fails this way fails the test. E_NOINTERFACE was
    // seen once too (LocalService hosting, one churn round, the next activation fine): Wine's
    // answer when the class object it reaches has just been revoked. Not explained further yet.
    const Hresult h = activated.error().hresult_code();
    const bool going_away = h == hr::co_e_server_stopping || h == static_cast<Hresult>(0x800706B5u) ||
                            h == hr::rpc_s_server_unavailable || h == static_cast<Hresult>(0x800706BEu) ||
                            h == static_cast<Hresult>(0x80004002u);
    if (!going_away || attempt == 200) {
      return activated.error();
    }
    ++stopping;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

// One round: activate, storm, OPs, release. Exit code of the round (0 when it went as expected).
int round_trip(ComRuntime& com, const Options& o, unsigned seed, Tally& tally, int& stopping) {
  const auto started = std::chrono::steady_clock::now();
  auto activated = activate(com, o.clsid, stopping);
  if (!activated) {
    std::cout << "activation failed: " << activated.error().message() << "\n";
    return 3;
  }
  const auto activation_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::shared_ptr<WsbApplication> app = std::move(*activated);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back(storm_thread, std::ref(*app), std::ref(tally), seed * 1000u + static_cast<unsigned>(t), o.calls);
  }
  for (auto& t : threads) t.join();
  const auto storm_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count() - activation_ms;
  for (const auto& op : o.ops) {
    if (!run_op(*app, tally, op)) {
      std::cout << "bad OP: " << op << "\n";
      return 2;
    }
  }
  app.reset();  // released before the apartment goes
  std::cout << "activation " << activation_ms << " ms, storm " << o.threads << "x" << o.calls << " in " << storm_ms << " ms\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::cerr << "usage: wsbkit-concurrent-client --clsid {CLSID} [--threads N] [--calls M] [--seed S] [--rounds R] "
                 "[--timeout-s T] [order|pre:NAME|post:NAME|signal:PATH|wait:PATH ...]\n";
    return 2;
  }
  // The watchdog: a server that dies or hangs must not hang the test.
  std::thread([timeout = o.timeout_s] {
    std::this_thread::sleep_for(std::chrono::seconds(timeout));
    std::cout << "TIMEOUT: still running after " << timeout << " s\n" << std::flush;
    std::_Exit(4);
  }).detach();

  auto com = win32::make_com_runtime();  // the main thread's MTA; outlives every object
  if (!com) {
    std::cout << "activation failed: " << com.error().message() << "\n";
    return 3;
  }
  Tally tally;
  int stopping = 0;
  for (int round = 0; round < o.rounds; ++round) {
    if (const int rc = round_trip(**com, o, o.seed + static_cast<unsigned>(round) * 7919u, tally, stopping); rc != 0) {
      tally.summary();
      return rc;
    }
  }
  if (o.rounds > 1) std::cout << "rounds " << o.rounds << ", activations answered 'server stopping' " << stopping << "\n";
  tally.summary();
  return tally.failures() == 0 ? 0 : 1;
}
