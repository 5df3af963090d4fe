// Console's fake: whether "standard input" is interactive, and the lines the administrator types.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include "platform/console.hpp"

namespace wsbkit::mock {

class FakeConsole final : public Console {
 public:
  bool input_is_interactive() override {
    std::lock_guard lock(mutex_);
    return interactive_;
  }
  Result<std::string> read_line() override {
    std::lock_guard lock(mutex_);
    ++reads_;
    if (!interactive_ || lines_.empty()) {
      return Error::win32(win32_error::handle_eof, "ReadConsoleW", "standard input", "the end of input");
    }
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    if (line.size() > max_line_chars) {
      return Error::win32(win32_error::invalid_data, "ReadConsoleW", "standard input", "the line is too long");
    }
    return line;
  }

  // --- test controls ---
  void set_interactive(bool interactive) {
    std::lock_guard lock(mutex_);
    interactive_ = interactive;
  }
  void type(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  int reads() {
    std::lock_guard lock(mutex_);
    return reads_;
  }

 private:
  std::mutex mutex_;
  bool interactive_ = false;
  std::deque<std::string> lines_;
  int reads_ = 0;
};

}  // namespace wsbkit::mock
