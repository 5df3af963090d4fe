#include "platform/digests.hpp"

#include <string>

namespace wsbkit {

Result<std::array<std::uint8_t, 32>> hmac_sha256(Digests& digests, std::string_view key, std::string_view message) {
  constexpr std::size_t block = 64;
  std::string block_key(key);
  if (block_key.size() > block) {  // a long key is hashed first
    auto hashed = digests.sha256();
    if (!hashed) return hashed.error();
    (*hashed)->update(block_key.data(), block_key.size());
    auto digest = (*hashed)->finish();
    if (!digest) return digest.error();
    block_key.assign(reinterpret_cast<const char*>(digest->data()), digest->size());
  }
  block_key.resize(block, '\0');
  std::string inner_pad(block, '\0'), outer_pad(block, '\0');
  for (std::size_t i = 0; i < block; ++i) {
    inner_pad[i] = static_cast<char>(block_key[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  auto inner = digests.sha256();
  if (!inner) return inner.error();
  (*inner)->update(inner_pad.data(), inner_pad.size());
  (*inner)->update(message.data(), message.size());
  auto inner_digest = (*inner)->finish();
  if (!inner_digest) return inner_digest.error();
  auto outer = digests.sha256();
  if (!outer) return outer.error();
  (*outer)->update(outer_pad.data(), outer_pad.size());
  (*outer)->update(inner_digest->data(), inner_digest->size());
  return (*outer)->finish();
}

}  // namespace wsbkit
