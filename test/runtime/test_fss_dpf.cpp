//===- test_fss_dpf.cpp - DPF (early termination): eval, eval-all, x < α
//---===//
#include "mpcvit/runtime/dpf.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace mpcvit::rt;

namespace {
uint64_t lowMask(int n) {
  return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
}

struct Keys {
  int n, w;
  std::vector<uint64_t> alpha, beta;
  std::vector<FssBlock> s0, s1;
  std::vector<uint8_t> cw;
};

Keys makeKeys(int n, int w, std::vector<uint64_t> alpha, std::mt19937_64 &rng,
              bool unitBeta = false, int threads = 1) {
  Keys k;
  k.n = n;
  k.w = w;
  k.alpha = std::move(alpha);
  const size_t cnt = k.alpha.size();
  k.beta.resize(cnt);
  for (auto &b : k.beta)
    b = unitBeta ? 1 : rng();
  k.s0.resize(cnt);
  k.s1.resize(cnt);
  for (size_t i = 0; i < cnt; ++i) {
    k.s0[i] = {rng(), rng()};
    k.s1[i] = {rng(), rng()};
  }
  k.cw.resize(cnt * dpf_key_bytes(n, w));
  dpf_gen(n, w, cnt, k.alpha.data(), unitBeta ? nullptr : k.beta.data(),
          k.s0.data(), k.s1.data(), k.cw.data(), threads);
  return k;
}

// Points near α (both sides), boundaries, uniform.
std::vector<uint64_t> probes(int n, uint64_t a, std::mt19937_64 &rng) {
  const uint64_t m = lowMask(n);
  return {a,     a - 1, a + 1, 0,      m,
          m - 1, 1,     a ^ 1, a ^ 64, a ^ 128,
          rng(), rng(), a + 2, a - 2,  a ^ (uint64_t(1) << (n - 1))};
}

const int kBits[] = {1, 7, 8, 13, 16, 32, 63, 64};
} // namespace

TEST(FssDpf, KeyBytesClosedForm) {
  for (int n = 1; n <= 64; ++n)
    for (int lw = 0; lw <= 6; ++lw) {
      const int w = 1 << lw;
      const int nu = std::min(n, 7 - lw);
      EXPECT_EQ(dpf_leaf_bits(n, w), nu);
      EXPECT_EQ(dpf_key_bytes(n, w), 16u * size_t(n - nu + 1));
    }
  EXPECT_EQ(dpf_key_bytes(7, 1), 16u);
  EXPECT_EQ(dpf_key_bytes(16, 1), 160u);
  EXPECT_EQ(dpf_key_bytes(32, 1), 416u);
  EXPECT_EQ(dpf_key_bytes(63, 1), 912u);
  EXPECT_EQ(dpf_key_bytes(64, 1), 928u);
  EXPECT_EQ(dpf_key_bytes(8, 64), 128u); // ν = 1: 16n
  EXPECT_EQ(dpf_eval_all_words(16, 1), 2u * 512);
  EXPECT_EQ(dpf_eval_all_words(3, 1), 2u);
  EXPECT_THROW(dpf_key_bytes(0, 1), std::invalid_argument);
  EXPECT_THROW(dpf_key_bytes(65, 1), std::invalid_argument);
  EXPECT_THROW(dpf_key_bytes(8, 3), std::invalid_argument);
  EXPECT_THROW(dpf_key_bytes(8, 128), std::invalid_argument);
  EXPECT_THROW(dpf_eval_all_words(kDpfEvalAllMaxBits + 1, 1),
               std::invalid_argument);
}

TEST(FssDpf, PointEvalReconstructsTheIndicator) {
  std::mt19937_64 rng(11);
  for (int n : kBits)
    for (int w : {1, 2, 8, 64}) {
      std::vector<uint64_t> alpha, x;
      for (int r = 0; r < 40; ++r) {
        const uint64_t a = rng();
        for (uint64_t p : probes(n, a, rng)) {
          alpha.push_back(a);
          x.push_back(p);
        }
      }
      // α at the domain's ends.
      for (uint64_t a : {uint64_t(0), lowMask(n)})
        for (uint64_t p : probes(n, a, rng)) {
          alpha.push_back(a);
          x.push_back(p);
        }
      Keys k = makeKeys(n, w, alpha, rng);
      const size_t cnt = alpha.size();
      std::vector<uint64_t> y0(cnt), y1(cnt);
      dpf_eval(0, n, w, cnt, x.data(), k.s0.data(), k.cw.data(), y0.data());
      dpf_eval(1, n, w, cnt, x.data(), k.s1.data(), k.cw.data(), y1.data(), 2);
      const uint64_t m = lowMask(n), wm = lowMask(w);
      for (size_t i = 0; i < cnt; ++i) {
        const bool eq = (x[i] & m) == (alpha[i] & m);
        ASSERT_LE(y0[i], wm);
        ASSERT_LE(y1[i], wm);
        ASSERT_EQ((y0[i] + y1[i]) & wm, eq ? (k.beta[i] & wm) : 0)
            << "n=" << n << " w=" << w << " i=" << i << " x=" << x[i]
            << " alpha=" << alpha[i];
      }
    }
}

