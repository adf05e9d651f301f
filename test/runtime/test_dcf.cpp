//===- test_dcf.cpp - DCF key generation / evaluation vs plain comparison -===//
#include "mpcvit/runtime/dcf.h"

#include <gtest/gtest.h>
#include <random>

using namespace mpcvit::rt;

namespace {
uint64_t lowMask(int n) {
  return n == 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
}

// Generate keys for (alpha, beta), evaluate both on x, check y0 + y1.
void checkBatch(int n, int g, const std::vector<uint64_t> &alpha,
                const std::vector<uint64_t> &x, std::mt19937_64 &rng) {
  const size_t cnt = alpha.size();
  ASSERT_EQ(x.size(), cnt);
  std::vector<uint64_t> beta(cnt * g);
  for (auto &b : beta)
    b = rng();
  std::vector<DcfSeed> s0(cnt), s1(cnt);
  for (size_t i = 0; i < cnt; ++i) {
    s0[i] = {rng(), rng()};
    s1[i] = {rng(), rng()};
  }
  const size_t kb = dcf_cw_bytes(n, g);
  std::vector<uint8_t> cw(cnt * kb);
  dcf_gen(n, g, cnt, alpha.data(), beta.data(), s0.data(), s1.data(),
          cw.data());
  std::vector<uint64_t> y0(cnt * g), y1(cnt * g);
  dcf_eval(0, n, g, cnt, x.data(), s0.data(), cw.data(), y0.data());
  dcf_eval(1, n, g, cnt, x.data(), s1.data(), cw.data(), y1.data());
  const uint64_t m = lowMask(n);
  for (size_t i = 0; i < cnt; ++i) {
    const bool lt = (x[i] & m) < (alpha[i] & m);
    for (int q = 0; q < g; ++q)
      ASSERT_EQ(y0[i * g + q] + y1[i * g + q], lt ? beta[i * g + q] : 0)
          << "n=" << n << " g=" << g << " i=" << i << " x=" << x[i]
          << " alpha=" << alpha[i] << " q=" << q;
  }
}
} // namespace

TEST(Dcf, KeyBytesFormula) {
  EXPECT_EQ(dcf_cw_bytes(63, 1), 16u * 63 + 8 * 63 + 8 + 16);
  EXPECT_EQ(dcf_cw_bytes(63, 2), 2048u);
  EXPECT_EQ(dcf_cw_bytes(63, 1), 1536u);
  EXPECT_EQ(dcf_cw_bytes(1, 1), 16u + 8 + 8 + 1);
  EXPECT_THROW(dcf_cw_bytes(0, 1), std::invalid_argument);
  EXPECT_THROW(dcf_cw_bytes(65, 1), std::invalid_argument);
  EXPECT_THROW(dcf_cw_bytes(8, 0), std::invalid_argument);
  EXPECT_THROW(dcf_cw_bytes(8, kDcfMaxOutputs + 1), std::invalid_argument);
}

TEST(Dcf, RandomInputsMatchPlainComparison) {
  std::mt19937_64 rng(1);
  for (int n : {1, 2, 7, 16, 32, 63, 64})
    for (int g : {1, 2, 3, 4}) {
      const size_t cnt = 3000; // several internal batches of 256
      std::vector<uint64_t> a(cnt), x(cnt);
      for (size_t i = 0; i < cnt; ++i) {
        a[i] = rng();
        // half near α (both sides), half uniform
        x[i] = (i & 1) ? rng() : a[i] + (rng() % 9) - 4;
      }
      checkBatch(n, g, a, x, rng);
    }
}

TEST(Dcf, EdgeInputs) {
  std::mt19937_64 rng(2);
  for (int n : {1, 8, 63, 64}) {
    const uint64_t m = lowMask(n), half = uint64_t(1) << (n - 1);
    std::vector<uint64_t> alphas = {0,        1,     half - 1, half,
                                    half + 1, m - 1, m,        rng() & m};
    std::vector<uint64_t> a, x;
    for (uint64_t al : alphas) {
      std::vector<uint64_t> xs = {0,     1, half - 1,     half,   half + 1,
                                  m - 1, m, (al - 1) & m, al & m, (al + 1) & m};
      for (uint64_t xv : xs) {
        a.push_back(al);
        x.push_back(xv);
      }
    }
    for (int g : {1, 2})
      checkBatch(n, g, a, x, rng);
  }
}

TEST(Dcf, HighBitsOfInputsAreIgnoredAndKeysDiffer) {
  std::mt19937_64 rng(3);
  // Inputs carry garbage above bit n: only the low n bits count.
  std::vector<uint64_t> a(500), x(500);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = rng();
    x[i] = rng();
  }
  checkBatch(20, 2, a, x, rng);
  // Same (α, β), fresh seeds: correction words differ (they are masked by
  // the PRG outputs of the seeds).
  uint64_t al = 12345, be = 1;
  std::vector<uint8_t> c1(dcf_cw_bytes(63, 1)), c2(c1.size());
  DcfSeed s0{rng(), rng()}, s1{rng(), rng()}, s2{rng(), rng()},
      s3{rng(), rng()};
  dcf_gen(63, 1, 1, &al, &be, &s0, &s1, c1.data());
  dcf_gen(63, 1, 1, &al, &be, &s2, &s3, c2.data());
  size_t same = 0;
  for (size_t i = 0; i < c1.size(); ++i)
    same += c1[i] == c2[i];
  EXPECT_LT(same, c1.size() / 16);
}

TEST(Dcf, BadArgumentsThrow) {
  uint64_t v = 0, out = 0;
  DcfSeed s;
  uint8_t cw[64] = {};
  EXPECT_THROW(dcf_eval(2, 8, 1, 1, &v, &s, cw, &out), std::invalid_argument);
  EXPECT_THROW(dcf_gen(0, 1, 1, &v, &v, &s, &s, cw), std::invalid_argument);
}
