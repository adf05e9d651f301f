//===- test_softmax_fss.cpp - FSS softmax from lookup tables
//---------------===//
//
// exp_neg_lut (exp.h), inverse_lut (inverse.h) and softmax_fss (softmax.h,
// what rt::softmax and kernels::softmax run under ProtocolSuite::FSS):
// measured communication equals the *_cost functions exactly, and the
// values match double-precision references, on random rows and on the
// attention scores recorded from the trained fmnist teacher
// (test/runtime/data/activations/softmax_in.npy).
//
//===----------------------------------------------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/exp.h"
#include "mpcvit/runtime/inverse.h"
#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/softmax.h"

#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
// Shares `in` (ring values, client-owned), runs f, reveals; returns the
// client's ring output and the measured cost.
RingTensor runRing(const RingTensor &in,
                   const std::function<Shared(Context &, const Shared &)> &f,
                   CommCost *measured,
                   SessionConfig cfg = suiteConfig(ProtocolSuite::FSS)) {
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared s = share(ctx, 1, ctx.party() == 1 ? in : RingTensor(in.shape));
        p.begin();
        Shared y = f(ctx, s);
        p.end();
        return reveal_to_client(ctx, y);
      },
      cfg);
  if (measured)
    *measured = r.measured;
  return r.out[1];
}

RingTensor encode(const std::vector<double> &v, Shape shape, int frac) {
  RingTensor t(shape);
  for (size_t i = 0; i < v.size(); ++i)
    t[i] = encodeFixed(v[i], frac);
  return t;
}
double decode(uint64_t v, int frac) {
  return std::ldexp(double(int64_t(v)), -frac);
}

void softmaxRef(const std::vector<double> &x, size_t rows, size_t cols,
                std::vector<double> &out) {
  out.assign(x.size(), 0);
  for (size_t i = 0; i < rows; ++i) {
    double mx = -1e300, s = 0;
    for (size_t j = 0; j < cols; ++j)
      mx = std::max(mx, x[i * cols + j]);
    for (size_t j = 0; j < cols; ++j)
      s += out[i * cols + j] = std::exp(x[i * cols + j] - mx);
    for (size_t j = 0; j < cols; ++j)
      out[i * cols + j] /= s;
  }
}

// Runs softmax (rt::softmax or kernels::softmax) under DCF on x[rows×cols];
// checks the cost; returns the max abs error against the double reference
// of the fixed-point-quantised input.
double softmaxError(const std::vector<double> &x, size_t rows, size_t cols,
                    bool viaKernels, CommCost *cost = nullptr,
                    ProtocolSuite mode = ProtocolSuite::FSS) {
  FixedPoint fp(16);
  std::vector<double> xq(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    xq[i] = fp.decode(fp.encode(x[i]));
  CommCost m;
  RingTensor y = runRing(
      encode(x, Shape{int64_t(rows), int64_t(cols)}, 16),
      [&](Context &ctx, const Shared &s) {
        return viaKernels ? kernels::softmax(ctx, s)
                          : softmax(ctx, s, rows, cols);
      },
      &m,
      [&] {
        SessionConfig c = suiteConfig(ProtocolSuite::FSS);
        c.protocols = mode;
        return c;
      }());
  const TruncMode tm = TruncMode::Probabilistic;
  CommCost want = viaKernels ? kernels::softmax_cost(tm, rows, cols, 16, mode)
                             : softmax_cost(tm, rows, cols, 16, mode);
  EXPECT_EQ(m, want) << m.str() << " vs " << want.str();
  if (mode == ProtocolSuite::FSS)
    EXPECT_EQ(want, softmax_fss_cost(tm, rows, cols, 16));
  if (cost)
    *cost = m;
  std::vector<double> ref;
  softmaxRef(xq, rows, cols, ref);
  double err = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    err = std::max(err, std::fabs(decode(y[i], 16) - ref[i]));
  return err;
}
} // namespace

