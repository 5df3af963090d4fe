#include "core/consistency/manifest.hpp"

#include <algorithm>

namespace wsbkit::consistency {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> parse_hex(std::string_view hex, DigestKind kind) {
  Digest d;
  d.kind = kind;
  if (hex.size() != d.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return d;
}

std::optional<DigestKind> kind_for_length(std::size_t hex_digits, policy::ManifestFormat format) {
  const bool xxh = hex_digits == 32, sha = hex_digits == 64;
  switch (format) {
    case policy::ManifestFormat::automatic: return xxh ? std::optional(DigestKind::xxh128) : sha ? std::optional(DigestKind::sha256) : std::nullopt;
    case policy::ManifestFormat::xxh128: return xxh ? std::optional(DigestKind::xxh128) : std::nullopt;
    case policy::ManifestFormat::sha256: return sha ? std::optional(DigestKind::sha256) : std::nullopt;
  }
  return std::nullopt;
}

// coreutils escaping: "\\" -> '\', "\n" -> newline, "\r" -> CR; anything else is malformed.
std::optional<std::string> unescaped(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\') {
      out += name[i];
      continue;
    }
    if (++i == name.size()) return std::nullopt;
    switch (name[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

ParsedLine error(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

bool Digest::operator==(const Digest& other) const {
  return kind == other.kind && std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size()), other.bytes.begin());
}

std::string Digest::hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size(); ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

ParsedLine parse_manifest_line(std::string_view text, policy::ManifestFormat format) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.find_first_not_of(" \t") == std::string_view::npos || text.front() == '#') return {};
  bool escaped = false;
  if (text.front() == '\\') {
    escaped = true;
    text.remove_prefix(1);
  }
  std::string_view name, hex;
  std::optional<DigestKind> tagged;
  if (text.starts_with("XXH128 (") || text.starts_with("SHA256 (")) {
    // BSD style: "XXH128 (name) = hex"; the name may hold ") = " itself, so split at the last one.
    tagged = text.starts_with("XXH128") ? DigestKind::xxh128 : DigestKind::sha256;
    const std::size_t split = text.rfind(") = ");
    if (split == std::string_view::npos || split < 8) return error("a BSD-style line needs \"(name) = digest\"");
    name = text.substr(8, split - 8);
    hex = text.substr(split + 4);
  } else {
    const std::size_t space = text.find(' ');
    if (space == std::string_view::npos || space + 2 > text.size() || (text[space + 1] != ' ' && text[space + 1] != '*')) {
      return error("not a checksum line (expected \"<hex digest>  <name>\")");
    }
    hex = text.substr(0, space);
    name = text.substr(space + 2);
  }
  const auto kind = kind_for_length(hex.size(), format);
  if (!kind || (tagged && *tagged != *kind)) {
    return error("a digest of " + std::to_string(hex.size()) + " hex digits does not fit the manifest format "
                 "(XXH128: 32, SHA-256: 64)");
  }
  auto digest = parse_hex(hex, *kind);
  if (!digest) return error("the digest is not hexadecimal");
  if (name.empty()) return error("the line names no file");
  std::string file = escaped ? unescaped(name).value_or("") : std::string(name);
  if (file.empty()) return error("the escaped name is malformed");
  return {ManifestEntry{std::move(file), *digest, 0}, std::nullopt};
}

void ManifestParser::line(std::string_view text) {
  ++line_number_;
  if (line_number_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  ParsedLine parsed = parse_manifest_line(text, format_);
  if (parsed.error) {
    on_error_({line_number_, std::move(*parsed.error)});
  } else if (parsed.entry) {
    parsed.entry->line = line_number_;
    on_entry_(std::move(*parsed.entry));
  }
}

void ManifestParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (overlong_) {
      // Skip the rest of a line already reported as too long.
    } else if (partial_.size() + piece.size() > max_line_bytes) {
      overlong_ = true;
      partial_.clear();
      on_error_({line_number_ + 1, "the line is longer than " + std::to_string(max_line_bytes) + " bytes"});
    } else if (newline != std::string_view::npos && partial_.empty()) {
      line(piece);  // the common case: no copy
    } else {
      partial_.append(piece);
      if (newline != std::string_view::npos) {
        line(partial_);
        partial_.clear();
      }
    }
    if (newline == std::string_view::npos) return;
    if (overlong_) {
      overlong_ = false;
      ++line_number_;
    }
    bytes.remove_prefix(newline + 1);
  }
}

void ManifestParser::finish() {
  if (!partial_.empty()) line(partial_);
  partial_.clear();
}

}  // namespace wsbkit::consistency
