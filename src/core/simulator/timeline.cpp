#include "core/simulator/timeline.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "core/support/json_text.hpp"
#include "platform/text.hpp"

namespace wsbkit {
namespace {

using nlohmann::json;

std::string text_field(const json& line, const char* name) {
  const auto it = line.find(name);
  if (it == line.end() || !it->is_string()) return "";
  return exact_string_from_json(*it).value_or(it->get<std::string>());
}

std::int64_t number_field(const json& line, const char* name) {
  const auto it = line.find(name);
  return it != line.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

// A step the add-in did not run for the call, with the reason (steps::mark_skipped: the same
// fields in the check and the restore logs).
std::optional<TimelineStep> skipped_step(const json& line, const char* log, const char* kind_field) {
  if (text_field(line, "result") != "skipped") return std::nullopt;
  return TimelineStep{log, text_field(line, "step"), text_field(line, kind_field), "skipped", text_field(line, "message"), 0};
}

// A check log line: a step's attempt or skip, or the check's verdict ("end"), or the Abort request.
std::optional<TimelineStep> check_step(const json& line) {
  const std::string event = text_field(line, "event");
  if (event == "step") {
    if (auto skipped = skipped_step(line, "check", "type")) return skipped;
    return TimelineStep{"check", text_field(line, "step"), text_field(line, "type"), text_field(line, "outcome"),
                        text_field(line, "message"), number_field(line, "duration_ms")};
  }
  if (event == "end") {
    const std::string result = text_field(line, "result");
    return TimelineStep{"check", "(check)", "verdict", result == "S_OK" ? "passed" : result,
                        text_field(line, "reason"), number_field(line, "duration_ms")};
  }
  if (event == "abort") return TimelineStep{"check", "(check)", "abort", "abort requested", "", 0};
  return std::nullopt;
}

// A restore log line: one attempt of a pre or post step, or its skip.
std::optional<TimelineStep> restore_step(const json& line) {
  if (!line.contains("step") || !line.contains("phase")) return std::nullopt;
  if (auto skipped = skipped_step(line, "restore", "phase")) return skipped;
  std::string reason = text_field(line, "message");
  if (line.contains("exit_code")) reason += (reason.empty() ? "" : "; ") + std::string("exit code ") + std::to_string(number_field(line, "exit_code"));
  if (line.value("timed_out", false)) reason += (reason.empty() ? "" : "; ") + std::string("timed out");
  if (number_field(line, "attempt") > 1) reason += (reason.empty() ? "" : "; ") + std::string("attempt ") + std::to_string(number_field(line, "attempt"));
  return TimelineStep{"restore", text_field(line, "step"), text_field(line, "phase"), text_field(line, "result"), reason,
                      number_field(line, "duration_ms")};
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The check's result a QueryStatus reported ("result NAME" in its outcome).
std::optional<Hresult> check_result_of(const SimulatedCall& call) {
  if (call.method != "QueryStatus") return std::nullopt;
  return call.check_result;
}

bool check_failed(const SimulatedCall& call) {
  const auto result = check_result_of(call);
  return result && *result != hr::ok && *result != hr::e_abort;
}

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (const char c : to_valid_utf8(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string services_line(const std::vector<ServiceView>& views) {
  std::string out;
  for (const auto& v : views) out += (out.empty() ? "" : ", ") + v.name + " " + v.state + " (" + v.start_type + ")";
  return out.empty() ? "(none named)" : out;
}

json services_json(const std::vector<ServiceView>& views) {
  json out = json::array();
  for (const auto& v : views) out.push_back({{"name", v.name}, {"state", v.state}, {"start_type", v.start_type}});
  return out;
}

std::string seconds(std::chrono::milliseconds ms) {
  std::ostringstream s;
  s << ms.count() / 1000 << "." << (ms.count() % 1000) / 100;
  return s.str();
}

}  // namespace

std::optional<TimelineStep> step_of_log_line(const std::string& log, const std::string& line) {
  const json parsed = json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return log == "check" ? check_step(parsed) : restore_step(parsed);
}

RunLogFollower::RunLogFollower(FileSystem& files, std::string logs_dir, std::string separator)
    : files_(files), dir_(std::move(logs_dir)), separator_(std::move(separator)) {}

void RunLogFollower::skip_existing() {
  seen_.clear();
  auto entries = files_.list_directory(dir_);
  if (!entries) return;  // no folder yet: every file that appears is this run's
  for (const auto& e : *entries) {
    if (auto size = files_.file_size(dir_ + separator_ + e.name)) seen_[e.name] = static_cast<std::size_t>(*size);
  }
}

std::vector<TimelineStep> RunLogFollower::take() {
  std::vector<TimelineStep> steps;
  auto entries = files_.list_directory(dir_);
  if (!entries) return steps;
  std::vector<std::string> names;
  for (const auto& e : *entries) {
    if (!ends_with(e.name, ".jsonl")) continue;
    if (starts_with(e.name, "check-") || starts_with(e.name, "restore-")) names.push_back(e.name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    // Read with writers allowed (read_chunks shares write): a reader that denied them would make the
    // add-in's next append fail with a sharing violation and its line go to the event log instead.
    std::string content;
    auto read = files_.read_chunks(dir_ + separator_ + name, 1u << 16, [&](std::string_view chunk) -> Result<void> {
      content.append(chunk);
      return success();
    });
    if (!read) continue;
    const std::string* text = &content;
    std::size_t& offset = seen_[name];
    if (offset > text->size()) offset = 0;  // a new file under an old name
    const std::size_t complete = text->rfind('\n');
    if (complete == std::string::npos || complete < offset) continue;
    std::istringstream lines(text->substr(offset, complete + 1 - offset));
    offset = complete + 1;
    const std::string log = starts_with(name, "check-") ? "check" : "restore";
    for (std::string line; std::getline(lines, line);) {
      if (auto step = step_of_log_line(log, line)) steps.push_back(std::move(*step));
    }
  }
  return steps;
}

std::vector<ServiceView> service_views(ServiceControl& services, const std::vector<std::string>& names) {
  std::vector<ServiceView> views;
  for (const auto& name : names) {
    ServiceView v{name, "", ""};
    if (auto status = services.query_status(name)) v.state = to_string(status->state);
    else v.state = "unknown (" + status.error().message() + ")";
    if (auto type = services.query_start_type(name)) v.start_type = to_string(*type);
    else v.start_type = "unknown";
    views.push_back(std::move(v));
  }
  return views;
}

std::string component_of(const SimulatedCall& call) {
  const std::string key = "component=";
  const auto at = call.arguments.find(key);
  if (at == std::string::npos || at + key.size() >= call.arguments.size() || call.arguments[at + key.size()] != '"') return "";
  std::size_t end = at + key.size() + 1;
  while (end < call.arguments.size() && call.arguments[end] != '"') end += call.arguments[end] == '\\' ? 2 : 1;
  if (end >= call.arguments.size()) return "";
  return json_unquote(call.arguments.substr(at + key.size(), end + 1 - at - key.size())).value_or("");
}

// A check runs after CheckConsistency returns: its lines go under the QueryStatus that reports
// its result. Restore steps run inside their call and go under it.
void TimelineRecorder::record(const SimulatedCall& call) {
  TimelineEntry entry{call, component_of(call), {}};
  const bool check_over = call.method == "QueryStatus" && call.check_result.has_value();
  for (auto& step : logs_ ? logs_->take() : std::vector<TimelineStep>{}) {
    if (step.log == "check" && !check_over) pending_checks_.push_back(std::move(step));
    else entry.steps.push_back(std::move(step));
  }
  if (check_over) {
    entry.steps.insert(entry.steps.begin(), pending_checks_.begin(), pending_checks_.end());
    pending_checks_.clear();
  }
  timeline_.entries.push_back(std::move(entry));
}

Verdict verdict_of(const Timeline& timeline) {
  bool refused = false;
  for (const auto& e : timeline.entries) {
    if (!e.call.ok) return Verdict::failed;
    refused = refused || check_failed(e.call);
  }
  return refused ? Verdict::recovery_refused : Verdict::ok;
}

std::string verdict_text(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok: return "WSB would report success";
    case Verdict::recovery_refused: return "WSB would not allow recovery of a component from this backup (a consistency check failed)";
    case Verdict::failed: return "WSB would report a failure (a call returned what WSB rejects)";
  }
  return "";
}

std::string timeline_table(const Timeline& t) {
  std::ostringstream out;
  out << "Services before: " << services_line(t.services_before) << "\n";
  out << "  time    phase    call                     component        result\n";
  std::chrono::milliseconds at{0};
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    const auto& e = t.entries[i];
    at += e.call.duration;
    std::string result = hr::name(e.call.hr);
    if (const auto r = check_result_of(e.call)) result += " (check: " + hr::name(*r) + ")";
    out << "  " << std::left << std::setw(7) << seconds(at) << " " << std::setw(8) << e.call.phase << " " << std::setw(24)
        << e.call.method << " " << std::setw(16) << (e.component.empty() ? "-" : e.component) << " " << result
        << (e.call.ok ? "" : "   <-- WSB rejects this") << (check_failed(e.call) ? "   <-- recovery not allowed" : "") << "\n";
    if (!e.call.outcome.empty() && e.call.method != "QueryStatus") out << "            " << e.call.outcome << "\n";
    for (const auto& s : e.steps) {
      out << "            " << std::setw(18) << s.step << " " << std::setw(16) << s.kind << " " << std::setw(8) << s.outcome
          << " " << s.duration_ms << " ms" << (s.reason.empty() ? "" : ": " + s.reason) << "\n";
    }
    const bool pre_ok = e.call.method == "PreRestore" && e.call.ok;
    const bool files_next = i + 1 < t.entries.size() && t.entries[i + 1].call.method.find("file") != std::string::npos;
    if (pre_ok && !files_next && i + 1 < t.entries.size()) out << "  ------- WSB restores the files of " << e.component << " here -------\n";
  }
  out << "Services after:  " << services_line(t.services_after) << "\n";
  for (const auto& n : t.notes) out << n << "\n";
  return out.str();
}

std::string timeline_json(const Timeline& t) {
  json calls = json::array();
  for (const auto& e : t.entries) {
    json steps = json::array();
    for (const auto& s : e.steps) {
      steps.push_back({{"log", exact_string_json(s.log)}, {"step", exact_string_json(s.step)}, {"kind", exact_string_json(s.kind)},
                       {"outcome", exact_string_json(s.outcome)}, {"reason", exact_string_json(s.reason)},
                       {"duration_ms", s.duration_ms}});
    }
    json call = {{"phase", e.call.phase},
                 {"call", e.call.method},
                 {"component", exact_string_json(e.component)},
                 {"arguments", exact_string_json(e.call.arguments)},
                 {"hresult", hr::name(e.call.hr)},
                 {"hresult_hex", hr::to_hex(e.call.hr)},
                 {"outcome", exact_string_json(e.call.outcome)},
                 {"accepted", e.call.ok},
                 {"duration_ms", e.call.duration.count()},
                 {"steps", steps}};
    if (const auto r = check_result_of(e.call)) call["check_result"] = hr::name(*r);
    calls.push_back(std::move(call));
  }
  const Verdict v = verdict_of(t);
  json sessions = json::array();
  for (const auto& s : t.open_sessions) sessions.push_back(exact_string_json(s));
  json notes = json::array();
  for (const auto& n : t.notes) notes.push_back(exact_string_json(n));
  const json doc = {{"services_before", services_json(t.services_before)},
                    {"calls", calls},
                    {"services_after", services_json(t.services_after)},
                    {"open_sessions", sessions},
                    {"notes", notes},
                    {"verdict", v == Verdict::ok ? "ok" : v == Verdict::recovery_refused ? "recovery_refused" : "failed"},
                    {"verdict_text", verdict_text(v)}};
  return json_text(doc, 2) + "\n";
}

// One test case per call; a rejected call or a failed check is a failure, with the steps' reasons.
std::string timeline_junit(const Timeline& t) {
  std::size_t failures = 0;
  std::ostringstream cases;
  for (const auto& e : t.entries) {
    const bool failed = !e.call.ok || check_failed(e.call);
    failures += failed ? 1 : 0;
    const std::string name = e.call.method + (e.component.empty() ? "" : " " + e.component);
    cases << "    <testcase classname=\"wsb." << xml_escaped(e.call.phase) << "\" name=\"" << xml_escaped(name) << "\" time=\""
          << seconds(e.call.duration) << "\">\n";
    std::string details;
    for (const auto& s : e.steps) details += s.step + " " + s.kind + " " + s.outcome + (s.reason.empty() ? "" : ": " + s.reason) + "\n";
    if (failed) {
      std::string result = hr::name(e.call.hr);
      if (const auto r = check_result_of(e.call)) result = hr::name(*r);
      cases << "      <failure message=\"" << xml_escaped(result) << "\">" << xml_escaped(details) << "</failure>\n";
    } else if (!details.empty()) {
      cases << "      <system-out>" << xml_escaped(details) << "</system-out>\n";
    }
    cases << "    </testcase>\n";
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"wsbkit simulate\" tests=\""
      << t.entries.size() << "\" failures=\"" << failures << "\">\n"
      << cases.str() << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace wsbkit
