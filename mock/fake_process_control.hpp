// ProcessControl's fake: a table of live process ids. A test spawns ids and sees which were
// terminated (and with what exit code); `on_terminate` plays what dies with the process.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "platform/process_control.hpp"

namespace wsbkit::mock {

class FakeProcessControl final : public ProcessControl {
 public:
  std::uint32_t current_process_id() override { return 1000; }

  Result<std::string> image_path(std::uint32_t process_id) override {
    std::lock_guard lock(mutex_);
    auto it = images_.find(process_id);
    if (it == images_.end() || !live_[process_id]) {
      return Error::win32(win32_error::invalid_parameter, "OpenProcess", "process " + std::to_string(process_id));
    }
    return it->second;
  }

  Result<void> terminate(std::uint32_t process_id, std::uint32_t exit_code, std::chrono::milliseconds) override {
    std::function<void(std::uint32_t)> died;
    {
      std::lock_guard lock(mutex_);
      auto it = live_.find(process_id);
      if (it == live_.end() || !it->second) {
        return Error::win32(win32_error::invalid_parameter, "OpenProcess", "process " + std::to_string(process_id));
      }
      it->second = false;
      exit_codes_[process_id] = exit_code;
      died = on_terminate;
    }
    if (died) died(process_id);
    return success();
  }

  // --- test controls ---
  std::uint32_t spawn(const std::string& image = "C:\\Program Files\\wsbkit\\wsbkit-addin.exe") {
    std::lock_guard lock(mutex_);
    const std::uint32_t id = next_id_;
    next_id_ += 4;
    live_[id] = true;
    images_[id] = image;
    return id;
  }
  bool alive(std::uint32_t process_id) {
    std::lock_guard lock(mutex_);
    auto it = live_.find(process_id);
    return it != live_.end() && it->second;
  }
  std::optional<std::uint32_t> exit_code(std::uint32_t process_id) {
    std::lock_guard lock(mutex_);
    auto it = exit_codes_.find(process_id);
    if (it == exit_codes_.end()) return std::nullopt;
    return it->second;
  }
  std::function<void(std::uint32_t)> on_terminate;

 private:
  std::mutex mutex_;
  std::map<std::uint32_t, bool> live_;
  std::map<std::uint32_t, std::uint32_t> exit_codes_;
  std::map<std::uint32_t, std::string> images_;
  std::uint32_t next_id_ = 2000;
};

}  // namespace wsbkit::mock
