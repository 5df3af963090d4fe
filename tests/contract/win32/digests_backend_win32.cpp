#include "platform/win32/digests_backend.hpp"
#include "tests/contract/digests_backend.hpp"

DigestsBackend make_digests_backend() { return {"win32", wsbkit::win32::make_win32_digests()}; }
