//===- test_fss_dcf.cpp - DCF on the batched PRG, split over threads
//-------===//
#include "mpcvit/runtime/dcf.h"

#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace mpcvit::rt;

namespace {
uint64_t lowMask(int n) {
  return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
}
} // namespace

// Keys and outputs do not depend on the thread count; shares reconstruct
// β·[x < α] at the boundaries x = α − 1, α, α + 1, 0, 2^n − 1.
TEST(FssDcf, ThreadsAndBoundaries) {
  std::mt19937_64 rng(21);
  for (int n : {1, 16, 32, 63, 64})
    for (int g : {1, 2}) {
      std::vector<uint64_t> alpha, x;
      const uint64_t m = lowMask(n);
      for (int r = 0; r < 150; ++r) {
        const uint64_t a = r == 0 ? 0 : (r == 1 ? m : rng());
        for (uint64_t p : {a - 1, a, a + 1, uint64_t(0), m, rng()}) {
          alpha.push_back(a);
          x.push_back(p);
        }
      }
      const size_t cnt = alpha.size();
      std::vector<uint64_t> beta(cnt * g);
      for (auto &b : beta)
        b = rng();
      std::vector<DcfSeed> s0(cnt), s1(cnt);
      for (size_t i = 0; i < cnt; ++i) {
        s0[i] = {rng(), rng()};
        s1[i] = {rng(), rng()};
      }
      const size_t kb = dcf_cw_bytes(n, g);
      std::vector<uint8_t> c1(cnt * kb), c2(cnt * kb);
      dcf_gen(n, g, cnt, alpha.data(), beta.data(), s0.data(), s1.data(),
              c1.data(), 1);
      dcf_gen(n, g, cnt, alpha.data(), beta.data(), s0.data(), s1.data(),
              c2.data(), 3);
      ASSERT_EQ(c1, c2) << "n=" << n << " g=" << g;
      std::vector<uint64_t> y0(cnt * g), y1(cnt * g), y1b(cnt * g);
      dcf_eval(0, n, g, cnt, x.data(), s0.data(), c1.data(), y0.data(), 2);
      dcf_eval(1, n, g, cnt, x.data(), s1.data(), c1.data(), y1.data(), 1);
      dcf_eval(1, n, g, cnt, x.data(), s1.data(), c1.data(), y1b.data(), 4);
      ASSERT_EQ(y1, y1b);
      for (size_t i = 0; i < cnt; ++i) {
        const bool lt = (x[i] & m) < (alpha[i] & m);
        for (int q = 0; q < g; ++q)
          ASSERT_EQ(y0[i * g + q] + y1[i * g + q], lt ? beta[i * g + q] : 0)
              << "n=" << n << " i=" << i;
      }
    }
}
