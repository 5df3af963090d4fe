#include "core/steps/run_log.hpp"

#include "core/addin/call_log.hpp"

namespace wsbkit::steps {

JsonLine& JsonLine::field(std::string_view name, const std::string& encoded) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(name);
  body_ += ':';
  body_ += encoded;
  return *this;
}

JsonLine& JsonLine::text(std::string_view name, std::string_view value) { return field(name, json_quote(value)); }

JsonLine& JsonLine::text_or_null(std::string_view name, const std::optional<std::string>& value) {
  return value ? text(name, std::string_view(*value)) : null(name);
}

JsonLine& JsonLine::boolean(std::string_view name, bool value) { return field(name, value ? "true" : "false"); }

JsonLine& JsonLine::null(std::string_view name) { return field(name, "null"); }

JsonLine& mark_skipped(JsonLine& line, std::string_view reason) { return line.text("result", "skipped").text("message", reason); }

RunLog::RunLog(FileSystem& files, std::string directory, std::string file_name, std::string separator)
    : files_(files), directory_(std::move(directory)), path_(directory_ + separator + file_name) {}

Result<void> RunLog::append(const JsonLine& line) {
  const std::string text = line.str() + "\n";
  std::lock_guard lock(mutex_);
  Result<void> written = success();
  if (!directory_ready_) {
    if (auto made = files_.create_directories(directory_); !made) written = made.error();
    else directory_ready_ = true;
  }
  if (written) written = files_.append_file_no_follow(path_, text);  // a link planted as the log is refused
  return written;
}

}  // namespace wsbkit::steps
