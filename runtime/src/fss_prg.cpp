//===- fss_prg.cpp - Fixed-key AES MMO, batched (VAES / AES-NI / EVP) -----===//
#include "mpcvit/runtime/fss_prg.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <openssl/evp.h>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define MPCVIT_FSS_X86 1
#endif

namespace mpcvit::rt {

namespace {
// Public fixed AES key (hex digits of π): the permutation of the MMO PRG.
// The same key as before the batched backends, so keys are unchanged.
constexpr uint8_t kFixedKey[16] = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3,
                                   0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e,
                                   0x03, 0x70, 0x73, 0x44};

static_assert(sizeof(FssBlock) == 16, "FssBlock must be one AES block");

struct EvpCtx {
  EVP_CIPHER_CTX *ctx = nullptr;
  EvpCtx() {
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx ||
        EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, kFixedKey,
                           nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
      throw std::runtime_error("fss_prg: EVP aes-128-ecb init failed");
  }
  ~EvpCtx() {
    if (ctx)
      EVP_CIPHER_CTX_free(ctx);
  }
};

void mmoEvp(const FssBlock *in, FssBlock *out, size_t count) {
  thread_local EvpCtx aes;
  // Encrypt 512 blocks at a time into a stack buffer, then feed forward:
  // no allocation, and in == out works.
  constexpr size_t kStep = 512;
  FssBlock tmp[kStep];
  for (size_t off = 0; off < count; off += kStep) {
    const size_t m = std::min(kStep, count - off);
    int outl = 0;
    if (EVP_EncryptUpdate(aes.ctx, reinterpret_cast<uint8_t *>(tmp), &outl,
                          reinterpret_cast<const uint8_t *>(in + off),
                          int(m * 16)) != 1 ||
        size_t(outl) != m * 16)
      throw std::runtime_error("fss_prg: EVP_EncryptUpdate failed");
    for (size_t i = 0; i < m; ++i)
      out[off + i] = {tmp[i].lo ^ in[off + i].lo, tmp[i].hi ^ in[off + i].hi};
  }
}

#ifdef MPCVIT_FSS_X86
// CPUID: AES-NI + SSE4.1 (leaf 1 ECX 25, 19), AVX2 (leaf 7 EBX 5), VAES
// (leaf 7 ECX 9), with the OS saving the YMM state (OSXSAVE, XCR0 bits 1-2).
bool cpuHas(const char *what) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return false;
  const bool aes = ((c >> 25) & 1) && ((c >> 19) & 1);
  if (!std::strcmp(what, "aes"))
    return aes;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!aes || !osxsave || !avx)
    return false;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 6) != 6)
    return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return false;
  return ((b >> 5) & 1) && ((c >> 9) & 1); // AVX2, VAES
}

// AES-128 key schedule with AESKEYGENASSIST.
#define MPCVIT_KEYSTEP(k, rcon)                                                \
  do {                                                                         \
    __m128i g = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(k, rcon), 0xff);   \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                                \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                                \
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                                \
    k = _mm_xor_si128(k, g);                                                   \
  } while (0)

struct RoundKeys {
  alignas(16) uint8_t rk[11][16];
};

__attribute__((target("aes,sse4.1"))) RoundKeys expandKey() {
  RoundKeys r;
  __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i *>(kFixedKey));
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[0]), k);
  MPCVIT_KEYSTEP(k, 0x01);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[1]), k);
  MPCVIT_KEYSTEP(k, 0x02);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[2]), k);
  MPCVIT_KEYSTEP(k, 0x04);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[3]), k);
  MPCVIT_KEYSTEP(k, 0x08);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[4]), k);
  MPCVIT_KEYSTEP(k, 0x10);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[5]), k);
  MPCVIT_KEYSTEP(k, 0x20);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[6]), k);
  MPCVIT_KEYSTEP(k, 0x40);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[7]), k);
  MPCVIT_KEYSTEP(k, 0x80);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[8]), k);
  MPCVIT_KEYSTEP(k, 0x1b);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[9]), k);
  MPCVIT_KEYSTEP(k, 0x36);
  _mm_store_si128(reinterpret_cast<__m128i *>(r.rk[10]), k);
  return r;
}
#undef MPCVIT_KEYSTEP

const RoundKeys &roundKeys() {
  static const RoundKeys r = expandKey(); // only called when AES-NI exists
  return r;
}

// MMO of one block with AES-NI.
__attribute__((target("aes,sse4.1"))) inline __m128i mmo1(__m128i x,
                                                          const __m128i *k) {
  __m128i y = _mm_xor_si128(x, k[0]);
  for (int r = 1; r < 10; ++r)
    y = _mm_aesenc_si128(y, k[r]);
  y = _mm_aesenclast_si128(y, k[10]);
  return _mm_xor_si128(y, x);
}

