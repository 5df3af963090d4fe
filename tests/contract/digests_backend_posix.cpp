#include "platform/posix/digests_backend.hpp"
#include "tests/contract/digests_backend.hpp"

DigestsBackend make_digests_backend() { return {"posix", wsbkit::posix::make_posix_digests()}; }
