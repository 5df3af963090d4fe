// The restore session's journal: what this session changed and still owes, kept durably so that
// a crash of the add-in (or of the machine) between "stop" and "start" never leaves the
// application down. Each record is one line "CRC32<TAB>JSON"; every append rewrites the whole
// file through FileSystem::replace_file_atomically (temp file, flush, rename), so the file is
// always a complete earlier or later version. Loading keeps the valid prefix and reports the
// first bad line: a damaged tail never hides the services listed before it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_system.hpp"

namespace wsbkit {

std::uint32_t crc32(std::string_view data);

class Journal {
 public:
  Journal(FileSystem& files, std::string path) : files_(files), path_(std::move(path)) {}

  struct Loaded {
    std::vector<nlohmann::json> records;  // the valid prefix
    std::optional<std::string> problem;   // why the rest was ignored
  };
  // No file: no records, no problem.
  Result<Loaded> load();
  // Appends after the records loaded or appended so far (load() first when reopening).
  Result<void> append(const nlohmann::json& record);
  // Ends the session: the journal disappears.
  Result<void> remove();

  const std::string& path() const { return path_; }
  const std::vector<nlohmann::json>& records() const { return records_; }

 private:
  FileSystem& files_;
  std::string path_;
  std::vector<nlohmann::json> records_;
  std::string text_;
};

}  // namespace wsbkit
