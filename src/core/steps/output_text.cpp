#include "core/steps/output_text.hpp"

#include <algorithm>

#include "platform/text.hpp"

namespace wsbkit::steps {
namespace {

std::string cut_note(std::uint64_t bytes) { return "\n[... " + std::to_string(bytes) + " bytes cut ...]\n"; }

struct RawParts {
  std::string_view head;
  std::string_view tail;
  std::uint64_t cut = 0;
};

// Step 1: the runner's note is where its head ends (the first half of its limit), or failing
// that the first such note; without one the whole stream is the head and the cut follows it.
RawParts split_at_runner_cut(const CapturedStream& s) {
  if (s.bytes_cut == 0) return {s.bytes, {}, 0};
  const std::string note = cut_note(s.bytes_cut);
  std::size_t at = std::string_view::npos;
  const std::size_t expected = s.output_limit - s.output_limit / 2;
  if (s.output_limit > 0 && s.bytes.size() >= expected && s.bytes.substr(expected, note.size()) == note) at = expected;
  if (at == std::string_view::npos) at = s.bytes.find(note);
  if (at == std::string_view::npos) return {s.bytes, {}, s.bytes_cut};
  return {s.bytes.substr(0, at), s.bytes.substr(at + note.size()), s.bytes_cut};
}

// Little-endian code units to WTF-8 (a surrogate cut in two stays unpaired; step 4 replaces it);
// an odd last byte becomes U+FFFD.
std::string decode_utf16le(std::string_view bytes) {
  std::u16string units;
  units.reserve(bytes.size() / 2);
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    units.push_back(static_cast<char16_t>(static_cast<unsigned char>(bytes[i]) |
                                          (static_cast<unsigned char>(bytes[i + 1]) << 8)));
  }
  std::string text = utf16_to_utf8(units);
  if (bytes.size() % 2 != 0) text += "\xEF\xBF\xBD";
  return text;
}

bool starts_with_utf16le_bom(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xFE;
}

// Step 3 across the runner's cut: the end of the head that starts a secret and the start of the
// tail that ends one.
void mask_secret_ends(std::string& head, std::string& tail, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 2) continue;  // a one-byte secret cannot be split
    for (std::size_t k = std::min(secret.size() - 1, head.size()); k > 0; --k) {
      if (head.compare(head.size() - k, k, secret, 0, k) == 0) {
        head.replace(head.size() - k, k, "***");
        break;
      }
    }
    for (std::size_t k = std::min(secret.size() - 1, tail.size()); k > 0; --k) {
      if (tail.compare(0, k, secret, secret.size() - k, k) == 0) {
        tail.replace(0, k, "***");
        break;
      }
    }
  }
}

bool is_blank(char c) { return c == ' ' || (static_cast<unsigned char>(c) < 0x20) || c == 0x7F; }

}  // namespace

bool looks_like_utf16le(std::string_view bytes) {
  if (starts_with_utf16le_bom(bytes)) return true;
  const std::size_t n = std::min<std::size_t>(bytes.size(), 512) & ~std::size_t{1};
  if (n < 4) return false;
  std::size_t odd_nuls = 0;
  for (std::size_t i = 0; i < n; i += 2) {
    if (bytes[i] == '\0') return false;
    if (bytes[i + 1] == '\0') ++odd_nuls;
  }
  return odd_nuls * 2 >= n / 2;
}

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string_view> ordered;
  for (const auto& s : secrets) {
    if (!s.empty()) ordered.emplace_back(s);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  std::string out(text);
  for (const auto secret : ordered) {
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

StreamText stream_text(const CapturedStream& stream, const std::vector<std::string>& secrets) {
  RawParts raw = split_at_runner_cut(stream);
  StreamText text;
  text.cut = raw.cut;
  if (looks_like_utf16le(raw.head)) {
    std::string_view tail = raw.tail;
    // The tail starts where the runner resumed: at an odd offset it starts inside a code unit.
    if ((raw.head.size() + raw.cut) % 2 != 0 && !tail.empty()) {
      tail.remove_prefix(1);
      ++text.cut;
    }
    text.head = decode_utf16le(starts_with_utf16le_bom(raw.head) ? raw.head.substr(2) : raw.head);
    text.tail = decode_utf16le(tail);
  } else {
    text.head = std::string(raw.head);
    text.tail = std::string(raw.tail);
  }
  text.head = redact(text.head, secrets);
  text.tail = redact(text.tail, secrets);
  if (text.cut > 0) mask_secret_ends(text.head, text.tail, secrets);
  text.head = to_valid_utf8(text.head);
  text.tail = to_valid_utf8(text.tail);
  return text;
}

std::string excerpt(const StreamText& text, std::size_t head_bytes, std::size_t tail_bytes) {
  if (text.cut == 0) {
    const std::string& all = text.head;  // nothing cut by the runner: no tail
    if (all.size() <= head_bytes + tail_bytes) return all;
    const std::size_t head_end = utf8_cut_before(all, head_bytes);
    const std::size_t tail_start = utf8_cut_after(all, all.size() - tail_bytes);
    return all.substr(0, head_end) + cut_note(tail_start - head_end) + all.substr(tail_start);
  }
  const std::size_t head_end = utf8_cut_before(text.head, head_bytes);
  const std::size_t tail_start = text.tail.size() > tail_bytes ? utf8_cut_after(text.tail, text.tail.size() - tail_bytes) : 0;
  const std::uint64_t dropped = (text.head.size() - head_end) + text.cut + tail_start;
  return text.head.substr(0, head_end) + cut_note(dropped) + text.tail.substr(tail_start);
}

std::string last_words(const StreamText& text, std::size_t max_bytes) {
  std::string_view end = text.tail.empty() ? std::string_view(text.head) : std::string_view(text.tail);
  while (!end.empty() && is_blank(end.back())) end.remove_suffix(1);
  bool shortened = false;
  if (end.size() > max_bytes) {
    end.remove_prefix(utf8_cut_after(end, end.size() - max_bytes));
    shortened = true;
  }
  while (!end.empty() && is_blank(end.front())) end.remove_prefix(1);
  std::string out = shortened && !end.empty() ? "..." : "";
  bool line_break = false, space = false;
  for (const char c : end) {
    if (c == '\n' || c == '\r') {
      line_break = true;
    } else if (is_blank(c)) {
      space = true;
    } else {
      if (line_break) out += " | ";
      else if (space) out += ' ';
      line_break = space = false;
      out += c;
    }
  }
  return out;
}

}  // namespace wsbkit::steps
