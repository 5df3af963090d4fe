// Win32 digest facility: CNG (BCryptOpenAlgorithmProvider / BCryptCreateHash). Must contain only
// Win32-specific code.
#include "platform/win32/windows.hpp"

#include <bcrypt.h>

#include <algorithm>

#include "platform/win32/digests_backend.hpp"

namespace wsbkit::win32 {
namespace {

Error ntstatus_error(NTSTATUS status, const char* api) {
  return Error::hresult(static_cast<Hresult>(HRESULT_FROM_NT(status)), api, "SHA-256");
}

class CngSha256 final : public Sha256 {
 public:
  explicit CngSha256(BCRYPT_HASH_HANDLE hash) : hash_(hash) {}
  ~CngSha256() override { ::BCryptDestroyHash(hash_); }
  CngSha256(const CngSha256&) = delete;
  CngSha256& operator=(const CngSha256&) = delete;

  void update(const void* data, std::size_t size) override {
    const auto* bytes = static_cast<const unsigned char*>(data);
    while (size > 0 && status_ >= 0) {  // BCryptHashData takes a ULONG length
      const ULONG piece = static_cast<ULONG>(std::min<std::size_t>(size, 1u << 30));
      status_ = ::BCryptHashData(hash_, const_cast<PUCHAR>(bytes), piece, 0);
      bytes += piece;
      size -= piece;
    }
  }
  Result<std::array<std::uint8_t, 32>> finish() override {
    if (status_ < 0) return ntstatus_error(status_, "BCryptHashData");
    std::array<std::uint8_t, 32> out{};
    const NTSTATUS status = ::BCryptFinishHash(hash_, out.data(), static_cast<ULONG>(out.size()), 0);
    if (status < 0) return ntstatus_error(status, "BCryptFinishHash");
    return out;
  }

 private:
  BCRYPT_HASH_HANDLE hash_;
  NTSTATUS status_ = 0;
};

class CngDigests final : public Digests {
 public:
  // Opened once, up front: hashing threads then share it (CNG allows that).
  CngDigests() : open_status_(::BCryptOpenAlgorithmProvider(&algorithm_, BCRYPT_SHA256_ALGORITHM, nullptr, 0)) {}
  ~CngDigests() override {
    if (open_status_ >= 0) ::BCryptCloseAlgorithmProvider(algorithm_, 0);
  }
  CngDigests(const CngDigests&) = delete;
  CngDigests& operator=(const CngDigests&) = delete;

  Result<std::unique_ptr<Sha256>> sha256() override {
    if (open_status_ < 0) return ntstatus_error(open_status_, "BCryptOpenAlgorithmProvider");
    BCRYPT_HASH_HANDLE hash = nullptr;
    const NTSTATUS status = ::BCryptCreateHash(algorithm_, &hash, nullptr, 0, nullptr, 0, 0);
    if (status < 0) return ntstatus_error(status, "BCryptCreateHash");
    return std::unique_ptr<Sha256>(std::make_unique<CngSha256>(hash));
  }

 private:
  BCRYPT_ALG_HANDLE algorithm_ = nullptr;
  NTSTATUS open_status_;
};

}  // namespace

std::unique_ptr<Digests> make_win32_digests() { return std::make_unique<CngDigests>(); }

}  // namespace wsbkit::win32
