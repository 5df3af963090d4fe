// POSIX digest facility: OpenSSL's EVP interface (libcrypto). Must contain only POSIX-side code.
#include <openssl/evp.h>

#include "platform/posix/digests_backend.hpp"

namespace wsbkit::posix {
namespace {

struct ContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

class OpenSslSha256 final : public Sha256 {
 public:
  explicit OpenSslSha256(EVP_MD_CTX* context) : context_(context) {}
  void update(const void* data, std::size_t size) override {
    ok_ = ok_ && EVP_DigestUpdate(context_.get(), data, size) == 1;
  }
  Result<std::array<std::uint8_t, 32>> finish() override {
    std::array<std::uint8_t, 32> out{};
    unsigned int length = 0;
    if (!ok_ || EVP_DigestFinal_ex(context_.get(), out.data(), &length) != 1 || length != out.size()) {
      return Error::win32(win32_error::invalid_data, "EVP_DigestFinal_ex", "SHA-256");
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, ContextDeleter> context_;
  bool ok_ = true;
};

class OpenSslDigests final : public Digests {
 public:
  Result<std::unique_ptr<Sha256>> sha256() override {
    std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
      return Error::win32(win32_error::not_enough_memory, "EVP_DigestInit_ex", "SHA-256");
    }
    return std::unique_ptr<Sha256>(std::make_unique<OpenSslSha256>(context.release()));
  }
};

}  // namespace

std::unique_ptr<Digests> make_posix_digests() { return std::make_unique<OpenSslDigests>(); }

}  // namespace wsbkit::posix
