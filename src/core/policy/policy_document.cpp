#include "core/policy/policy_document.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <iterator>
#include <string_view>

#include "platform/text.hpp"

namespace wsbkit::policy {
namespace {

// Iterator over the text that publishes how far the parser has read, so the SAX handler knows
// where each token ended.
struct TrackedIterator {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* position = nullptr;
  const char** furthest = nullptr;

  reference operator*() const { return *position; }
  TrackedIterator& operator++() {
    ++position;
    if (position > *furthest) *furthest = position;
    return *this;
  }
  TrackedIterator operator++(int) {
    TrackedIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackedIterator& other) const { return position == other.position; }
  bool operator!=(const TrackedIterator& other) const { return position != other.position; }
};

// Line and column of byte offsets: the line starts are found once, then each lookup is a binary
// search (computing each location from offset 0 made large documents quadratic).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : size_(text.size()) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  // 1-based; an offset past the end is the end.
  Location at(std::size_t offset) const {
    offset = std::min(offset, size_);
    const auto next_line = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const auto line = static_cast<std::size_t>(next_line - starts_.begin());  // >= 1: starts_[0] == 0
    return {static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }
  // The comparisons one lookup makes (for the work count).
  std::size_t lookup_steps() const { return static_cast<std::size_t>(std::bit_width(starts_.size())); }

 private:
  std::size_t size_;
  std::vector<std::size_t> starts_;
};

// Records the location of every value (and of each key's value) under its display path.
// Linear in the text: the gap before each token is scanned once, locations come from the
// LineIndex, and the display paths built are limited to a budget proportional to the text (a long
// key above many values would otherwise make them quadratic); past the budget nothing more is
// located. Nesting deeper than max_nesting stops the parse.
class LocatingHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  LocatingHandler(std::string_view text, const LineIndex& lines, const char** furthest,
                  std::map<std::string, Location>& out)
      : text_(text), lines_(lines), furthest_(furthest), out_(out), path_budget_(32 * text.size() + 65536) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& key) override {
    Frame& frame = frames_.back();
    frame.key = key;
    const auto path = current_path();
    const std::size_t at = record(path);
    if (!frame.keys.insert(key).second) {
      const auto first = path ? out_.find(*path) : out_.end();
      duplicates_.push_back({path.value_or(key), first == out_.end() ? Location{} : first->second, lines_.at(at)});
    }
    return true;
  }
  bool end_object() override { return end_container(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return end_container(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  struct Duplicate {
    std::string path;
    Location first;
    Location again;
  };
  // Keys given twice in one object (JSON parsers disagree on which wins: wsbkit refuses them).
  const std::vector<Duplicate>& duplicates() const { return duplicates_; }
  // Where the first container deeper than max_nesting starts, if there is one.
  const std::optional<Location>& too_deep() const { return too_deep_; }
  std::size_t work() const { return work_; }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::string path;
    std::set<std::string> keys;  // an object's keys so far
  };

  // The display path of the value being read; nullopt once the path budget is spent.
  std::optional<std::string> current_path() {
    if (budget_spent_) return std::nullopt;
    if (frames_.empty()) return std::string();
    const Frame& f = frames_.back();
    const std::string index = f.array ? "[" + std::to_string(f.index) + "]" : std::string();
    const std::size_t length = f.path.size() + (f.array ? index.size() : f.key.size() + 1);
    work_ += length;
    path_bytes_ += length;
    if (path_bytes_ > path_budget_) {
      budget_spent_ = true;
      return std::nullopt;
    }
    if (f.array) return f.path + index;
    return f.path.empty() ? f.key : f.path + "." + f.key;
  }
  bool open(bool array) {
    auto path = current_path();
    const std::size_t start = record(path);
    if (frames_.size() >= max_nesting) {
      too_deep_ = lines_.at(start);
      return false;
    }
    frames_.push_back({array, 0, {}, path ? std::move(*path) : std::string(), {}});
    return true;
  }
  bool value() {
    record(current_path());
    advance();
    return true;
  }
  bool end_container() {
    frames_.pop_back();
    advance();
    last_end_ = static_cast<std::size_t>(*furthest_ - text_.data());
    return true;
  }
  void advance() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  // The token just read starts at the first significant character after the previous token;
  // returns that offset.
  std::size_t record(const std::optional<std::string>& path) {
    std::size_t i = last_end_;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ':') {
        ++i;
      } else if (c == '/' && i + 1 < text_.size() && text_[i + 1] == '/') {
        while (i < text_.size() && text_[i] != '\n') ++i;
      } else if (c == '/' && i + 1 < text_.size() && text_[i + 1] == '*') {
        const auto end = text_.find("*/", i + 2);
        i = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
    work_ += i - last_end_ + 1;
    if (path && !out_.count(*path)) {
      out_[*path] = lines_.at(i);
      work_ += lines_.lookup_steps();
    }
    last_end_ = std::max(i, static_cast<std::size_t>(*furthest_ - text_.data()));
    return i;
  }

  std::string_view text_;
  const LineIndex& lines_;
  const char** furthest_;
  std::map<std::string, Location>& out_;
  std::vector<Frame> frames_;
  std::size_t last_end_ = 0;
  std::size_t path_bytes_ = 0;
  std::size_t path_budget_;
  bool budget_spent_ = false;
  std::optional<Location> too_deep_;
  std::vector<Duplicate> duplicates_;
  std::size_t work_ = 0;
};

const char* type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "true/false";
    case nlohmann::json::value_t::null: return "null";
    default: return "a number";
  }
}

}  // namespace

