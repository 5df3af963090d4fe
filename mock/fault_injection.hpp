// Failure injection shared by the fakes: every interface call of a fake is counted and described
// (a Call record), and a test can make the N-th call fail, or every call matching a predicate,
// with the Win32 code it chooses. An injected failure happens before the fake changes anything,
// as when the real API fails.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace wsbkit::mock {

template <class Call>
class FaultInjector {
 public:
  using Predicate = std::function<bool(const Call&)>;

  // The call numbered `call_number` (1 = the fake's first call ever; see call_count()) fails once.
  void fail_at_call(std::uint64_t call_number, std::uint32_t win32_code) {
    at_call_.push_back({call_number, win32_code});
  }
  // Every call matching the predicate fails, until clear_faults().
  void fail_when(Predicate predicate, std::uint32_t win32_code) {
    predicates_.push_back({std::move(predicate), win32_code});
  }
  void clear_faults() {
    at_call_.clear();
    predicates_.clear();
  }

  // Interface calls so far, failed ones included.
  std::uint64_t call_count() const { return calls_.size(); }
  const std::vector<Call>& calls() const { return calls_; }

  // Records the call; the code it must fail with, if a fault applies.
  std::optional<std::uint32_t> on_call(const Call& call) {
    calls_.push_back(call);
    const std::uint64_t number = calls_.size();
    for (const auto& fault : at_call_) {
      if (fault.first == number) return fault.second;
    }
    for (const auto& fault : predicates_) {
      if (fault.first(call)) return fault.second;
    }
    return std::nullopt;
  }

 private:
  std::vector<std::pair<std::uint64_t, std::uint32_t>> at_call_;
  std::vector<std::pair<Predicate, std::uint32_t>> predicates_;
  std::vector<Call> calls_;
};

}  // namespace wsbkit::mock
