// The add-in's record of every WSB call: one JSON object per line (method, arguments, HRESULT,
// time), written through a sink so the core never knows where lines go (a file on Windows, memory
// in tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/support/json_text.hpp"  // json_quote: how callers encode the fields' values
#include "platform/error.hpp"

namespace wsbkit {

class CallLog {
 public:
  using Field = std::pair<std::string, std::string>;  // name, already-encoded JSON value (json_quote)
  using Sink = std::function<void(const std::string& line)>;

  explicit CallLog(Sink sink) : sink_(std::move(sink)) {}
  // Every line also carries "pid": the add-in's process id (how `simulate --kill-addin-after`
  // finds the process that answered a call); 0: no such field.
  CallLog(Sink sink, std::uint32_t process_id) : sink_(std::move(sink)), process_id_(process_id) {}
  void record(std::string_view method, const std::vector<Field>& arguments, Hresult result);

 private:
  std::mutex mutex_;
  Sink sink_;
  std::uint32_t process_id_ = 0;
};

}  // namespace wsbkit
