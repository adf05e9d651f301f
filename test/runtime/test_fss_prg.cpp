//===- test_fss_prg.cpp - Batched fixed-key AES MMO: backends agree
//--------===//
#include "mpcvit/runtime/dcf.h"
#include "mpcvit/runtime/fss_prg.h"
#include "mpcvit/runtime/parallel_for.h"

#include <atomic>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <random>
#include <stdexcept>
#include <vector>

using namespace mpcvit::rt;

namespace {
// Reference: AES-128-ECB under the fixed key through a fresh EVP context,
// then the MMO feed-forward, block by block.
std::vector<FssBlock> reference(const std::vector<FssBlock> &in) {
  static const uint8_t key[16] = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3,
                                  0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e,
                                  0x03, 0x70, 0x73, 0x44};
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  EXPECT_EQ(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), nullptr, key, nullptr), 1);
  EVP_CIPHER_CTX_set_padding(c, 0);
  std::vector<FssBlock> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    int l = 0;
    EVP_EncryptUpdate(c, reinterpret_cast<uint8_t *>(&out[i]), &l,
                      reinterpret_cast<const uint8_t *>(&in[i]), 16);
    out[i].lo ^= in[i].lo;
    out[i].hi ^= in[i].hi;
  }
  EVP_CIPHER_CTX_free(c);
  return out;
}
} // namespace

TEST(FssPrg, BackendsMatchReferenceAtEveryTailLength) {
  std::mt19937_64 rng(7);
  for (FssAesImpl impl : {FssAesImpl::Auto, FssAesImpl::Evp, FssAesImpl::AesNi,
                          FssAesImpl::Vaes}) {
    if (!fss_aes_supported(impl)) {
      EXPECT_THROW(
          {
            FssBlock b;
            fss_mmo(&b, &b, 1, impl);
          },
          std::invalid_argument);
      continue;
    }
    for (size_t n : {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 4099}) {
      std::vector<FssBlock> in(n);
      for (auto &b : in)
        b = {rng(), rng()};
      auto want = reference(in);
      std::vector<FssBlock> got(n);
      fss_mmo(in.data(), got.data(), n, impl);
      for (size_t i = 0; i < n; ++i)
        ASSERT_TRUE(got[i].lo == want[i].lo && got[i].hi == want[i].hi)
            << fss_aes_name(impl) << " n=" << n << " i=" << i;
      // In place.
      fss_mmo(in.data(), in.data(), n, impl);
      for (size_t i = 0; i < n; ++i)
        ASSERT_TRUE(in[i].lo == want[i].lo && in[i].hi == want[i].hi)
            << fss_aes_name(impl) << " (in place) n=" << n << " i=" << i;
    }
  }
  EXPECT_NE(fss_aes_auto(), FssAesImpl::Auto);
  // dcf_mmo is the automatic backend.
  std::vector<FssBlock> in(50), a(50), b(50);
  for (auto &x : in)
    x = {rng(), rng()};
  dcf_mmo(in.data(), a.data(), in.size());
  fss_mmo(in.data(), b.data(), in.size(), FssAesImpl::Evp);
  for (size_t i = 0; i < in.size(); ++i)
    EXPECT_TRUE(a[i].lo == b[i].lo && a[i].hi == b[i].hi);
}

TEST(FssPrg, ParallelForCoversRangeOnceAndRethrows) {
  for (int threads : {1, 2, 3, 8})
    for (size_t count : {0, 1, 5, 255, 256, 257, 1000}) {
      std::vector<std::atomic<int>> hit(count);
      parallel_for(count, threads, 64, [&](size_t b, size_t e) {
        EXPECT_EQ(b % 64, 0u);
        for (size_t i = b; i < e; ++i)
          hit[i]++;
      });
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(hit[i].load(), 1) << threads << " " << count << " " << i;
    }
  EXPECT_THROW(parallel_for(1000, 3, 10,
                            [](size_t b, size_t) {
                              if (b > 0)
                                throw std::runtime_error("worker");
                            }),
               std::runtime_error);
}
