#include "core/simulator/addin_faults.hpp"

#include <nlohmann/json.hpp>

#include <sstream>
#include <vector>

#include "platform/text.hpp"

namespace wsbkit {
namespace {

std::string file_name_of(const std::string& path) {
  const auto slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<void> ReactivatingApplication::activate() {
  Hresult failure = hr::ok;
  if (!current(failure)) return Error::hresult(failure, "activate", "add-in", problem_);
  return success();
}

void ReactivatingApplication::lose() {
  std::lock_guard lock(mutex_);
  app_.reset();
}

std::shared_ptr<WsbApplication> ReactivatingApplication::current(Hresult& failure) {
  std::lock_guard lock(mutex_);
  if (app_) return app_;
  auto activated = activate_();
  if (!activated) {
    problem_ = activated.error().message();
    failure = activated.error().hresult_code();
    return nullptr;
  }
  problem_.clear();
  ++activations_;
  app_ = std::move(*activated);
  return app_;
}

ConsistencyResult ReactivatingApplication::check_consistency(const ConsistencyRequest& request) {
  Hresult failure = hr::ok;
  auto app = current(failure);
  return app ? app->check_consistency(request) : ConsistencyResult{failure, nullptr};
}

Hresult ReactivatingApplication::pre_restore(const RestoreRequest& request) {
  Hresult failure = hr::ok;
  auto app = current(failure);
  return app ? app->pre_restore(request) : failure;
}

Hresult ReactivatingApplication::post_restore(const RestoreRequest& request) {
  Hresult failure = hr::ok;
  auto app = current(failure);
  return app ? app->post_restore(request) : failure;
}

OrderResult ReactivatingApplication::order_components(const OrderRequest& request) {
  Hresult failure = hr::ok;
  auto app = current(failure);
  return app ? app->order_components(request) : OrderResult{failure, std::nullopt, std::nullopt};
}

Hresult ReactivatingApplication::is_roll_forward_supported(bool& supported) {
  Hresult failure = hr::ok;
  auto app = current(failure);
  return app ? app->is_roll_forward_supported(supported) : failure;
}

Result<std::uint32_t> addin_process_of(FileSystem& files, const std::string& call_log, const std::string& method) {
  auto text = files.read_file_no_follow(call_log);
  if (!text) return text.error();
  std::istringstream lines(*text);
  std::optional<std::uint32_t> pid;
  for (std::string line; std::getline(lines, line);) {
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) continue;
    const auto m = parsed.find("method");
    const auto p = parsed.find("pid");
    if (m == parsed.end() || !m->is_string() || *m != method) continue;
    if (p == parsed.end() || !p->is_number_unsigned() || p->get<std::uint64_t>() > 0xFFFFFFFFu) continue;
    pid = static_cast<std::uint32_t>(p->get<std::uint64_t>());
  }
  if (!pid) {
    return Error::win32(win32_error::file_not_found, "find the add-in process", call_log,
                        "no " + method + " call with a process id in the add-in's call log");
  }
  return *pid;
}

Result<std::uint32_t> kill_addin_after(FileSystem& files, ProcessControl& processes, const std::string& call_log,
                                       const std::string& method, const std::string& addin_image) {
  auto pid = addin_process_of(files, call_log, method);
  if (!pid) return pid.error();
  auto image = processes.image_path(*pid);
  if (!image) return image.error();
  if (!iequals(file_name_of(*image), file_name_of(addin_image))) {
    return Error::win32(win32_error::access_denied, "terminate", "process " + std::to_string(*pid),
                        "it runs " + *image + ", not the add-in " + addin_image + ": left alone");
  }
  if (auto ended = processes.terminate(*pid, 1, std::chrono::seconds(10)); !ended) return ended.error();
  return *pid;
}

}  // namespace wsbkit
