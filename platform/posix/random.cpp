// POSIX random facility: getrandom(2), the kernel's generator.
#include "platform/random.hpp"

#include <sys/random.h>

#include <cerrno>

namespace wsbkit {

Result<std::string> random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  for (std::size_t done = 0; done < count;) {
    const ssize_t n = ::getrandom(bytes.data() + done, count - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::hresult(hr::e_fail, "getrandom", {}, "the kernel's random generator failed");
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

}  // namespace wsbkit
