// The host's digest facility for the digests contract suite: OpenSSL natively, CNG under Wine.
#pragma once

#include <memory>
#include <string>

#include "platform/digests.hpp"

struct DigestsBackend {
  std::string name;
  std::unique_ptr<wsbkit::Digests> digests;
};

DigestsBackend make_digests_backend();
