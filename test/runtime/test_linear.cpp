//===- test_linear.cpp - Sharing, Beaver products, mmul_sp, truncation ----===//
#include "harness.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/mmul_sp.h"
#include "mpcvit/runtime/trunc.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
FixedPoint fp(16);
double maxAbsErr(const RingTensor &got, const std::vector<double> &ref,
                 int frac = 16) {
  FixedPoint c(frac);
  double m = 0;
  EXPECT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < ref.size() && i < got.size(); ++i)
    m = std::max(m, std::fabs(c.decode(got[i]) - ref[i]));
  return m;
}
} // namespace

TEST(Sharing, ShareRevealRoundTripAndCost) {
  auto v = uniform(100, -1000, 1000, 1);
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        p.begin();
        Shared x = shareFixed(ctx, 1, v, Shape{10, 10});
        Shared y = shareFixed(ctx, 0, v, Shape{10, 10});
        Shared z = add(x, y);
        z = add_public(ctx, z, fp.encode(1.5));
        p.end();
        EXPECT_EQ(p.delta.bytesSent, 0u); // share and local ops are free
        p.begin();
        auto out = reveal_to_client(ctx, z);
        p.end();
        return out;
      },
      testConfig());
  std::vector<double> ref(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    ref[i] = 2 * v[i] + 1.5;
  EXPECT_LT(maxAbsErr(r.out[1], ref), fp.ulp());
  EXPECT_EQ(r.measured, reveal_cost(100)) << r.measured.str();
  // The server learns nothing: its reveal output is zeros.
  for (auto x : r.out[0].data)
    EXPECT_EQ(x, 0u);
}

TEST(Beaver, MulSquareRowsExactAndCost) {
  const size_t n = 257;
  auto a = uniform(n, -100, 100, 2), b = uniform(n, -100, 100, 3);
  a[0] = 0;
  b[1] = 0;
  a[2] = -30000;
  b[2] = 30000; // large magnitudes: |ab| ≈ 9e8 < 2^(62-2f)
  for (auto kind : {0, 1, 2}) {
    const size_t rows = 1;
    auto r = run3(
        [&](Context &ctx, Probe &p) {
          Shared x = shareFixed(ctx, 1, a, Shape{int64_t(n)});
          Shared y = shareFixed(ctx, 0, b, Shape{int64_t(n)});
          p.begin();
          Shared z;
          if (kind == 0)
            z = mul_ss(ctx, x, y);
          else if (kind == 1)
            z = square(ctx, x);
          else
            z = mul_ss_rows(ctx, x, Shared(Shape{1}, {y[0]}), rows, n);
          p.end();
          return revealOut(ctx, z); // raw 2f product, compared exactly below
        },
        testConfig());
    CommCost want = kind == 0   ? mul_ss_cost(n)
                    : kind == 1 ? square_cost(n)
                                : mul_ss_rows_cost(rows, n);
    EXPECT_EQ(r.measured, want) << kind << " " << r.measured.str();
    EXPECT_EQ(r.serverRounds, 1u);
    EXPECT_EQ(r.clientRounds, 1u);
    FixedPoint f32(32);
    for (size_t i = 0; i < n; ++i) {
      double ref =
          kind == 0   ? fp.decode(fp.encode(a[i])) * fp.decode(fp.encode(b[i]))
          : kind == 1 ? std::pow(fp.decode(fp.encode(a[i])), 2)
                      : fp.decode(fp.encode(a[i])) * fp.decode(fp.encode(b[0]));
      // Beaver products are exact in the ring.
      ASSERT_EQ(f32.decode(r.out[1][i]), ref) << kind << " i=" << i;
    }
  }
}

