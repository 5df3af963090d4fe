// Win32 random facility: BCryptGenRandom with the system-preferred generator. Must contain only
// Win32-specific code.
#include "platform/win32/windows.hpp"

#include <bcrypt.h>

#include "platform/random.hpp"

namespace wsbkit {

Result<std::string> random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  const NTSTATUS status = ::BCryptGenRandom(nullptr, reinterpret_cast<PUCHAR>(bytes.data()), static_cast<ULONG>(count),
                                            BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  if (status < 0) return Error::hresult(static_cast<Hresult>(HRESULT_FROM_NT(status)), "BCryptGenRandom", {});
  return bytes;
}

}  // namespace wsbkit