TEST(FssDpf, EvalAllReconstructsTheIndicatorEverywhere) {
  std::mt19937_64 rng(12);
  for (int n : {1, 2, 7, 8, 13, 16})
    for (int w : {1, 4, 64}) {
      if (n == 16 && w == 64)
        continue; // 512 KiB per element: covered by n = 13
      const size_t cnt = n >= 13 ? 3 : 40;
      std::vector<uint64_t> alpha(cnt);
      for (auto &a : alpha)
        a = rng();
      alpha[0] = 0;
      alpha[1] = lowMask(n);
      Keys k = makeKeys(n, w, alpha, rng);
      const size_t W = dpf_eval_all_words(n, w);
      ASSERT_GE(W * 64, (size_t(1) << n) * size_t(w));
      std::vector<uint64_t> e0(cnt * W), e1(cnt * W);
      dpf_eval_all(0, n, w, cnt, k.s0.data(), k.cw.data(), e0.data());
      dpf_eval_all(1, n, w, cnt, k.s1.data(), k.cw.data(), e1.data(), 2);
      const uint64_t wm = lowMask(w);
      // Point evaluation agrees with eval-all for party 0.
      std::vector<uint64_t> xs(cnt), pt(cnt);
      for (size_t i = 0; i < cnt; ++i) {
        const uint64_t a = alpha[i] & lowMask(n);
        const size_t lanes = W * 64 / size_t(w);
        for (size_t y = 0; y < lanes; ++y) {
          const size_t bit = y * size_t(w);
          auto lane = [&](const std::vector<uint64_t> &v) {
            return (v[i * W + bit / 64] >> (bit % 64)) & wm;
          };
          const uint64_t want = y == a ? (k.beta[i] & wm) : 0;
          ASSERT_EQ((lane(e0) + lane(e1)) & wm, want)
              << "n=" << n << " w=" << w << " i=" << i << " y=" << y;
        }
        xs[i] = rng() & lowMask(n);
      }
      dpf_eval(0, n, w, cnt, xs.data(), k.s0.data(), k.cw.data(), pt.data());
      for (size_t i = 0; i < cnt; ++i) {
        const size_t bit = xs[i] * size_t(w);
        EXPECT_EQ(pt[i], (e0[i * W + bit / 64] >> (bit % 64)) & wm);
      }
    }
}

// dpf_eval_half returns, for each party, exactly the half of dpf_eval_all's
// lanes selected by the top bit (so the shares reconstruct the indicator
// there), including trees of one level above the leaves (n − ν = 1).
TEST(FssDpf, EvalHalfIsTheChosenHalfOfEvalAll) {
  std::mt19937_64 rng(15);
  for (int n : {2, 8, 10, 14})
    for (int w : {1, 64}) {
      if (n - dpf_leaf_bits(n, w) < 1) {
        std::vector<uint64_t> out(4);
        uint8_t top = 0;
        FssBlock s{0, 0};
        std::vector<uint8_t> cw(dpf_key_bytes(n, w));
        EXPECT_THROW(dpf_eval_half(0, n, w, 1, &top, &s, cw.data(), out.data()),
                     std::invalid_argument);
        continue;
      }
      const size_t cnt = 37;
      std::vector<uint64_t> alpha(cnt);
      for (auto &a : alpha)
        a = rng();
      Keys k = makeKeys(n, w, alpha, rng);
      const size_t W = dpf_eval_all_words(n, w), H = W / 2;
      std::vector<uint8_t> top(cnt);
      for (size_t i = 0; i < cnt; ++i)
        top[i] =
            i < 2 ? uint8_t((alpha[i] >> (n - 1)) & 1) : uint8_t(rng() & 1);
      for (int p : {0, 1}) {
        const auto &sd = p ? k.s1 : k.s0;
        std::vector<uint64_t> all(cnt * W), half(cnt * H);
        dpf_eval_all(p, n, w, cnt, sd.data(), k.cw.data(), all.data());
        dpf_eval_half(p, n, w, cnt, top.data(), sd.data(), k.cw.data(),
                      half.data(), 2);
        for (size_t i = 0; i < cnt; ++i)
          for (size_t j = 0; j < H; ++j)
            ASSERT_EQ(half[i * H + j], all[i * W + top[i] * H + j])
                << "n=" << n << " w=" << w << " party " << p << " i=" << i;
      }
    }
}

