// A child's output kept to a bounded size: the first half of the limit and the last half (the
// start says what the tool was doing, the end usually why it failed); what lies between is
// dropped, counted, and replaced by one note line. Portable; the Win32 process runner feeds one
// per stream from its reader threads (one capture per thread, no sharing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsbkit {

class OutputCapture {
 public:
  explicit OutputCapture(std::size_t limit);

  void append(std::string_view bytes);
  // The kept bytes; when something was cut: head + "\n[... N bytes cut ...]\n" + tail.
  std::string text() const;
  std::uint64_t bytes_cut() const;
  std::uint64_t bytes_seen() const { return seen_; }

 private:
  std::size_t head_limit_;
  std::size_t tail_limit_;
  std::string head_;
  std::string tail_;  // grows to 2x tail_limit_ before trimming, so trimming is amortised
  std::uint64_t seen_ = 0;
  std::uint64_t cut_ = 0;
};

}  // namespace wsbkit
