#include "core/restore/journal.hpp"

#include <array>
#include <cstdio>

namespace wsbkit {

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char ch : data) crc = table[(crc ^ ch) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

namespace {
std::string line_for(const std::string& json_text) {
  char crc[12];
  std::snprintf(crc, sizeof crc, "%08x\t", static_cast<unsigned>(crc32(json_text)));
  return crc + json_text + "\n";
}
}  // namespace

Result<Journal::Loaded> Journal::load() {
  records_.clear();
  text_.clear();
  Loaded loaded;
  auto exists = files_.exists(path_);
  if (!exists) return exists.error();
  if (!*exists) return loaded;
  auto content = files_.read_file(path_);
  if (!content) return content.error();
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
    const auto tab = line.find('\t');
    bool valid = tab == 8;
    nlohmann::json record;
    if (valid) {
      const std::string json_text = line.substr(9);
      char expected[9];
      std::snprintf(expected, sizeof expected, "%08x", static_cast<unsigned>(crc32(json_text)));
      valid = line.compare(0, 8, expected) == 0;
      if (valid) {
        record = nlohmann::json::parse(json_text, nullptr, false);
        valid = record.is_object();
      }
    }
    if (!valid) {
      loaded.problem = "line " + std::to_string(line_number) + " is damaged (checksum or JSON); it and what follows were ignored";
      break;
    }
    records_.push_back(record);
    text_ += line + "\n";
    start = end + 1;
  }
  loaded.records = records_;
  return loaded;
}

Result<void> Journal::append(const nlohmann::json& record) {
  std::string text = text_ + line_for(record.dump());
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
