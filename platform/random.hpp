// Random facility: bytes from the operating system's cryptographic generator (BCryptGenRandom on
// Windows, getrandom(2) natively), for secrets such as the journal key. No fake: tests use the
// real generator, as nothing they check depends on the bytes drawn.
#pragma once

#include <cstddef>
#include <string>

#include "platform/error.hpp"

namespace wsbkit {

// `count` random bytes; an error (never weaker bytes) when the generator fails.
Result<std::string> random_bytes(std::size_t count);

}  // namespace wsbkit
