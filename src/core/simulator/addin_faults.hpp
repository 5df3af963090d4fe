// The add-in dying as WSB would see it (`wsbkit simulate --kill-addin-after CALL[:COMPONENT]`):
// the add-in's server process terminated right after a call, found by the process id the add-in
// itself records with every call in its call log (addin.jsonl); then WSB carries on, and its next
// call activates a new add-in (ReactivatingApplication), which finds the session's journal and
// completes the undo. In process the "process" is the add-in core: dropped, and a new one made.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "platform/com/wsb_application.hpp"
#include "platform/file_system.hpp"
#include "platform/process_control.hpp"

namespace wsbkit {

// A WsbApplication that activates its add-in on first use and again after lose().
class ReactivatingApplication final : public WsbApplication {
 public:
  using Factory = std::function<Result<std::shared_ptr<WsbApplication>>()>;
  explicit ReactivatingApplication(Factory activate) : activate_(std::move(activate)) {}

  // Activates now (the first add-in); the error of the activation otherwise.
  Result<void> activate();
  // The add-in is gone: the next call activates a new one.
  void lose();
  int activations() const { return activations_; }
  // Why the last activation failed ("" when it did not).
  const std::string& activation_problem() const { return problem_; }

  ConsistencyResult check_consistency(const ConsistencyRequest& request) override;
  Hresult pre_restore(const RestoreRequest& request) override;
  Hresult post_restore(const RestoreRequest& request) override;
  OrderResult order_components(const OrderRequest& request) override;
  Hresult is_roll_forward_supported(bool& supported) override;

 private:
  // The current add-in, activated if needed; null with `failure` set when activation failed.
  std::shared_ptr<WsbApplication> current(Hresult& failure);

  Factory activate_;
  std::mutex mutex_;
  std::shared_ptr<WsbApplication> app_;
  int activations_ = 0;
  std::string problem_;
};

// The process id the add-in recorded with its last call of `method` in its call log (lines
// {"time":..,"pid":N,"method":"PreRestore",...}); an error naming the log when there is none.
Result<std::uint32_t> addin_process_of(FileSystem& files, const std::string& call_log, const std::string& method);

// Terminates the add-in process that made the last `method` call; returns its id. The process is
// left alone (an error) unless its executable's file name is `addin_image`'s (the id may have
// been given to another process since the add-in wrote it).
Result<std::uint32_t> kill_addin_after(FileSystem& files, ProcessControl& processes, const std::string& call_log,
                                       const std::string& method, const std::string& addin_image);

}  // namespace wsbkit
