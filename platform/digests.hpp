// Digest facility: the cryptographic hashes the platform provides, for manifests written by
// `sha256sum`. Streaming: a file is hashed chunk by chunk. XXH128 is not here: it is not
// cryptographic and comes from xxHash on every host.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "platform/error.hpp"

namespace wsbkit {

class Sha256 {
 public:
  virtual ~Sha256() = default;
  virtual void update(const void* data, std::size_t size) = 0;
  // The digest of everything updated so far; the object is then spent.
  virtual Result<std::array<std::uint8_t, 32>> finish() = 0;
};

class Digests {
 public:
  virtual ~Digests() = default;
  virtual Result<std::unique_ptr<Sha256>> sha256() = 0;
};

// HMAC-SHA-256 (RFC 2104) of `message` under `key`, built on the facility's SHA-256: portable, one
// implementation for every backend (platform/digests.cpp).
Result<std::array<std::uint8_t, 32>> hmac_sha256(Digests& digests, std::string_view key, std::string_view message);

}  // namespace wsbkit