TEST(SoftmaxFss, ExpNegLut) {
  std::vector<double> t = uniform(3000, 0, 24, 5);
  auto big = uniform(500, 0, 1020, 6);
  t.insert(t.end(), big.begin(), big.end());
  for (double v : {0.0, 1.0 / 65536, 0.0625, 15.99, 16.0, 16.01, 19.99, 20.0,
                   20.01, 24.0, 31.9, 32.0, 100.0, 1019.9, 1020.0})
    t.push_back(v);
  const size_t n = t.size();
  CommCost m;
  RingTensor y = runRing(
      encode(t, Shape{int64_t(n)}, 16),
      [&](Context &ctx, const Shared &s) { return exp_neg_lut(ctx, s); }, &m);
  EXPECT_EQ(m, exp_neg_lut_cost(n, 16)) << m.str();
  EXPECT_EQ(m.rounds, 3u);
  // Closed form (exp.h): n + 2⌈10n/8⌉ + 16n bytes, dealer 512n (the clip on
  // 32-bit lanes at f = 16); 64-bit lanes (+32n) for f > 27.
  EXPECT_EQ(exp_neg_lut_cost(n, 16),
            CommCost::sym(n + 2 * ((10 * n + 7) / 8) + 16 * n, 3, 512 * n));
  EXPECT_EQ(exp_neg_lut_cost(n, 28).dealerBytes, 544 * n);
  double absErr = 0, relErr = 0, mx = 0;
  for (size_t i = 0; i < n; ++i) {
    const double tq = std::ldexp(std::round(std::ldexp(t[i], 16)), -16);
    const double e = decode(y[i], kExpLutFrac), want = std::exp(-tq);
    absErr = std::max(absErr, std::fabs(e - want));
    relErr = std::max(relErr, std::fabs(e - want) / (want + 1e-4));
    mx = std::max(mx, e);
  }
  std::printf("exp_neg_lut: max abs error %.3g, max rel error (+1e-4) %.3g, "
              "max output %.6f\n",
              absErr, relErr, mx);
  EXPECT_EQ(y[n - 15], uint64_t(1) << kExpLutFrac); // t = 0 gives exactly 1
  EXPECT_LE(absErr, 2.5e-4);                        // measured 1.1e-4
  EXPECT_LE(mx, 1.0003);
}

TEST(SoftmaxFss, InverseLut) {
  for (size_t cols : {size_t(17), size_t(65), size_t(255)}) {
    const double maxV = 1.001 * double(cols);
    auto u = uniform(2000, std::log(1.0), std::log(maxV), 7 + uint32_t(cols));
    for (auto &v : u)
      v = std::exp(v);
    for (double v : {1.0, 1.0 + 1.0 / 1024, 2.0, maxV - 1e-6, double(cols)})
      u.push_back(v);
    const size_t n = u.size();
    CommCost m;
    std::vector<uint64_t> sign; // the dealer's σ (inverse.h: signed output)
    RingTensor y = runRing(
        encode(u, Shape{int64_t(n)}, kExpLutFrac),
        [&](Context &ctx, const Shared &s) {
          SignedInverse r = inverse_lut(ctx, s, kExpLutFrac, maxV, 32);
          if (ctx.isDealer())
            sign = r.sign;
          else
            EXPECT_TRUE(r.sign.empty()) << "a party holds the signs";
          return r.y;
        },
        &m);
    EXPECT_EQ(m, inverse_lut_cost(n, kExpLutFrac, maxV, 32)) << m.str();
    EXPECT_EQ(m.rounds, 2u);
    ASSERT_EQ(sign.size(), n);
    double rel = 0;
    size_t minus = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(sign[i] == 1 || sign[i] == uint64_t(-1));
      minus += sign[i] != 1;
      rel = std::max(rel, std::fabs(decode(sign[i] * y[i], 32) * u[i] - 1.0));
    }
    EXPECT_GT(minus, 0u); // both signs occur
    EXPECT_LT(minus, n);
    // inverse.h: second-order term plus T2's rounding (2^(11−32) absolute).
    const double delta = maxV / 8191,
                 bound = delta * delta / ((1 - delta) * (1 - delta)) +
                         std::ldexp(maxV, 11 - 32) + 1e-7;
    std::printf("inverse_lut cols=%zu: max rel error %.3g (bound %.3g)\n", cols,
                rel, bound);
    EXPECT_LE(rel, bound) << cols;
  }
  EXPECT_THROW(inverse_lut_cost(1, 28, 300.0, 32), std::invalid_argument);
}

