//===- test_reciprocal_fss.cpp - reciprocal / rsqrt under ProtocolSuite::FSS
//===//
//
// The windowed-table reciprocal and rsqrt of reciprocal.h (DCF mode): exact
// cost against reciprocal_cost / rsqrt_cost in both truncation modes (2
// rounds, no truncation), accuracy on a log-uniform grid over the whole
// input range and at every window boundary, zero below 2^−12, and
// relu_softmax on rows built from the recorded ReLU-softmax inputs of the
// committed fmnist teacher (test/runtime/data/activations/softmax_in.npy,
// float32 [R, 17]).
//
//===----------------------------------------------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/softmax.h"

#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
FixedPoint fp(16);
double q(double v) { return fp.decode(fp.encode(v)); }

struct Run {
  std::vector<double> y;
  CommCost measured;
  double seconds = 0;
};

// which: 0 reciprocal, 1 rsqrt.
Run runOne(const std::vector<double> &x, int which, int outFrac,
           SessionConfig cfg) {
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared s = shareFixed(ctx, 1, x, Shape{int64_t(x.size())});
        p.begin();
        Shared y = which ? rsqrt(ctx, s, outFrac) : reciprocal(ctx, s, outFrac);
        p.end();
        return reveal_to_client(ctx, y);
      },
      cfg);
  return {FixedPoint(outFrac).decode(r.out[1]), r.measured, r.seconds};
}

std::vector<double> logUniform(size_t n, double lo, double hi, uint32_t seed) {
  auto u = uniform(n, std::log(lo), std::log(hi), seed);
  for (auto &v : u)
    v = std::exp(v);
  return u;
}

// Relative error beyond one output ulp (the table's own rounding).
double relExcess(double y, double ref, int outFrac) {
  return std::fabs(y - ref) / ref - std::ldexp(1.0, -outFrac) / ref;
}

// Bounds of reciprocal.h: index rounding < one grid step of 2^−11 relative.
constexpr double kRecipBound = 4.9e-4, kRsqrtBound = 2.5e-4;
} // namespace

TEST(ReciprocalFss, CostExactTwoRounds) {
  auto x = logUniform(40, std::ldexp(1, -8), std::ldexp(1, 21), 5);
  const size_t n = x.size();
  for (TruncMode tm : {TruncMode::Probabilistic, TruncMode::Exact})
    for (int which : {0, 1})
      for (int outFrac : {16, 32}) {
        auto r = runOne(x, which, outFrac, suiteConfig(ProtocolSuite::FSS, tm));
        CommCost want =
            which ? rsqrt_cost(tm, n, 16, outFrac, -1, ProtocolSuite::FSS)
                  : reciprocal_cost(tm, n, 16, outFrac, ProtocolSuite::FSS);
        EXPECT_EQ(r.measured, want) << which << " " << r.measured.str();
        EXPECT_EQ(r.measured.rounds, 2u);
        // Independent of the truncation mode (nothing is truncated).
        EXPECT_EQ(want, which ? rsqrt_cost(TruncMode::Exact, n, 16, outFrac, -1,
                                           ProtocolSuite::FSS)
                              : reciprocal_cost(TruncMode::Exact, n, 16,
                                                outFrac, ProtocolSuite::FSS));
      }
  // The formula of reciprocal.h at f = 16 (18 windows of 13 bits, 4 of
  // 6, 8, 10 and 12 bits, each a signed 1-bit-lane lookup, key 16·max(1,
  // b − 6) bytes, and a signed select: 1 bit + 8 bytes online, 32 dealer
  // bytes), per element.
  const CommCost one =
      reciprocal_cost(TruncMode::Probabilistic, 1, 16, 32, ProtocolSuite::FSS);
  EXPECT_EQ(one, CommCost::sym(8 + 1 + 1 + 2 + 2 + 18 * 2 + 22 * (1 + 8), 2,
                               3080 + 2 * 16 * (1 + 2 + 4 + 6 + 18 * 7) +
                                   22 * 32))
      << one.str();
}