// x opened once, then squared and multiplied by a per-row secret: both
// products exact in the ring, and together one opening of x plus one of y.
TEST(Beaver, MaskedShareReusedByTwoProducts) {
  const size_t rows = 3, cols = 41, n = rows * cols;
  auto a = uniform(n, -300, 300, 21), b = uniform(rows, -50, 50, 22);
  a[5] = 0;
  b[1] = 0;
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared x = shareFixed(ctx, 1, a, Shape{int64_t(n)});
        Shared y = shareFixed(ctx, 0, b, Shape{int64_t(rows)});
        p.begin();
        MaskedShare xm = open_masked(ctx, x);
        Shared sq = square(ctx, xm);
        Shared xy = mul_ss_rows(ctx, xm, y, rows, cols);
        p.end();
        Shared both(Shape{int64_t(2 * n)});
        for (size_t i = 0; i < n; ++i) {
          both[i] = sq[i];
          both[n + i] = xy[i];
        }
        return revealOut(ctx, both);
      },
      testConfig());
  EXPECT_EQ(r.measured, open_masked_cost(n) + square_masked_cost(n) +
                            mul_ss_rows_masked_cost(rows, cols))
      << r.measured.str();
  // One opening of x (n elements) and one of y (rows), in two rounds.
  EXPECT_EQ(r.measured, CommCost::sym((n + rows) * 8, 2, 2 * n * 8));
  FixedPoint f32(32);
  for (size_t i = 0; i < n; ++i) {
    const double xa = fp.decode(fp.encode(a[i]));
    const double yb = fp.decode(fp.encode(b[i / cols]));
    ASSERT_EQ(f32.decode(r.out[1][i]), xa * xa) << "square i=" << i;
    ASSERT_EQ(f32.decode(r.out[1][n + i]), xa * yb) << "x*y i=" << i;
  }
}

// x and y opened together once; x ⊙ y locally, then x ⊙ y ⊙ bcast(z)
// opening only z: both exact ring products (against double math on the
// encoded inputs), costs as declared.
TEST(Beaver, ThreeFactorRowsProductReusesOpenings) {
  const size_t rows = 4, cols = 33, n = rows * cols;
  auto a = uniform(n, -3, 3, 31), b = uniform(n, -3, 3, 32),
       c = uniform(rows, -2, 2, 33);
  a[0] = 0;
  c[2] = 0;
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared x = shareFixed(ctx, 1, a, Shape{int64_t(n)});
        Shared y = shareFixed(ctx, 0, b, Shape{int64_t(n)});
        Shared z = shareFixed(ctx, 0, c, Shape{int64_t(rows)});
        p.begin();
        auto [xm, ym] = open_masked_pair(ctx, x, y);
        Shared xy = mul_ss(ctx, xm, ym);
        Shared xyz = mul_ss_rows(ctx, xm, ym, z, rows, cols);
        p.end();
        Shared both(Shape{int64_t(2 * n)});
        for (size_t i = 0; i < n; ++i) {
          both[i] = xy[i];
          both[n + i] = xyz[i];
        }
        return revealOut(ctx, both);
      },
      testConfig());
  EXPECT_EQ(r.measured, open_masked_pair_cost(n) + mul_ss_masked_cost(n) +
                            mul_ss_rows3_cost(rows, cols))
      << r.measured.str();
  EXPECT_EQ(r.measured, CommCost::sym((2 * n + rows) * 8, 2, 5 * n * 8));
  FixedPoint f32(32);
  for (size_t i = 0; i < n; ++i) {
    const double xa = fp.decode(fp.encode(a[i])),
                 yb = fp.decode(fp.encode(b[i]));
    const double zc = fp.decode(fp.encode(c[i / cols]));
    ASSERT_EQ(f32.decode(r.out[1][i]), xa * yb) << "x*y i=" << i;
    ASSERT_NEAR(std::ldexp(double(int64_t(r.out[1][n + i])), -48), xa * yb * zc,
                1e-12)
        << "x*y*z i=" << i;
  }
}