__attribute__((target("aes,sse4.1"))) void
mmoAesNi(const FssBlock *in, FssBlock *out, size_t count) {
  const RoundKeys &R = roundKeys();
  __m128i k[11];
  for (int r = 0; r < 11; ++r)
    k[r] = _mm_load_si128(reinterpret_cast<const __m128i *>(R.rk[r]));
  const __m128i *src = reinterpret_cast<const __m128i *>(in);
  __m128i *dst = reinterpret_cast<__m128i *>(out);
  constexpr size_t W = 8;
  size_t i = 0;
  for (; i + W <= count; i += W) {
    __m128i x[W], y[W];
    for (size_t j = 0; j < W; ++j) {
      x[j] = _mm_loadu_si128(src + i + j);
      y[j] = _mm_xor_si128(x[j], k[0]);
    }
    for (int r = 1; r < 10; ++r)
      for (size_t j = 0; j < W; ++j)
        y[j] = _mm_aesenc_si128(y[j], k[r]);
    for (size_t j = 0; j < W; ++j)
      _mm_storeu_si128(dst + i + j,
                       _mm_xor_si128(_mm_aesenclast_si128(y[j], k[10]), x[j]));
  }
  for (; i < count; ++i)
    _mm_storeu_si128(dst + i, mmo1(_mm_loadu_si128(src + i), k));
}

__attribute__((target("vaes,avx2,aes,sse4.1"))) void
mmoVaes(const FssBlock *in, FssBlock *out, size_t count) {
  const RoundKeys &R = roundKeys();
  __m256i k[11];
  __m128i k1[11];
  for (int r = 0; r < 11; ++r) {
    k1[r] = _mm_load_si128(reinterpret_cast<const __m128i *>(R.rk[r]));
    k[r] = _mm256_broadcastsi128_si256(k1[r]);
  }
  const uint8_t *src = reinterpret_cast<const uint8_t *>(in);
  uint8_t *dst = reinterpret_cast<uint8_t *>(out);
  constexpr size_t W = 8; // ymm registers in flight = 16 blocks
  size_t i = 0;
  for (; i + 2 * W <= count; i += 2 * W) {
    __m256i x[W], y[W];
    for (size_t j = 0; j < W; ++j) {
      x[j] = _mm256_loadu_si256(
          reinterpret_cast<const __m256i *>(src + 16 * (i + 2 * j)));
      y[j] = _mm256_xor_si256(x[j], k[0]);
    }
    for (int r = 1; r < 10; ++r)
      for (size_t j = 0; j < W; ++j)
        y[j] = _mm256_aesenc_epi128(y[j], k[r]);
    for (size_t j = 0; j < W; ++j)
      _mm256_storeu_si256(
          reinterpret_cast<__m256i *>(dst + 16 * (i + 2 * j)),
          _mm256_xor_si256(_mm256_aesenclast_epi128(y[j], k[10]), x[j]));
  }
  for (; i + 2 <= count; i += 2) {
    __m256i x =
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + 16 * i));
    __m256i y = _mm256_xor_si256(x, k[0]);
    for (int r = 1; r < 10; ++r)
      y = _mm256_aesenc_epi128(y, k[r]);
    _mm256_storeu_si256(
        reinterpret_cast<__m256i *>(dst + 16 * i),
        _mm256_xor_si256(_mm256_aesenclast_epi128(y, k[10]), x));
  }
  if (i < count)
    _mm_storeu_si128(
        reinterpret_cast<__m128i *>(dst + 16 * i),
        mmo1(_mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 16 * i)),
             k1));
}
#else
bool cpuHas(const char *) { return false; }
#endif

bool hasAesNi() {
  static const bool v = cpuHas("aes");
  return v;
}
bool hasVaes() {
  static const bool v = cpuHas("vaes");
  return v;
}
} // namespace

namespace {
std::atomic<int> gDefault{int(FssAesImpl::Auto)};
} // namespace

void fss_aes_set_default(FssAesImpl impl) {
  if (!fss_aes_supported(impl))
    throw std::invalid_argument(std::string("fss_aes_set_default: backend ") +
                                fss_aes_name(impl) +
                                " is not supported by this CPU");
  gDefault.store(int(impl), std::memory_order_relaxed);
}

FssAesImpl fss_aes_auto() {
  const auto d = FssAesImpl(gDefault.load(std::memory_order_relaxed));
  if (d != FssAesImpl::Auto)
    return d;
  return hasVaes() ? FssAesImpl::Vaes
                   : (hasAesNi() ? FssAesImpl::AesNi : FssAesImpl::Evp);
}

bool fss_aes_supported(FssAesImpl impl) {
  switch (impl) {
  case FssAesImpl::Auto:
  case FssAesImpl::Evp:
    return true;
  case FssAesImpl::AesNi:
    return hasAesNi();
  case FssAesImpl::Vaes:
    return hasVaes();
  }
  return false;
}

const char *fss_aes_name(FssAesImpl impl) {
  switch (impl) {
  case FssAesImpl::Auto:
    return "auto";
  case FssAesImpl::Evp:
    return "evp";
  case FssAesImpl::AesNi:
    return "aesni";
  case FssAesImpl::Vaes:
    return "vaes";
  }
  return "?";
}

void fss_mmo(const FssBlock *in, FssBlock *out, size_t count, FssAesImpl impl) {
  if (impl == FssAesImpl::Auto)
    impl = fss_aes_auto();
  if (!fss_aes_supported(impl))
    throw std::invalid_argument(std::string("fss_mmo: backend ") +
                                fss_aes_name(impl) +
                                " is not supported by this CPU");
  switch (impl) {
#ifdef MPCVIT_FSS_X86
  case FssAesImpl::Vaes:
    mmoVaes(in, out, count);
    return;
  case FssAesImpl::AesNi:
    mmoAesNi(in, out, count);
    return;
#endif
  default:
    mmoEvp(in, out, count);
  }
}

} // namespace mpcvit::rt
