#include "platform/output_capture.hpp"

#include <algorithm>

namespace wsbkit {

OutputCapture::OutputCapture(std::size_t limit) : head_limit_(limit - limit / 2), tail_limit_(limit / 2) {}

void OutputCapture::append(std::string_view bytes) {
  seen_ += bytes.size();
  if (head_.size() < head_limit_) {
    const std::size_t take = std::min(bytes.size(), head_limit_ - head_.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
  if (bytes.empty()) return;
  if (tail_limit_ == 0) {
    cut_ += bytes.size();
    return;
  }
  tail_.append(bytes);
  if (tail_.size() > 2 * tail_limit_) {
    const std::size_t drop = tail_.size() - tail_limit_;
    tail_.erase(0, drop);
    cut_ += drop;
  }
}

std::uint64_t OutputCapture::bytes_cut() const {
  return cut_ + (tail_.size() > tail_limit_ ? tail_.size() - tail_limit_ : 0);
}

std::string OutputCapture::text() const {
  std::string_view tail = tail_;
  std::uint64_t cut = cut_;
  if (tail.size() > tail_limit_) {  // not trimmed yet
    cut += tail.size() - tail_limit_;
    tail.remove_prefix(tail.size() - tail_limit_);
  }
  std::string out = head_;
  if (cut > 0) out += "\n[... " + std::to_string(cut) + " bytes cut ...]\n";
  out += tail;
  return out;
}

}  // namespace wsbkit
