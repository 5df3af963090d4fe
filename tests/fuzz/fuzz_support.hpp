// What every fuzz target shares: the input as a string, and `require`, which makes a broken
// property (a round trip that does not come back, a parser that contradicts itself) a crash
// libFuzzer reports and keeps, like a sanitizer finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace wsbkit::fuzz {

inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts with the broken property when `holds` is false.
inline void require(bool holds, const char* property, const std::string& detail = {}) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property broken: %s\n%s\n", property, detail.c_str());
  std::abort();
}

// Splits `input` at the first `separator`: the part before it (nullopt-like empty when absent) and the rest.
inline std::string_view take_line(std::string_view& input, char separator = '\n') {
  const std::size_t at = input.find(separator);
  const std::string_view head = input.substr(0, at);
  input = at == std::string_view::npos ? std::string_view{} : input.substr(at + 1);
  return head;
}

}  // namespace wsbkit::fuzz
