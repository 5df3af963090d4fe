// The in-memory registry (platform/memory/memory_registry.hpp) with test controls: failure
// injection at the N-th interface call or by predicate, a "not elevated" mode (writes to HKLM/HKCR
// fail with ERROR_ACCESS_DENIED, as for a non-admin process), and the call log.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "mock/fault_injection.hpp"
#include "platform/memory/memory_registry.hpp"

namespace wsbkit::mock {

using wsbkit::RegistryCall;
using wsbkit::RegistryOperation;
using wsbkit::RegistrySnapshot;
using wsbkit::describe_differences;
using wsbkit::error_bad_pathname;

// Predicate: a write (create/delete key or tree, set/delete value) to `path` or below it.
FaultInjector<RegistryCall>::Predicate writes_under(RegistryRoot root, std::string path);

class FakeRegistry final : public MemoryRegistry {
 public:
  // Failure injection: see FaultInjector. Call numbers count every interface call since construction.
  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code = win32_error::access_denied);
  void fail_when(FaultInjector<RegistryCall>::Predicate predicate,
                 std::uint32_t win32_code = win32_error::access_denied);
  void clear_faults();
  std::uint64_t call_count() const;
  std::vector<RegistryCall> calls() const;
  // Not elevated: every write to HKLM or HKCR fails with ERROR_ACCESS_DENIED (reads still work,
  // and creating a key that already exists still succeeds, as with KEY_QUERY_VALUE access).
  void set_elevated(bool elevated);

 protected:
  std::optional<Error> before_call(const RegistryCall& call, const char* api) override;
  bool write_denied(RegistryRoot root) const override;

 private:
  mutable std::mutex mutex_;
  FaultInjector<RegistryCall> faults_;
  bool elevated_ = true;
};

}  // namespace wsbkit::mock
