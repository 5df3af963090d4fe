// XXH128 (what `xxhsum -H2` prints), streaming, with the widest vector code the processor runs:
// the XXH3 kernel is compiled once per instruction set (SSE2, the x86-64 baseline, and AVX2) and
// picked at run time. AVX2 hashes about 3x faster than SSE2, which matters once the page cache
// feeds the hash at memory speed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wsbkit::consistency {

class Xxh128 {
 public:
  Xxh128();
  ~Xxh128();
  Xxh128(const Xxh128&) = delete;
  Xxh128& operator=(const Xxh128&) = delete;

  bool valid() const { return state_ != nullptr; }  // false: out of memory
  void reset();
  void update(const void* data, std::size_t size);
  // Canonical (big-endian) bytes, as xxhsum prints them in hex.
  std::array<std::uint8_t, 16> digest();

  // "avx2" or "sse2": the kernel this process uses.
  static const char* instruction_set();

  struct Kernel;  // one instruction set's functions (xxh128.cpp)

 private:
  const Kernel* kernel_;
  void* state_;
};

}  // namespace wsbkit::consistency