TEST(SoftmaxFss, RandomRows) {
  // vit_7_4_32's shape per head (65 tokens) and the recorded teacher's (17),
  // realistic ranges plus edge rows; and a long row (300: fallback inverse).
  for (size_t cols : {size_t(17), size_t(65), size_t(300)}) {
    const size_t rows = 8;
    std::vector<double> x = uniform(rows * cols, -4, 4, 40 + uint32_t(cols));
    for (size_t j = 0; j < cols; ++j) {
      x[0 * cols + j] = -50 - double(j % 7); // all-negative row
      x[1 * cols + j] *= 12;                 // large scores (±48)
      x[2 * cols + j] = 0;                   // zeros (uniform row)
      x[3 * cols + j] = j == 3 ? 30 : -30;   // one-hot (s = 1)
      x[4 * cols + j] = j % 2 ? 2.0 : 2.0 - 16.0 - 1.0 / 1024;    // near clip
      x[5 * cols + j] *= 2;                                       // ±8
      x[6 * cols + j] = -500 + 1000.0 * double(j) / double(cols); // wide
    }
    for (bool viaKernels : {false, true}) {
      CommCost c;
      double err = softmaxError(x, rows, cols, viaKernels, &c);
      std::printf("softmax_fss %zux%zu (%s): max abs error %.3g, %s\n", rows,
                  cols, viaKernels ? "kernels" : "rt", err, c.str().c_str());
      // measured ≤ 4.5e-5 up to 255 columns; beyond, the row sum's inverse
      // is reciprocal's windowed table (relative < 2^-11): measured 3.5e-4
      EXPECT_LE(err, cols > 255 ? 6e-4 : 2.5e-4) << cols;
    }
  }
}

TEST(SoftmaxFss, RecordedTeacherScores) {
  NpyArray a = recordedActivations("softmax_in");
  ASSERT_EQ(a.shape.size(), 2u);
  const size_t rows = size_t(a.shape[0]), cols = size_t(a.shape[1]);
  CommCost c;
  double err = softmaxError(a.data, rows, cols, true, &c);
  std::printf("recorded teacher scores %zux%zu: max abs error %.3g, %s\n", rows,
              cols, err, c.str().c_str());
  EXPECT_LE(err, 5e-4); // measured 1.5e-4
  // For comparison: the A2B path (precise exponential, Newton reciprocal).
  double errA2b =
      softmaxError(a.data, rows, cols, true, nullptr, ProtocolSuite::A2B);
  std::printf("  (A2B kernels::softmax on the same rows: %.3g)\n", errA2b);
}

TEST(SoftmaxFss, CostVit7432) {
  // mpc.softmax of vit_7_4_32: 4 heads × 65 × 65.
  const size_t rows = 4 * 65, cols = 65, n = rows * cols;
  CommCost c = kernels::softmax_cost(TruncMode::Probabilistic, rows, cols, 16,
                                     ProtocolSuite::FSS);
  std::printf("vit_7_4_32 softmax (DCF): %s = %.1f B/element/party, "
              "dealer %.1f MB\n",
              c.str().c_str(), double(c.bytesServer) / double(n),
              double(c.dealerBytes) / 1e6);
  EXPECT_EQ(c.rounds, 14u);
  // Pinned: the final e·(1/s) reuses exp's opened factors (three-factor
  // product), so e is never opened: 740156 bytes before, 8 per element less.
  // Dealer: exp's hi/lo tables use 1-bit-lane signed lookups (lut.h): keys
  // 2·(160 − 64) B less per table and element, the signed triples 24 + 32
  // B more (beaver.h), no lock-step segment lengths (32 B): 84690807 before.
  // inverse_lut reads its two tables from one signed 1-bit-lane lookup
  // (inverse.h): one 13-bit index opened instead of two (⌈13·rows/8⌉ B
  // less), dealer 232 instead of 840 B per row and no lock-step segment
  // lengths (32 B); the three-factor product absorbs its sign for free.
  EXPECT_EQ(c, CommCost::sym(740156 - 8 * n - (13 * rows + 7) / 8, 14,
                             84690807 - (2 * 2 * 96 - 24 - 32) * n - 32 -
                                 (840 - 232) * rows - 32 -
                                 // the clip's 32-bit lanes (lut.h): 2·16 B
                                 // less key per element
                                 32 * n));
  // A2B is untouched: the precise-exp path.
  EXPECT_EQ(kernels::softmax_cost(TruncMode::Probabilistic, rows, cols, 16,
                                  ProtocolSuite::A2B),
            max_rows_cost(rows, cols, ProtocolSuite::A2B) +
                kernels::expNegPrecise_cost(TruncMode::Probabilistic, n, 16) +
                reciprocal_cost(TruncMode::Probabilistic, rows, 16, 32,
                                ProtocolSuite::A2B) +
                mul_ss_rows_cost(rows, cols) + trunc_dealer_cost(n, 32));
}
