// The add-in's record of every WSB call: one JSON object per line (method, arguments, HRESULT,
// time), written through a sink so the core never knows where lines go (a file on Windows, memory
// in tests).
#pragma once

#include <chrono>
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
  void record(std::string_view method, const std::vector<Field>& arguments, Hresult result);

 private:
  std::mutex mutex_;
  Sink sink_;
};

}  // namespace wsbkit
