// A child's output as text for run logs, event messages and errors. Tool output is bytes in any
// encoding (UTF-8, an OEM code page, UTF-16 from `cmd /u` or PowerShell); what leaves here is
// always valid UTF-8 of bounded size, with the step's secrets replaced by "***":
//
//   1. The runner's own cut (ProcessOutcome keeps the head and tail of a long stream with a note
//      between them) splits the stream into head and tail, each handled alone below.
//   2. Decoding: UTF-16LE when the stream starts with its byte order mark (FF FE) or looks like it
//      (NUL in most odd positions and in no even one of its first bytes); any other stream is
//      taken as bytes.
//   3. Redaction of every secret, on the whole text, BEFORE anything is cut: a secret can never be
//      cut in two with one half left in view. A secret the runner's cut went through is masked
//      on both sides of that cut (the end of the head that starts the secret, the start of the tail
//      that ends it), at the price of masking a few harmless characters now and then.
//   4. Valid UTF-8: every byte that starts no valid sequence becomes U+FFFD (text.hpp), so an OEM
//      code page's accented letters show as U+FFFD, never as broken JSON.
//   5. Excerpt: the first excerpt_head_bytes and the last excerpt_tail_bytes, cut on character
//      boundaries, with "\n[... N bytes cut ...]\n" between them when anything was left out (N
//      counts what the runner dropped too).
// Secrets are compared as UTF-8 text (after step 2): a secret in an OEM code page's bytes is not
// recognised unless it is ASCII.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wsbkit::steps {

inline constexpr std::size_t excerpt_head_bytes = 1024;  // the start says what the tool was doing
inline constexpr std::size_t excerpt_tail_bytes = 3072;  // the end usually says why it failed
inline constexpr std::size_t reason_bytes = 300;         // the output's part in a failure message

// A stream as ProcessOutcome holds it.
struct CapturedStream {
  std::string_view bytes;
  std::uint64_t bytes_cut = 0;      // ProcessOutcome::standard_*_bytes_cut
  std::size_t output_limit = 0;     // ProcessRequest::output_limit it was captured with (0: unknown)
};

// Steps 1 to 4: valid UTF-8, redacted; what the runner dropped lies between head and tail.
struct StreamText {
  std::string head;
  std::uint64_t cut = 0;  // bytes the runner dropped between head and tail (0: tail is empty)
  std::string tail;
  bool empty() const { return head.empty() && tail.empty(); }
};

StreamText stream_text(const CapturedStream& stream, const std::vector<std::string>& secrets);

// Every occurrence of every (non-empty) secret replaced by "***"; longer secrets first.
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

// Step 5 on valid UTF-8 text.
std::string excerpt(const StreamText& text, std::size_t head_bytes = excerpt_head_bytes,
                    std::size_t tail_bytes = excerpt_tail_bytes);

// The last words of a stream for a one-line message: at most `max_bytes` of its end, cut on a
// character boundary, line breaks and other control characters shown as " | " or a space,
// surrounding blanks trimmed; "" for an empty or blank stream.
std::string last_words(const StreamText& text, std::size_t max_bytes = reason_bytes);

// Whether bytes look like UTF-16LE text (see step 2).
bool looks_like_utf16le(std::string_view bytes);

}  // namespace wsbkit::steps