TEST(ReciprocalFss, AccuracyOverTheRange) {
  // Log-uniform over [2^−8, 2^21] (the asserted range of reciprocal.h),
  // then the full range [2^−12, 2^30) and every window boundary 4^j, ±1 ulp.
  auto x = logUniform(1500, std::ldexp(1, -8), std::ldexp(1, 21), 11);
  const size_t nMain = x.size();
  auto wide = logUniform(400, std::ldexp(1, -12), std::ldexp(1, 30), 12);
  x.insert(x.end(), wide.begin(), wide.end());
  for (int j = -6; j <= 15; ++j) {
    const double t = std::ldexp(1.0, 2 * j);
    for (double v : {t - fp.ulp(), t, t + fp.ulp()})
      if (v >= std::ldexp(1, -12))
        x.push_back(v);
  }
  const size_t nIn = x.size();
  // Below the range (and 0, negative): exactly 0.
  for (double v : {0.0, fp.ulp(), std::ldexp(1, -12) - fp.ulp(), -1.0, -300.0})
    x.push_back(v);
  for (int which : {0, 1})
    for (int outFrac : {16, 32}) {
      auto r = runOne(x, which, outFrac, suiteConfig(ProtocolSuite::FSS));
      double relMain = 0, relAll = 0, mean = 0;
      for (size_t i = 0; i < nIn; ++i) {
        const double ref = which ? 1 / std::sqrt(q(x[i])) : 1 / q(x[i]);
        const double e = relExcess(r.y[i], ref, outFrac);
        relAll = std::max(relAll, e);
        if (i < nMain) {
          relMain = std::max(relMain, e);
          mean += std::fabs(r.y[i] - ref) / ref;
        }
      }
      mean /= double(nMain);
      std::printf("[recip-fss] %s outFrac=%d: max rel %.3g on [2^-8, 2^21] "
                  "(mean %.3g), %.3g on [2^-12, 2^30); %zu elements %.2f s\n",
                  which ? "rsqrt" : "reciprocal", outFrac, relMain, mean,
                  relAll, x.size(), r.seconds);
      const double bound = which ? kRsqrtBound : kRecipBound;
      EXPECT_LE(relMain, bound) << which << " " << outFrac;
      EXPECT_LE(relAll, bound) << which << " " << outFrac;
      for (size_t i = nIn; i < x.size(); ++i)
        EXPECT_EQ(r.y[i], 0.0) << "x = " << x[i];
    }
}

TEST(ReciprocalFss, ReluSoftmaxRecordedRows) {
  NpyArray a = recordedActivations("softmax_in");
  ASSERT_EQ(a.shape.size(), 2u);
  const size_t cols = size_t(a.shape[1]);
  size_t rows = size_t(a.shape[0]);
  ASSERT_GT(rows, 0u);
  std::vector<double> x = a.data;
  // Two more rows: all negative (ReLU sum 0) and one tiny positive score
  // (sum below 2^−12): both must give zeros.
  for (size_t j = 0; j < cols; ++j)
    x.push_back(-1.0 - double(j));
  for (size_t j = 0; j < cols; ++j)
    x.push_back(j == 3 ? 2 * fp.ulp() : -0.5);
  rows += 2;
  // The row sums the reciprocal sees: ReLU of the quantised scores.
  std::vector<double> sums(rows, 0.0);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j)
      sums[i] += std::max(0.0, q(x[i * cols + j]));
  // (a) The reciprocal on those sums (32 fractional bits, as softmax.cpp).
  {
    auto r = runOne(sums, 0, 32, suiteConfig(ProtocolSuite::FSS));
    double rel = 0, lo = 1e300, hi = 0;
    for (size_t i = 0; i < rows; ++i) {
      if (sums[i] < std::ldexp(1, -12)) {
        EXPECT_EQ(r.y[i], 0.0) << "row " << i;
        continue;
      }
      lo = std::min(lo, sums[i]);
      hi = std::max(hi, sums[i]);
      rel = std::max(rel, relExcess(r.y[i], 1 / sums[i], 32));
    }
    std::printf("[recip-fss] recorded row sums in [%.3g, %.3g]: max rel %.3g\n",
                lo, hi, rel);
    EXPECT_LE(rel, kRecipBound);
  }
  // (b) relu_softmax end to end, both truncation modes.
  for (TruncMode tm : {TruncMode::Probabilistic, TruncMode::Exact}) {
    auto r = run3(
        [&](Context &ctx, Probe &p) {
          Shared s = shareFixed(ctx, 1, x, Shape{int64_t(rows), int64_t(cols)});
          p.begin();
          Shared y = relu_softmax(ctx, s, rows, cols, 0.0);
          p.end();
          return reveal_to_client(ctx, y);
        },
        suiteConfig(ProtocolSuite::FSS, tm));
    EXPECT_EQ(r.measured,
              relu_softmax_cost(tm, rows, cols, 16, ProtocolSuite::FSS))
        << r.measured.str();
    auto y = fp.decode(r.out[1]);
    double err = 0, excess = 0;
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) {
        const double v = std::max(0.0, q(x[i * cols + j]));
        const double ref = sums[i] >= std::ldexp(1, -12) ? v / sums[i] : 0.0;
        const double e = std::fabs(y[i * cols + j] - ref);
        err = std::max(err, e);
        // Reciprocal's relative bound plus the final truncation (2 ulp).
        excess = std::max(excess, e - ref * kRecipBound - 2 * fp.ulp());
      }
    std::printf("[recip-fss] relu_softmax %zux%zu (%s): max abs err %.3g, "
                "%llu rounds\n",
                rows, cols, tm == TruncMode::Exact ? "exact" : "prob", err,
                (unsigned long long)r.measured.rounds);
    EXPECT_LE(excess, 0.0);
    for (size_t k = (rows - 2) * cols; k < rows * cols; ++k)
      EXPECT_LE(std::fabs(y[k]), 2 * fp.ulp()) << "zero rows, element " << k;
  }
}
