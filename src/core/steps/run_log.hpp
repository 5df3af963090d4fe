// The run logs of the policy steps: one JSON object per line, appended to a file through the
// FileSystem without following a reparse point (restore: <state>\logs\restore-<session>.jsonl;
// checks: <logs>\check-<id>.jsonl): a link planted as a log file is refused, never written through.
//
// Building a line never throws on any input (std::bad_alloc aside): every string goes through
// json_quote (core/addin/call_log.hpp), which keeps names that came from COM exact (WTF-8, see
// platform/text.hpp). Text from a tool's output is made valid UTF-8 first (output_text.hpp).
#pragma once

#include <concepts>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "platform/error.hpp"
#include "platform/file_system.hpp"

namespace wsbkit::steps {

// One JSON object, its fields in the order they are added.
class JsonLine {
 public:
  JsonLine& text(std::string_view name, std::string_view value);
  JsonLine& text_or_null(std::string_view name, const std::optional<std::string>& value);
  JsonLine& boolean(std::string_view name, bool value);
  JsonLine& null(std::string_view name);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonLine& number(std::string_view name, T value) {
    return field(name, std::to_string(value));
  }
  // "{...}" (no line break).
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonLine& field(std::string_view name, const std::string& encoded);
  std::string body_;
};

// Marks `line` as a step that did not run for this call, with the reason: "result": "skipped" and
// "message", the same two fields in every run log (restore and check), as the simulator's
// timeline reads them (core/simulator/timeline.cpp).
JsonLine& mark_skipped(JsonLine& line, std::string_view reason);

// Appends lines to one run log file, creating its folder first. Safe to share between threads.
class RunLog {
 public:
  RunLog(FileSystem& files, std::string directory, std::string file_name, std::string separator = "\\");

  // The line and a line break, in one append. A failure (the folder or the file could not be
  // written) is returned; the next append tries again.
  Result<void> append(const JsonLine& line);
  const std::string& path() const { return path_; }

 private:
  FileSystem& files_;
  std::string directory_;
  std::string path_;
  mutable std::mutex mutex_;
  bool directory_ready_ = false;
};

}  // namespace wsbkit::steps
