// One XXH128 streaming kernel, compiled once per instruction set by meson.build (XXH128_KERNEL
// names the copy; the AVX2 copy gets -mavx2). Deliberately C-like: no C++ library header here, so
// no inline library function compiled for AVX2 can be shared with (and chosen by the linker for)
// code that must run on any x86-64.
#include <xxhash.h>

#define WSBKIT_KERNEL_NS2(name) xxh128_##name
#define WSBKIT_KERNEL_NS(name) WSBKIT_KERNEL_NS2(name)

namespace wsbkit::consistency::WSBKIT_KERNEL_NS(XXH128_KERNEL) {

void* create() { return XXH3_createState(); }
void destroy(void* state) { XXH3_freeState(static_cast<XXH3_state_t*>(state)); }
void reset(void* state) { XXH3_128bits_reset(static_cast<XXH3_state_t*>(state)); }
void update(void* state, const void* data, unsigned long long size) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state), data, static_cast<size_t>(size));
}
void digest(void* state, unsigned char* out16) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(static_cast<XXH3_state_t*>(state)));
  for (int i = 0; i < 16; ++i) out16[i] = canonical.digest[i];
}

}  // namespace wsbkit::consistency::WSBKIT_KERNEL_NS(XXH128_KERNEL)
