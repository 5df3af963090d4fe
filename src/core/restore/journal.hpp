// The restore session's journal: what this session changed and still owes, kept durably so that
// a crash of the add-in (or of the machine) between "stop" and "start" never leaves the
// application down. Each record is one line "HMAC<TAB>JSON": HMAC is the HMAC-SHA-256 (64 hex
// digits) under the machine's journal key (journal_key.hpp) of the journal's name, the record's
// line number and its JSON, so a record cannot be forged, edited, moved to another line or to
// another writer's journal without the key. Every append rewrites the whole file through
// FileSystem::replace_file_atomically (temp file, flush, rename), so the file is always a complete
// earlier or later version; it is read without following a reparse point.
// Loading refuses the whole journal (an error, api "journal", nothing acted on) when its FIRST
// line fails its HMAC: nothing in it is authenticated (planted, copied from another writer or
// machine, or written by a wsbkit before authentication, as "CRC32<TAB>JSON"). Damage after an
// authenticated first line (a later line that fails its HMAC: a flipped byte, an edit; or an
// incomplete last line: a torn write) ends the journal there: loading keeps the authenticated
// records before the first bad line, reports why the rest was dropped (Loaded::problem), and never
// reads past it. The records kept are exactly what a cut at that line would have left, so keeping
// them gives nobody more than truncating the file would (issue 10: a bad sector must not keep
// services recorded before it stopped).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "platform/digests.hpp"
#include "platform/file_system.hpp"

namespace wsbkit {

// What authenticates a journal: the digest facility, the machine's key, and the journal's name
// (the session key), which every record's HMAC covers.
struct JournalSeal {
  Digests* digests = nullptr;  // null or an empty key: every load and append fails (nothing is trusted)
  std::string key;
  std::string name;
};

// The HMAC field of a record: 64 lower-case hex digits.
Result<std::string> journal_record_mac(const JournalSeal& seal, std::size_t line_number, std::string_view json_text);

class Journal {
 public:
  Journal(FileSystem& files, std::string path, JournalSeal seal)
      : files_(files), path_(std::move(path)), seal_(std::move(seal)) {}

  struct Loaded {
    std::vector<nlohmann::json> records;  // the valid prefix
    std::optional<std::string> problem;   // why the rest was ignored
  };
  // No file: no records, no problem. A first line that fails its HMAC: an error (refused). A later
  // bad line: the records before it, and the problem.
  Result<Loaded> load();
  // Appends after the records loaded or appended so far (load() first when reopening).
  Result<void> append(const nlohmann::json& record);
  // Ends the session: the journal disappears.
  Result<void> remove();

  const std::string& path() const { return path_; }
  const std::vector<nlohmann::json>& records() const { return records_; }

 private:
  static constexpr std::size_t mac_size = 64;  // hex digits of a record's HMAC
  Result<void> require_seal() const;
  Result<bool> authenticated(const std::string& line, std::size_t line_number) const;

  FileSystem& files_;
  std::string path_;
  JournalSeal seal_;
  std::vector<nlohmann::json> records_;
  std::string text_;
};

}  // namespace wsbkit