std::string Problem::format(const std::string& file_name) const {
  std::string out = file_name;
  if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

std::optional<Problem> size_problem(std::uint64_t bytes) {
  if (bytes <= max_policy_bytes) return std::nullopt;
  return Problem{"", {}, "policy is " + std::to_string(bytes) + " bytes, more than the 4 MiB limit"};
}

std::optional<Duration> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  Duration total{0};
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i || digits - i > 9) return std::nullopt;
    const long long number = std::stoll(text.substr(i, digits - i));
    std::size_t unit_end = digits;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) ++unit_end;
    const std::string unit = text.substr(digits, unit_end - digits);
    Duration part;  // at most 999,999,999 h: no overflow here
    if (unit == "ms") part = Duration(number);
    else if (unit == "s") part = std::chrono::seconds(number);
    else if (unit == "m") part = std::chrono::minutes(number);
    else if (unit == "h") part = std::chrono::hours(number);
    else return std::nullopt;  // no unit, or an unknown one
    // Many parts ("999999999h999999999h..."): the sum saturates instead of overflowing, so the
    // caller's range check refuses it.
    total = total > Duration::max() - part ? Duration::max() : total + part;
    i = unit_end;
  }
  return total;
}

std::string format_duration(Duration d) {
  const auto ms = d.count();
  if (ms % 3600000 == 0 && ms) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

bool wildcard_match(const std::string& pattern, const std::string& text) {
  // Iterative glob with backtracking on the last '*': linear in practice, no recursion.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Document::Document(const std::string& text) {
  if (auto too_big = size_problem(text.size())) {
    problems_.push_back(std::move(*too_big));
    return;
  }
  const LineIndex lines(text);
  const char* furthest = text.data();
  LocatingHandler locator(text, lines, &furthest, locations_);
  TrackedIterator begin{text.data(), &furthest};
  TrackedIterator end{text.data() + text.size(), &furthest};
  nlohmann::json::sax_parse(begin, end, &locator, nlohmann::json::input_format_t::json, true, true);
  locating_work_ = locator.work();
  if (locator.too_deep()) {
    problems_.push_back({"", *locator.too_deep(),
                         "nested deeper than " + std::to_string(max_nesting) + " levels of objects and lists"});
    return;
  }
  try {
    root_ = nlohmann::json::parse(text, nullptr, true, true);
    parsed_ = true;
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset where parsing stopped.
    const Location where = lines.at(e.byte > 0 ? e.byte - 1 : 0);
    std::string message = e.what();
    const auto colon = message.find("syntax error");
    if (colon != std::string::npos) message = message.substr(colon);
    if (message.find("forbidden character after backslash") != std::string::npos) {
      message += " (a backslash starts an escape in JSON: write a Windows path's backslash twice, \"C:\\\\Tools\\\\app.exe\", or use '/')";
    }
    problems_.push_back({"", where, "invalid JSON: " + message});
    return;
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double ("1e999"): nlohmann throws out_of_range, which has no position;
    // the locating pass stopped right after the number.
    const auto at = static_cast<std::size_t>(furthest - text.data());
    std::string message = e.what();
    const auto what = message.find("number overflow");
    if (what != std::string::npos) message = message.substr(what);
    problems_.push_back({"", lines.at(at > 0 ? at - 1 : 0), "invalid JSON: " + message});
    return;
  }
  for (const auto& d : locator.duplicates()) {
    problems_.push_back({d.path, d.again,
                         "given twice in one object (first at line " + std::to_string(d.first.line) + ", column " +
                             std::to_string(d.first.column) + ", again at line " + std::to_string(d.again.line) +
                             ", column " + std::to_string(d.again.column) + "): keep one"});
  }
  if (!locator.duplicates().empty()) parsed_ = false;
}

Location Document::where(const std::string& path) const {
  const auto it = locations_.find(path);
  return it == locations_.end() ? Location{} : it->second;
}

void Document::problem(const std::string& path, std::string message) {
  problems_.push_back({path, where(path), std::move(message)});
}

bool Document::object(const nlohmann::json& value, const std::string& path, const std::set<std::string>& allowed,
                      const std::set<std::string>& required) {
  if (!value.is_object()) {
    problem(path, std::string("must be an object, not ") + type_name(value));
    return false;
  }
  for (const auto& [key, _] : value.items()) {
    if (!allowed.count(key)) {
      std::string known;
      for (const auto& k : allowed) known += (known.empty() ? "" : ", ") + k;
      problem(child(path, key), "unknown key (allowed here: " + known + ")");
    }
  }
  for (const auto& key : required) {
    if (!value.contains(key)) problem(path, "missing required key '" + key + "'");
  }
  return true;
}

std::optional<std::string> Document::string(const nlohmann::json& object, const std::string& path, const char* key,
                                            bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) problem(path, std::string("missing required key '") + key + "'");
    return std::nullopt;
  }
  if (!it->is_string()) {
    problem(child(path, key), std::string("must be a string, not ") + type_name(*it));
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<bool> Document::boolean(const nlohmann::json& object, const std::string& path, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!it->is_boolean()) {
    problem(child(path, key), std::string("must be true or false, not ") + type_name(*it));
    return std::nullopt;
  }
  return it->get<bool>();
}