// Signed factors (MaskedShare::isSigned): shares of σ⊙v from 1-bit-lane
// lookups (lut.h); mul_ss, square and the three-factor product compute with
// v exactly, the dealer folding the signs into the triples.
TEST(Beaver, SignedFactorsProductsAreOfTheValues) {
  const size_t rows = 3, cols = 40, n = rows * cols;
  const int b = 8;
  std::vector<uint64_t> T1(256), T2(256);
  for (size_t i = 0; i < 256; ++i) { // small fixed-point values, any sign
    T1[i] = fp.encode(std::sin(0.1 * double(i)));
    T2[i] = fp.encode(1.0 + 0.01 * double(i) - 1.2);
  }
  std::vector<double> xi(n), yi(n);
  for (size_t i = 0; i < n; ++i) {
    xi[i] = double((i * 37) % 256);
    yi[i] = double((i * 101 + 7) % 256);
  }
  auto c = uniform(rows, -2, 2, 34);
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor ix(Shape{int64_t(n)}), iy(Shape{int64_t(n)});
        if (ctx.party() == 1)
          for (size_t i = 0; i < n; ++i) {
            ix[i] = uint64_t(xi[i]);
            iy[i] = uint64_t(yi[i]);
          }
        Shared sx = share(ctx, 1, ix), sy = share(ctx, 1, iy);
        Shared z = shareFixed(ctx, 0, c, Shape{int64_t(rows)});
        p.begin();
        LutOpen lx = lutSigned_open(ctx, sx, b, T1);
        LutOpen ly = lutSigned_open(ctx, sy, b, T2);
        exchangeOpenings(ctx, {&lx.open, &ly.open}, "test");
        Shared vx = lut_finish(ctx, lx), vy = lut_finish(ctx, ly);
        auto [xm, ym] = open_masked_pair(ctx, vx, vy);
        xm.isSigned = ym.isSigned = true;
        xm.sign = lx.sign;
        ym.sign = ly.sign;
        Shared xy = mul_ss(ctx, xm, ym);
        Shared xx = square(ctx, xm);
        Shared xyz = mul_ss_rows(ctx, xm, ym, z, rows, cols);
        p.end();
        EXPECT_THROW(mul_ss_rows(ctx, xm, z, rows, cols),
                     std::invalid_argument);
        Shared all(Shape{int64_t(3 * n)});
        for (size_t i = 0; i < n; ++i) {
          all[i] = xy[i];
          all[n + i] = xx[i];
          all[2 * n + i] = xyz[i];
        }
        return revealOut(ctx, all);
      },
      testConfig());
  CommCost lookups = lut_signed_cost(n, b) + lut_signed_cost(n, b);
  lookups.rounds = 1;
  EXPECT_EQ(r.measured, lookups + open_masked_pair_cost(n) +
                            mul_ss_masked_cost(n, true) +
                            mul_ss_masked_cost(n, true) +
                            mul_ss_rows3_cost(rows, cols, true))
      << r.measured.str();
  // Dealer: keys 2·2·32 B, signed products 32 + 32 + 64 B per element.
  EXPECT_EQ(r.measured.dealerBytes, (128 + 128) * n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = int64_t(T1[size_t(xi[i])]),
                  y = int64_t(T2[size_t(yi[i])]);
    const int64_t zc = int64_t(fp.encode(c[i / cols]));
    ASSERT_EQ(int64_t(r.out[1][i]), x * y) << "x*y i=" << i;
    ASSERT_EQ(int64_t(r.out[1][n + i]), x * x) << "x*x i=" << i;
    ASSERT_EQ(int64_t(r.out[1][2 * n + i]), x * y * zc) << "x*y*z i=" << i;
  }
}

TEST(Beaver, MmulSsBatchedExactAndCost) {
  const size_t B = 2, m = 5, k = 7, n = 3;
  auto X = uniform(B * m * k, -4, 4, 4), Y = uniform(B * k * n, -4, 4, 5);
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared x = shareFixed(ctx, 1, X, Shape{int64_t(B * m * k)});
        Shared y = shareFixed(ctx, 0, Y, Shape{int64_t(B * k * n)});
        p.begin();
        Shared z = mmul_ss(ctx, x, y, m, k, n, B);
        z = trunc(ctx, z);
        p.end();
        return revealOut(ctx, z);
      },
      testConfig());
  EXPECT_EQ(r.measured, mmul_ss_cost(m, k, n, B)) << r.measured.str();
  std::vector<double> ref(B * m * n, 0);
  for (size_t t = 0; t < B; ++t)
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        for (size_t q = 0; q < k; ++q)
          ref[t * m * n + i * n + j] +=
              fp.decode(fp.encode(X[t * m * k + i * k + q])) *
              fp.decode(fp.encode(Y[t * k * n + q * n + j]));
  EXPECT_LE(maxAbsErr(r.out[1], ref), 2 * fp.ulp()); // ±1 ulp truncation
}

