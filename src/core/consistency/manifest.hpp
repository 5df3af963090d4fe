// Checksum manifests in the formats standard tools write, read as a stream (any size, bounded
// memory):
//   xxhsum -H2:   "<32 hex>  name"  or "<32 hex> *name"        (XXH128)
//   sha256sum:    "<64 hex>  name"                              (SHA-256: recognised, see below)
//   BSD tags:     "XXH128 (name) = <hex>", "SHA256 (name) = <hex>"
// A line starting with '\' has an escaped name (\\ -> \, \n -> newline, \r), as coreutils and
// xxhsum >= 0.8.2 write for names holding those characters. CRLF line ends and a UTF-8 byte order
// mark are accepted; names are bytes (UTF-8), spaces and all. Blank lines and '#' comments are
// skipped.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/policy/check_policy.hpp"
#include "platform/error.hpp"

namespace wsbkit::consistency {

enum class DigestKind { xxh128, sha256 };

struct Digest {
  DigestKind kind = DigestKind::xxh128;
  std::array<std::uint8_t, 32> bytes{};  // xxh128: the first 16 (canonical, big-endian) bytes
  std::size_t size() const { return kind == DigestKind::xxh128 ? 16 : 32; }
  bool operator==(const Digest& other) const;
  std::string hex() const;
};

struct ManifestEntry {
  std::string name;  // as listed (unescaped)
  Digest digest;
  std::uint64_t line = 0;
};

// What is wrong with one line: reported by the check as a malformed line, not a parse stop.
struct ManifestLineError {
  std::uint64_t line = 0;
  std::string message;
};

class ManifestParser {
 public:
  using EntrySink = std::function<void(ManifestEntry&& entry)>;
  using ErrorSink = std::function<void(ManifestLineError&& error)>;

  ManifestParser(policy::ManifestFormat format, EntrySink on_entry, ErrorSink on_error)
      : format_(format), on_entry_(std::move(on_entry)), on_error_(std::move(on_error)) {}

  // Feeds the next bytes of the manifest; complete lines are parsed at once.
  void feed(std::string_view bytes);
  // The last line, when the file does not end with a newline.
  void finish();

  // Longest line accepted (a name of 32,767 UTF-16 units is at most ~96 KiB of UTF-8).
  static constexpr std::size_t max_line_bytes = 128u << 10;

 private:
  void line(std::string_view text);
  policy::ManifestFormat format_;
  EntrySink on_entry_;
  ErrorSink on_error_;
  std::string partial_;
  std::uint64_t line_number_ = 0;
  bool overlong_ = false;
};

// One line (no line end), for tests and the parser: an entry, nothing (blank/comment), or an error.
struct ParsedLine {
  std::optional<ManifestEntry> entry;
  std::optional<std::string> error;
};
ParsedLine parse_manifest_line(std::string_view text, policy::ManifestFormat format);

}  // namespace wsbkit::consistency