std::optional<std::int64_t> Document::integer(const nlohmann::json& object, const std::string& path, const char* key,
                                              std::int64_t min, std::int64_t max) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!it->is_number_integer()) {
    problem(child(path, key), std::string("must be a whole number, not ") + type_name(*it));
    return std::nullopt;
  }
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    problem(child(path, key), "must be between " + std::to_string(min) + " and " + std::to_string(max) + "; got " +
                                  std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> Document::duration(const nlohmann::json& object, const std::string& path, const char* key,
                                           Duration min, Duration max) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  const std::string where_path = child(path, key);
  if (it->is_number()) {
    problem(where_path, "a duration needs a unit (e.g. \"30s\", \"5m\", \"250ms\"); got the bare number " + it->dump());
    return std::nullopt;
  }
  if (!it->is_string()) {
    problem(where_path, std::string("must be a duration string such as \"30s\", not ") + type_name(*it));
    return std::nullopt;
  }
  const auto d = parse_duration(it->get<std::string>());
  if (!d) {
    problem(where_path, "'" + it->get<std::string>() + "' is not a duration (units: ms, s, m, h; e.g. \"30s\", \"1m30s\")");
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    problem(where_path, "must be between " + format_duration(min) + " and " + format_duration(max) + "; got " +
                            it->get<std::string>());
    return std::nullopt;
  }
  return d;
}

std::optional<std::vector<std::string>> Document::strings(const nlohmann::json& object, const std::string& path,
                                                          const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  const std::string where_path = child(path, key);
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array()) {
    problem(where_path, std::string("must be a string or a list of strings, not ") + type_name(*it));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      problem(element(where_path, i), std::string("must be a string, not ") + type_name((*it)[i]));
      return std::nullopt;
    }
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

}  // namespace wsbkit::policy
