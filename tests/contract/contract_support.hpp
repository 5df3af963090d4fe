// Helpers shared by the contract suites (portable: no backend-specific code).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "platform/error.hpp"

namespace wsbkit::contract {

// The Win32 code of a failed result, 0 on success: `BOOST_TEST(code_of(r) == 2u)` prints both.
template <class T>
std::uint32_t code_of(const Result<T>& result) {
  return result ? 0u : result.error().win32_code();
}

// Names scratch keys and folders so parallel and leftover runs never collide.
inline std::string unique_suffix() {
  std::random_device device;
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::to_string(device() ^ static_cast<std::uint32_t>(ticks)) + "-" +
         std::to_string(static_cast<std::uint64_t>(ticks) % 1000000u);
}

}  // namespace wsbkit::contract
