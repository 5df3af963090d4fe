#include "core/restore/journal.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace wsbkit {

namespace {

std::string hex_of(const std::array<std::uint8_t, 32>& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xF];
  }
  return out;
}

// Why the records from `line_number` on were dropped (a later line that fails its HMAC).
std::string damaged_from(std::size_t line_number, std::string_view after) {
  const auto lines_after = std::count(after.begin(), after.end(), '\n') + (after.empty() || after.back() == '\n' ? 0 : 1);
  return "line " + std::to_string(line_number) + " is not authenticated by this machine's journal key (damaged or"
         " edited); it and the " + std::to_string(lines_after) + " line(s) after it were not acted on";
}

Error refused(const std::string& path, std::size_t line_number) {
  return Error::win32(win32_error::access_denied, "journal", path,
                      "refused: line " + std::to_string(line_number) +
                          " is not authenticated by this machine's journal key (planted, edited, or written by an older"
                          " wsbkit); nothing in it was acted on");
}

}  // namespace

Result<std::string> journal_record_mac(const JournalSeal& seal, std::size_t line_number, std::string_view json_text) {
  const std::string message = seal.name + "\n" + std::to_string(line_number) + "\n" + std::string(json_text);
  auto mac = hmac_sha256(*seal.digests, seal.key, message);
  if (!mac) return mac.error();
  return hex_of(*mac);
}

Result<void> Journal::require_seal() const {
  if (seal_.digests && !seal_.key.empty()) return success();
  return Error::win32(win32_error::access_denied, "journal", path_, "no journal key: the journal cannot be authenticated");
}

// Whether `line` is "HMAC<TAB>JSON" with the HMAC of its JSON at `line_number`.
Result<bool> Journal::authenticated(const std::string& line, std::size_t line_number) const {
  if (line.size() <= mac_size || line[mac_size] != '\t') return false;
  auto mac = journal_record_mac(seal_, line_number, std::string_view(line).substr(mac_size + 1));
  if (!mac) return mac.error();
  return line.compare(0, mac_size, *mac) == 0;
}

Result<Journal::Loaded> Journal::load() {
  records_.clear();
  text_.clear();
  Loaded loaded;
  if (auto sealed = require_seal(); !sealed) return sealed.error();
  auto exists = files_.exists(path_);
  if (!exists) return exists.error();
  if (!*exists) return loaded;
  auto content = files_.read_file_no_follow(path_);
  if (!content) return content.error();
  std::vector<nlohmann::json> records;
  std::string text;
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < content->size()) {
    ++line_number;
    const auto end = content->find('\n', start);
    if (end == std::string::npos) {
      loaded.problem = "line " + std::to_string(line_number) + " is incomplete (no end of line)";
      break;
    }
    const std::string line = content->substr(start, end - start);
    auto authentic = authenticated(line, line_number);
    if (!authentic) return authentic.error();
    if (!*authentic && line_number == 1) return refused(path_, line_number);
    if (!*authentic) {
      loaded.problem = damaged_from(line_number, std::string_view(*content).substr(end + 1));
      break;
    }
    const std::string json_text = line.substr(mac_size + 1);
    nlohmann::json record = nlohmann::json::parse(json_text, nullptr, false);
    if (!record.is_object()) return refused(path_, line_number);  // authenticated, yet not ours: never guessed at
    records.push_back(std::move(record));
    text += line + "\n";
    start = end + 1;
  }
  records_ = std::move(records);
  text_ = std::move(text);
  loaded.records = records_;
  return loaded;
}

Result<void> Journal::append(const nlohmann::json& record) {
  if (auto sealed = require_seal(); !sealed) return sealed;
  // `replace`: a record can never make the journal throw (COM strings are stored exactly by the
  // session as hex when they are not UTF-8).
  const std::string json_text = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto mac = journal_record_mac(seal_, records_.size() + 1, json_text);
  if (!mac) return mac.error();
  std::string text = text_ + *mac + "\t" + json_text + "\n";
  if (auto r = files_.replace_file_atomically(path_, text); !r) return r;
  text_ = std::move(text);
  records_.push_back(record);
  return success();
}

Result<void> Journal::remove() {
  records_.clear();
  text_.clear();
  auto exists = files_.exists(path_);
  if (!exists) return exists.error();
  if (!*exists) return success();
  return files_.remove(path_);
}

}  // namespace wsbkit
