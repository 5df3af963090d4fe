#include "core/consistency/xxh128.hpp"

namespace wsbkit::consistency {

#define WSBKIT_DECLARE_KERNEL(ns)                                          \
  namespace ns {                                                           \
  void* create();                                                          \
  void destroy(void* state);                                               \
  void reset(void* state);                                                 \
  void update(void* state, const void* data, unsigned long long size);     \
  void digest(void* state, unsigned char* out16);                          \
  }
WSBKIT_DECLARE_KERNEL(xxh128_sse2)
WSBKIT_DECLARE_KERNEL(xxh128_avx2)

struct Xxh128::Kernel {
  const char* name;
  void* (*create)();
  void (*destroy)(void*);
  void (*reset)(void*);
  void (*update)(void*, const void*, unsigned long long);
  void (*digest)(void*, unsigned char*);
};

namespace {

const Xxh128::Kernel* best_kernel() {
  static const Xxh128::Kernel sse2{"sse2", xxh128_sse2::create, xxh128_sse2::destroy, xxh128_sse2::reset,
                                   xxh128_sse2::update, xxh128_sse2::digest};
  static const Xxh128::Kernel avx2{"avx2", xxh128_avx2::create, xxh128_avx2::destroy, xxh128_avx2::reset,
                                   xxh128_avx2::update, xxh128_avx2::digest};
  static const Xxh128::Kernel* chosen = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &avx2 : &sse2;
  }();
  return chosen;
}

}  // namespace

Xxh128::Xxh128() : kernel_(best_kernel()), state_(kernel_->create()) {
  if (state_) kernel_->reset(state_);
}
Xxh128::~Xxh128() {
  if (state_) kernel_->destroy(state_);
}
void Xxh128::reset() { kernel_->reset(state_); }
void Xxh128::update(const void* data, std::size_t size) { kernel_->update(state_, data, size); }
std::array<std::uint8_t, 16> Xxh128::digest() {
  std::array<std::uint8_t, 16> out{};
  kernel_->digest(state_, out.data());
  return out;
}
const char* Xxh128::instruction_set() { return best_kernel()->name; }

}  // namespace wsbkit::consistency
