// Fuzz target `manifest`: checksum manifests (xxhsum -H2 / sha256sum lines, GNU and BSD tags,
// escaped names, CRLF, BOM, overlong lines). Input: byte 0 picks the format (automatic, xxh128,
// sha256), byte 1 the chunk sizes, the rest is the manifest. Properties:
//  - fed in arbitrary chunks the parser reports exactly what it reports fed at once (entries,
//    errors, line numbers);
//  - every entry, written back as the tools write it (GNU or BSD style; escaped when the name holds
//    a backslash, CR or LF), parses back to the same name and digest.
#include "core/consistency/manifest.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <vector>

using namespace wsbkit;
using namespace wsbkit::consistency;
using wsbkit::fuzz::require;

namespace {

struct Event {
  std::uint64_t line = 0;
  std::string what;  // "entry <hex> <name>" or "error <message>"
  bool operator==(const Event&) const = default;
};

std::vector<Event> parse_all(policy::ManifestFormat format, std::string_view manifest, std::size_t max_chunk,
                             std::vector<ManifestEntry>* entries) {
  std::vector<Event> events;
  ManifestParser parser(
      format,
      [&](ManifestEntry&& e) {
        events.push_back({e.line, "entry " + e.digest.hex() + " " + e.name});
        if (entries) entries->push_back(std::move(e));
      },
      [&](ManifestLineError&& e) { events.push_back({e.line, "error " + e.message}); });
  std::size_t step = 1;
  for (std::size_t at = 0; at < manifest.size();) {
    const std::size_t n = max_chunk == 0 ? manifest.size() : std::min(step, manifest.size() - at);
    parser.feed(manifest.substr(at, n));
    at += n;
    if (max_chunk != 0) step = step % max_chunk + 1 + (at % 7);  // varied sizes, 1 .. max_chunk + 6
  }
  parser.finish();
  return events;
}

// The line xxhsum / sha256sum would write for the entry.
std::string written(const ManifestEntry& e, bool bsd) {
  const bool escape = e.name.find_first_of("\\\r\n") != std::string::npos;
  std::string name;
  for (const char c : e.name) {
    if (escape && c == '\\') name += "\\\\";
    else if (escape && c == '\n') name += "\\n";
    else if (escape && c == '\r') name += "\\r";
    else name += c;
  }
  const std::string tag = e.digest.kind == DigestKind::xxh128 ? "XXH128" : "SHA256";
  const std::string line = bsd ? tag + " (" + name + ") = " + e.digest.hex() : e.digest.hex() + "  " + name;
  return (escape ? "\\" : "") + line;
}

std::string describe(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) out += std::to_string(e.line) + ": " + e.what + "\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto format = static_cast<policy::ManifestFormat>(data[0] % 3);
  const std::size_t max_chunk = 1 + data[1] % 64;
  const std::string_view manifest = fuzz::bytes_of(data + 2, size - 2);

  std::vector<ManifestEntry> entries;
  const auto whole = parse_all(format, manifest, 0, &entries);
  const auto chunked = parse_all(format, manifest, max_chunk, nullptr);
  require(whole == chunked, "fed in chunks, the parser reports what it reports fed at once",
          "whole:\n" + describe(whole) + "chunked:\n" + describe(chunked));

  for (const ManifestEntry& e : entries) {
    require(!e.name.empty(), "an entry names a file");
    for (const bool bsd : {false, true}) {
      const std::string line = written(e, bsd);
      const ParsedLine back = parse_manifest_line(line, format);
      require(back.entry && back.entry->name == e.name && back.entry->digest == e.digest,
              "an entry written as the tools write it parses back to itself",
              line + " -> " + (back.error ? *back.error : back.entry ? back.entry->name : "(nothing)"));
    }
  }
  return 0;
}
