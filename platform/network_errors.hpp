// The codes Network::try_connect's errors carry on every host (Winsock's values; the POSIX backend
// maps getaddrinfo's EAI_* onto them), so callers test one set of numbers.
#pragma once

#include <cstdint>

namespace wsbkit::network_error {
inline constexpr std::uint32_t host_not_found = 11001;  // WSAHOST_NOT_FOUND: no such name (EAI_NONAME)
inline constexpr std::uint32_t try_again = 11002;       // WSATRY_AGAIN: resolver temporarily failing (EAI_AGAIN)
inline constexpr std::uint32_t no_recovery = 11003;     // WSANO_RECOVERY: any other resolver failure
inline constexpr std::uint32_t no_buffers = 10055;      // WSAENOBUFS: no socket could be created
}  // namespace wsbkit::network_error
