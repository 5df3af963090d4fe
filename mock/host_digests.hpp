// The host's real digest facility for tests that need SHA-256 (journal HMACs): OpenSSL natively,
// CNG under Wine. Nothing to fake: a digest has one right answer (the digests contract checks it).
#pragma once

#include <memory>

#include "platform/digests.hpp"

namespace wsbkit::mock {

std::unique_ptr<Digests> make_host_digests();

}  // namespace wsbkit::mock