TEST(MmulSp, OnlineOpensOnlyClientActivation) {
  const size_t m = 65, k = 64, n = 48;
  auto X = uniform(m * k, -3, 3, 6), W = uniform(k * n, -0.5, 0.5, 7),
       bias = uniform(n, -1, 1, 8);
  CommCost deployMeasured;
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor w(Shape{int64_t(k), int64_t(n)});
        RingTensor bb(Shape{int64_t(n)});
        if (ctx.role() == Role::Server) {
          w = fp.encode(W, w.shape);
          bb = fp.encode(bias, bb.shape);
          bb = scale(bb, uint64_t(1) << 16); // bias at 2f before the truncation
        }
        p.begin();
        ServerWeight sw = deploy_weight(ctx, 42, w);
        p.end();
        if (ctx.party() >= 0)
          EXPECT_EQ(p.delta.bytesSent, ctx.party() == 0 ? k * n * 8 : 0u);
        Shared x = shareFixed(ctx, 1, X, Shape{int64_t(m), int64_t(k)});
        p.begin();
        Shared z = mmul_sp(ctx, x, sw, m);
        p.end();
        z = add_server_private(ctx, z, bb);
        z = trunc(ctx, z);
        return revealOut(ctx, z);
      },
      testConfig());
  EXPECT_EQ(r.measured, mmul_sp_cost(m, k, n)) << r.measured.str();
  EXPECT_EQ(r.measured.bytesServer, 0u);
  std::vector<double> ref(m * n);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = bias[j];
      for (size_t q = 0; q < k; ++q)
        s += fp.decode(fp.encode(X[i * k + q])) *
             fp.decode(fp.encode(W[q * n + j]));
      ref[i * n + j] = s;
    }
  EXPECT_LE(maxAbsErr(r.out[1], ref), 2 * fp.ulp());
}

TEST(Trunc, LocalAndDealerErrorAndCost) {
  // Values at 2f fractional bits, including large magnitudes and negatives.
  const size_t n = 4096;
  auto v = uniform(n, -20000, 20000, 9);
  v[0] = 0;
  v[1] = -1e-4;
  v[2] = 1e-4;
  v[3] = -32767.5;
  for (auto mode : {TruncMode::Probabilistic, TruncMode::Exact}) {
    SessionConfig cfg = testConfig();
    cfg.trunc = mode;
    auto r = run3(
        [&](Context &ctx, Probe &p) {
          Shared x = shareFixed(ctx, 1, v, Shape{int64_t(n)});
          x = scale(x, uint64_t(1) << 16); // now 2f = 32 fractional bits
          p.begin();
          Shared y = trunc(ctx, x);
          p.end();
          return revealOut(ctx, y);
        },
        cfg);
    EXPECT_EQ(r.measured, trunc_cost(mode, n, 16)) << r.measured.str();
    // Local truncation (SecureML §4.1) fails with probability ≈ |x| / 2^63
    // per element: here |x| < 2^46.3 at 2f bits, ≈ 2^-16.7 per element,
    // ≈ 0.04 expected wrap failures among 4096 (P(> 3) ≈ 1e-7). Every other
    // element is within 1 ulp; the dealer pair never fails.
    size_t wraps = 0;
    double worst = 0;
    for (size_t i = 0; i < n; ++i) {
      double err =
          std::fabs(fp.decode(r.out[1][i]) - fp.decode(fp.encode(v[i])));
      if (mode == TruncMode::Probabilistic && err > 1e6)
        ++wraps;
      else
        worst = std::max(worst, err);
    }
    EXPECT_LE(worst, 1.0 * fp.ulp()) << int(mode);
    EXPECT_LE(wraps, mode == TruncMode::Probabilistic ? 3u : 0u) << int(mode);
  }
}

TEST(Trunc, DealerHasNoWrapFailureNearTheLimit) {
  // |x| close to 2^61 at 2f bits: local truncation fails with probability
  // ~2^-2 per element here; the dealer pair must stay exact (±1 ulp).
  const size_t n = 2000;
  std::mt19937_64 g(10);
  std::vector<uint64_t> raw(n);
  for (auto &x : raw)
    x = uint64_t(int64_t(g() % (uint64_t(1) << 62)) - (int64_t(1) << 61));
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor x(Shape{int64_t(n)});
        if (ctx.party() == 1)
          x.data = raw;
        Shared s = share(ctx, 1, x);
        return revealOut(ctx, trunc_dealer(ctx, s, 20));
      },
      testConfig());
  for (size_t i = 0; i < n; ++i) {
    int64_t want = int64_t(raw[i]) >> 20; // floor
    int64_t got = int64_t(r.out[1][i]);
    ASSERT_TRUE(got == want || got == want + 1)
        << i << " " << got << " " << want;
  }
}