TEST(FssDpf, ComparisonFromDpfKeys) {
  std::mt19937_64 rng(13);
  for (int n : kBits) {
    std::vector<uint64_t> alpha, x;
    for (int r = 0; r < 200; ++r) {
      const uint64_t a = rng();
      for (uint64_t p : probes(n, a, rng)) {
        alpha.push_back(a);
        x.push_back(p);
      }
    }
    for (uint64_t a : {uint64_t(0), uint64_t(1), lowMask(n), lowMask(n) - 1})
      for (uint64_t p : probes(n, a, rng)) {
        alpha.push_back(a);
        x.push_back(p);
      }
    Keys k = makeKeys(n, 1, alpha, rng, /*unitBeta=*/true);
    const size_t cnt = alpha.size();
    std::vector<uint64_t> c0(cnt), c1(cnt);
    dpf_eval_lt(0, n, cnt, x.data(), k.s0.data(), k.cw.data(), c0.data());
    dpf_eval_lt(1, n, cnt, x.data(), k.s1.data(), k.cw.data(), c1.data(), 3);
    const uint64_t m = lowMask(n);
    for (size_t i = 0; i < cnt; ++i) {
      ASSERT_LE(c0[i], 1u);
      ASSERT_LE(c1[i], 1u);
      ASSERT_EQ(c0[i] ^ c1[i], uint64_t((x[i] & m) < (alpha[i] & m)))
          << "n=" << n << " i=" << i << " x=" << x[i] << " alpha=" << alpha[i];
    }
  }
  // Exhaustive on a small domain.
  for (int n : {1, 3, 8, 9}) {
    std::vector<uint64_t> alpha, x;
    for (uint64_t a = 0; a < (uint64_t(1) << n); ++a)
      for (uint64_t v = 0; v < (uint64_t(1) << n); ++v) {
        alpha.push_back(a);
        x.push_back(v);
      }
    Keys k = makeKeys(n, 1, alpha, rng, true);
    const size_t cnt = alpha.size();
    std::vector<uint64_t> c0(cnt), c1(cnt);
    dpf_eval_lt(0, n, cnt, x.data(), k.s0.data(), k.cw.data(), c0.data());
    dpf_eval_lt(1, n, cnt, x.data(), k.s1.data(), k.cw.data(), c1.data());
    for (size_t i = 0; i < cnt; ++i)
      ASSERT_EQ(c0[i] ^ c1[i], uint64_t(x[i] < alpha[i]))
          << "n=" << n << " x=" << x[i] << " alpha=" << alpha[i];
  }
}

TEST(FssDpf, ThreadCountDoesNotChangeKeysOrOutputs) {
  std::mt19937_64 rng(14);
  const size_t cnt = 1500; // several chunks of 256
  std::vector<uint64_t> alpha(cnt), x(cnt);
  for (size_t i = 0; i < cnt; ++i) {
    alpha[i] = rng();
    x[i] = rng();
  }
  std::mt19937_64 r1(5), r2(5);
  Keys a = makeKeys(40, 1, alpha, r1, true, 1);
  Keys b = makeKeys(40, 1, alpha, r2, true, 3);
  ASSERT_EQ(a.cw, b.cw);
  std::vector<uint64_t> y1(cnt), y2(cnt), l1(cnt), l2(cnt);
  dpf_eval(1, 40, 1, cnt, x.data(), a.s1.data(), a.cw.data(), y1.data(), 1);
  dpf_eval(1, 40, 1, cnt, x.data(), a.s1.data(), a.cw.data(), y2.data(), 2);
  EXPECT_EQ(y1, y2);
  dpf_eval_lt(0, 40, cnt, x.data(), a.s0.data(), a.cw.data(), l1.data(), 1);
  dpf_eval_lt(0, 40, cnt, x.data(), a.s0.data(), a.cw.data(), l2.data(), 4);
  EXPECT_EQ(l1, l2);
}

