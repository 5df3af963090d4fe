// Reading a policy document: JSON with comments (nlohmann/json), every value located by line and
// column, and typed readers that collect precise errors ("policy.json:12:7: restore.pre[0].timeout:
// a duration needs a unit (30s, 5m); got 300") instead of stopping at the first.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wsbkit::policy {

using Duration = std::chrono::milliseconds;

struct Location {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based, in bytes
};

struct Problem {
  std::string path;  // "restore.pre[0].timeout"; "" for the whole document
  Location where;
  std::string message;
  // "FILE:LINE:COL: PATH: MESSAGE"
  std::string format(const std::string& file_name) const;
};

// The largest policy wsbkit reads, and how deep its objects and lists may nest.
inline constexpr std::size_t max_policy_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t max_nesting = 64;
// The one size check: "policy is N bytes, more than the 4 MiB limit" when `bytes` is over
// max_policy_bytes (for the whole document: no path, no location).
std::optional<Problem> size_problem(std::uint64_t bytes);

// "30s", "5m", "1h", "250ms", "1m30s"; nullopt for anything else (a bare number included). A sum
// beyond what milliseconds hold saturates at Duration::max() (out of every range).
std::optional<Duration> parse_duration(const std::string& text);
std::string format_duration(Duration d);

// "*" and "?" wildcards, case-insensitive (component names and logical paths).
bool wildcard_match(const std::string& pattern, const std::string& text);

class Document {
 public:
  // Parses `text`; syntax errors become problems with their location. Text over
  // max_policy_bytes, or nested deeper than max_nesting, is refused with one problem. Linear in
  // the text's size.
  explicit Document(const std::string& text);

  bool parsed() const { return parsed_; }
  // What locating the values cost (bytes scanned, path bytes built, line lookup steps): proof
  // for the tests that parsing stays linear, counted rather than timed.
  std::size_t locating_work() const { return locating_work_; }
  const nlohmann::json& root() const { return root_; }
  Location where(const std::string& path) const;

  std::vector<Problem>& problems() { return problems_; }
  const std::vector<Problem>& problems() const { return problems_; }
  void problem(const std::string& path, std::string message);

  // Typed reads of `object[key]` at `path`; a wrong type is a problem and gives nullopt.
  // The object must have been checked with `object()`.
  bool object(const nlohmann::json& value, const std::string& path, const std::set<std::string>& allowed_keys,
              const std::set<std::string>& required_keys = {});
  std::optional<std::string> string(const nlohmann::json& object, const std::string& path, const char* key,
                                    bool required = false);
  std::optional<bool> boolean(const nlohmann::json& object, const std::string& path, const char* key);
  std::optional<std::int64_t> integer(const nlohmann::json& object, const std::string& path, const char* key,
                                      std::int64_t min, std::int64_t max);
  std::optional<Duration> duration(const nlohmann::json& object, const std::string& path, const char* key,
                                   Duration min, Duration max);
  // A string or a list of strings.
  std::optional<std::vector<std::string>> strings(const nlohmann::json& object, const std::string& path, const char* key);

  static std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
  static std::string element(const std::string& path, std::size_t index) { return path + "[" + std::to_string(index) + "]"; }

 private:
  nlohmann::json root_;
  bool parsed_ = false;
  std::size_t locating_work_ = 0;
  std::map<std::string, Location> locations_;
  std::vector<Problem> problems_;
};

}  // namespace wsbkit::policy
