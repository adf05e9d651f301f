//===- prg.cpp - AES-128-CTR pseudo-random generator ----------------------===//
#include "mpcvit/runtime/prg.h"

#include <cstring>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace mpcvit::rt {

Seed randomSeed() {
  Seed s;
  if (RAND_bytes(s.data(), int(s.size())) != 1)
    throw std::runtime_error("randomSeed: OpenSSL RAND_bytes failed");
  return s;
}

struct Prg::Impl {
  EVP_CIPHER_CTX *ctx = nullptr;
  ~Impl() {
    if (ctx)
      EVP_CIPHER_CTX_free(ctx);
  }
};

Prg::Prg(const Seed &seed, uint64_t nonce) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_CIPHER_CTX_new();
  if (!impl_->ctx)
    throw std::runtime_error("Prg: EVP_CIPHER_CTX_new failed");
  uint8_t iv[16] = {0};
  for (int i = 0; i < 8; ++i)
    iv[i] = uint8_t(nonce >> (8 * (7 - i)));
  if (EVP_EncryptInit_ex(impl_->ctx, EVP_aes_128_ctr(), nullptr, seed.data(),
                         iv) != 1)
    throw std::runtime_error("Prg: EVP_EncryptInit_ex(aes-128-ctr) failed");
}
Prg::~Prg() = default;
Prg::Prg(Prg &&) noexcept = default;
Prg &Prg::operator=(Prg &&) noexcept = default;

void Prg::fillBytes(uint8_t *out, size_t n) {
  if (n == 0)
    return; // `out` may be null (an empty vector's data())
  std::memset(out, 0, n);
  // EVP_EncryptUpdate takes an int length: go in chunks.
  constexpr size_t kChunk = size_t(1) << 30;
  for (size_t off = 0; off < n; off += kChunk) {
    int len = int(std::min(kChunk, n - off));
    int outl = 0;
    if (EVP_EncryptUpdate(impl_->ctx, out + off, &outl, out + off, len) != 1 ||
        outl != len)
      throw std::runtime_error("Prg: EVP_EncryptUpdate failed");
  }
  drawn_ += n;
}

void Prg::fill(uint64_t *out, size_t n) {
  fillBytes(reinterpret_cast<uint8_t *>(out), n * sizeof(uint64_t));
}

std::vector<uint64_t> Prg::next(size_t n) {
  std::vector<uint64_t> v(n);
  fill(v.data(), n);
  return v;
}

} // namespace mpcvit::rt
