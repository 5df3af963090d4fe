// Factory of the POSIX digest facility (OpenSSL's libcrypto).
#pragma once

#include <memory>

#include "platform/digests.hpp"

namespace wsbkit::posix {

std::unique_ptr<Digests> make_posix_digests();

}  // namespace wsbkit::posix