// The structure the construction prescribes: the correction words are the
// same bytes for both keys (one buffer), level i's correction depends only
// on α's top i + 1 bits and the seeds, β enters the leaf correction only,
// seed bits 0 and 1 are ignored; the two parties' shares differ exactly at α.
TEST(FssDpf, KeyStructure) {
  std::mt19937_64 rng(15);
  const int n = 40, d = n - 7;
  const size_t kb = dpf_key_bytes(n, 8);
  FssBlock s0{rng(), rng()}, s1{rng(), rng()};
  auto gen = [&](uint64_t a, uint64_t beta, FssBlock x0, FssBlock x1) {
    std::vector<uint8_t> cw(kb);
    dpf_gen(n, 8, 1, &a, &beta, &x0, &x1, cw.data());
    return cw;
  };
  const int dw = n - dpf_leaf_bits(n, 8);
  const uint64_t a = rng();
  // α' = α with bit (n − 1 − j) flipped: levels < j equal, level j differs.
  for (int j : {0, 5, dw - 1}) {
    auto c1 = gen(a, 3, s0, s1);
    auto c2 = gen(a ^ (uint64_t(1) << (n - 1 - j)), 3, s0, s1);
    EXPECT_TRUE(std::equal(c1.begin(), c1.begin() + 16 * j, c2.begin())) << j;
    EXPECT_FALSE(std::equal(c1.begin() + 16 * j, c1.begin() + 16 * (j + 1),
                            c2.begin() + 16 * j))
        << j;
  }
  // β changes the leaf correction only.
  auto b1 = gen(a, 3, s0, s1), b2 = gen(a, 200, s0, s1);
  EXPECT_TRUE(std::equal(b1.begin(), b1.end() - 16, b2.begin()));
  EXPECT_FALSE(std::equal(b1.end() - 16, b1.end(), b2.end() - 16));
  // Seed bits 0, 1 are the control-bit slots: ignored.
  FssBlock t0 = s0, t1 = s1;
  t0.lo ^= 3;
  t1.lo ^= 1;
  EXPECT_EQ(gen(a, 3, t0, t1), b1);
  // Fresh seeds for the same (α, β): unrelated correction words.
  auto f = gen(a, 3, {rng(), rng()}, {rng(), rng()});
  size_t same = 0;
  for (size_t i = 0; i < kb; ++i)
    same += f[i] == b1[i];
  EXPECT_LT(same, kb / 16);
  // w = 1 eval-all: the parties' bit vectors differ exactly at α.
  const int m = 12;
  Keys k = makeKeys(m, 1, {rng()}, rng, true);
  const size_t W = dpf_eval_all_words(m, 1);
  std::vector<uint64_t> e0(W), e1(W);
  dpf_eval_all(0, m, 1, 1, k.s0.data(), k.cw.data(), e0.data());
  dpf_eval_all(1, m, 1, 1, k.s1.data(), k.cw.data(), e1.data());
  EXPECT_NE(e0, e1);
  int diff = 0;
  for (size_t i = 0; i < W; ++i)
    diff += __builtin_popcountll(e0[i] ^ e1[i]);
  EXPECT_EQ(diff, 1);
  (void)d;
}

// The lookup-table use documented in dpf.h: keys for f_{r,1} with w = 64,
// x̂ = x + r opened, y_b = Σ_j T[(x̂ − j) mod 2^n]·e_b(j) shares T[x].
TEST(FssDpf, LookupTableFromEvalAll) {
  std::mt19937_64 rng(16);
  const int n = 8;
  const size_t N = size_t(1) << n, cnt = 64;
  std::vector<uint64_t> T(N);
  for (auto &v : T)
    v = rng();
  std::vector<uint64_t> r(cnt), x(cnt);
  for (size_t i = 0; i < cnt; ++i) {
    r[i] = rng() & (N - 1);
    x[i] = rng() & (N - 1);
  }
  Keys k = makeKeys(n, 64, r, rng, true);
  const size_t W = dpf_eval_all_words(n, 64);
  ASSERT_EQ(W, N);
  std::vector<uint64_t> e[2] = {std::vector<uint64_t>(cnt * W),
                                std::vector<uint64_t>(cnt * W)};
  dpf_eval_all(0, n, 64, cnt, k.s0.data(), k.cw.data(), e[0].data());
  dpf_eval_all(1, n, 64, cnt, k.s1.data(), k.cw.data(), e[1].data());
  for (size_t i = 0; i < cnt; ++i) {
    const uint64_t xh = (x[i] + r[i]) & (N - 1);
    uint64_t y[2] = {0, 0};
    for (int b = 0; b < 2; ++b)
      for (size_t j = 0; j < N; ++j)
        y[b] += T[(xh - j) & (N - 1)] * e[b][i * W + j];
    EXPECT_EQ(y[0] + y[1], T[x[i]]) << i;
  }
}

TEST(FssDpf, BadArgumentsThrow) {
  uint64_t v = 0, out = 0;
  FssBlock s;
  uint8_t cw[64] = {};
  EXPECT_THROW(dpf_eval(2, 8, 1, 1, &v, &s, cw, &out), std::invalid_argument);
  EXPECT_THROW(dpf_eval_lt(-1, 8, 1, &v, &s, cw, &out), std::invalid_argument);
  EXPECT_THROW(dpf_gen(0, 1, 1, &v, &v, &s, &s, cw), std::invalid_argument);
  EXPECT_THROW(dpf_gen(8, 5, 1, &v, &v, &s, &s, cw), std::invalid_argument);
  EXPECT_THROW(dpf_eval_all(0, kDpfEvalAllMaxBits + 1, 1, 1, &s, cw, &out),
               std::invalid_argument);
}
