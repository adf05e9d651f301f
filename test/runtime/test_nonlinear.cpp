//===- test_nonlinear.cpp - exp, reciprocal, rsqrt, softmax family, GeLU, LN
//===//
#include "harness.h"

#include "mpcvit/runtime/exp.h"
#include "mpcvit/runtime/gelu.h"
#include "mpcvit/runtime/layernorm.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/softmax.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
FixedPoint fp(16);

// Runs f on x (shared by the client) and returns decoded client output.
std::vector<double>
runUnary(const std::vector<double> &x, Shape shape,
         const std::function<Shared(Context &, const Shared &)> &f,
         CommCost *measured, SessionConfig cfg = testConfig(),
         int outFrac = 16) {
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared s = shareFixed(ctx, 1, x, shape);
        p.begin();
        Shared y = f(ctx, s);
        p.end();
        return reveal_to_client(ctx, y);
      },
      cfg);
  if (measured)
    *measured = r.measured;
  FixedPoint c(outFrac);
  return c.decode(r.out[1]);
}
double q(double v) { return fp.decode(fp.encode(v)); } // input quantisation
SessionConfig cfgFor(ProtocolSuite m) {
  SessionConfig c = testConfig();
  c.protocols = m;
  return c;
}
const ProtocolSuite kModes[] = {ProtocolSuite::A2B, ProtocolSuite::FSS};

std::vector<double> logUniform(size_t n, double lo, double hi, uint32_t seed) {
  auto u = uniform(n, std::log(lo), std::log(hi), seed);
  for (auto &v : u)
    v = std::exp(v);
  return u;
}

void softmaxRef(const std::vector<double> &x, size_t rows, size_t cols,
                int kind, std::vector<double> &out) {
  out.assign(x.size(), 0);
  for (size_t i = 0; i < rows; ++i) {
    double mx = -1e300, s = 0;
    for (size_t j = 0; j < cols; ++j)
      mx = std::max(mx, q(x[i * cols + j]));
    for (size_t j = 0; j < cols; ++j) {
      double v = q(x[i * cols + j]);
      double e = kind == 0   ? std::exp(v - mx)
                 : kind == 1 ? std::max(0.0, v)
                             : (v + 5) * (v + 5);
      out[i * cols + j] = e;
      s += e;
    }
    for (size_t j = 0; j < cols; ++j)
      out[i * cols + j] = s > 0 ? out[i * cols + j] / s : 0.0;
  }
}
} // namespace

TEST(Nonlinear, ExpNeg) {
  auto x = uniform(2000, -16, 0, 20);
  x[0] = 0;
  x[1] = -fp.ulp();
  x[2] = -200; // deep in the range: ≈ 0
  CommCost m;
  auto y = runUnary(
      x, Shape{int64_t(x.size())},
      [](Context &c, const Shared &s) { return exp_neg(c, s, 8); }, &m);
  double err = 0;
  for (size_t i = 0; i < x.size(); ++i)
    err = std::max(err, std::fabs(y[i] - std::exp(q(x[i]))));
  EXPECT_LE(err, 5e-3);
  EXPECT_EQ(m, exp_neg_cost(TruncMode::Probabilistic, x.size(), 16, 8))
      << m.str();
}

TEST(Nonlinear, ReciprocalAndRsqrtOverWideRange) {
  auto x = logUniform(600, std::ldexp(1, -8), std::ldexp(1, 21), 21);
  x.push_back(1.0);
  x.push_back(4.0); // threshold boundary
  x.push_back(std::ldexp(1, -6));
  x.push_back(0.0); // below range → 0
  const size_t n = x.size();
  for (ProtocolSuite mode : kModes)
    for (int which : {0, 1}) {
      for (int outFrac : {16, 32}) {
        CommCost m;
        auto y = runUnary(
            x, Shape{int64_t(n)},
            [&](Context &c, const Shared &s) {
              return which ? rsqrt(c, s, outFrac) : reciprocal(c, s, outFrac);
            },
            &m, cfgFor(mode), outFrac);
        EXPECT_EQ(m, which ? rsqrt_cost(TruncMode::Probabilistic, n, 16,
                                        outFrac, -1, mode)
                           : reciprocal_cost(TruncMode::Probabilistic, n, 16,
                                             outFrac, mode))
            << m.str();
        double rel = 0;
        for (size_t i = 0; i + 1 < n; ++i) {
          double ref = which ? 1 / std::sqrt(q(x[i])) : 1 / q(x[i]);
          double tol = std::ldexp(1.0, -outFrac) / ref; // output quantisation
          rel = std::max(rel, std::fabs(y[i] - ref) / ref - tol);
        }
        // DCF: windowed tables, index rounding < 2^−11 relative
        // (reciprocal.h).
        const double bound =
            mode == ProtocolSuite::FSS ? (which ? 2.5e-4 : 4.9e-4) : 2e-4;
        EXPECT_LE(rel, bound) << "rsqrt=" << which << " outFrac=" << outFrac;
        EXPECT_EQ(y[n - 1], 0.0); // 1/0 and rsqrt(0) give 0 (below range)
      }
    }
}

struct AttnCase {
  size_t rows, cols;
  std::vector<double> x;
};
static AttnCase attnCase(size_t cols, uint32_t seed) {
  const size_t rows = 6;
  AttnCase c{rows, cols, uniform(rows * cols, -4, 4, seed)};
  for (size_t j = 0; j < cols; ++j) {
    c.x[0 * cols + j] = -50 - double(j % 7); // all-negative row
    c.x[1 * cols + j] *= 12;                 // large scores (±48)
    c.x[2 * cols + j] = 0;                   // zeros
    c.x[3 * cols + j] = 3.5;                 // constant
  }
  return c;
}

TEST(Nonlinear, SoftmaxFamily) {
  for (size_t cols : {size_t(65), size_t(257)}) { // vit_7_4_32 and long rows
    auto c = attnCase(cols, 22 + uint32_t(cols));
    const size_t n = c.rows * c.cols;
    for (ProtocolSuite mode : kModes)
      for (int kind :
           {0, 1, 2, 3}) { // softmax, relu_softmax, two_relu, two_quad
        CommCost m;
        auto y = runUnary(
            c.x, Shape{int64_t(c.rows), int64_t(c.cols)},
            [&](Context &ctx, const Shared &s) {
              switch (kind) {
              case 0:
                return softmax(ctx, s, c.rows, c.cols);
              case 1:
                return relu_softmax(ctx, s, c.rows, c.cols, 0.0);
              case 2:
                return two_relu(ctx, s, c.rows, c.cols);
              default:
                return two_quad(ctx, s, c.rows, c.cols);
              }
            },
            &m, cfgFor(mode));
        const TruncMode tl = TruncMode::Probabilistic;
        CommCost want =
            kind == 0   ? softmax_cost(tl, c.rows, c.cols, 16, mode)
            : kind == 3 ? two_quad_cost(tl, c.rows, c.cols, 16, mode)
            : kind == 2 ? two_relu_cost(tl, c.rows, c.cols, 16, mode)
                        : relu_softmax_cost(tl, c.rows, c.cols, 16, mode);
        EXPECT_EQ(m, want) << kind << " " << m.str();
        std::vector<double> ref;
        softmaxRef(c.x, c.rows, c.cols, kind == 3 ? 2 : kind == 0 ? 0 : 1, ref);
        double err = 0;
        for (size_t i = 0; i < n; ++i)
          err = std::max(err, std::fabs(y[i] - ref[i]));
        // softmax: exp's ≤ 2e-3 absolute error, relative to the row sum.
        EXPECT_LE(err, kind == 0 ? 4e-3 : 2e-4)
            << "kind " << kind << " cols " << cols;
        if (kind == 1 || kind == 2)
          for (size_t j = 0; j < c.cols; ++j) { // all-negative and zero rows
            ASSERT_LE(std::fabs(y[0 * c.cols + j]), 2 * fp.ulp());
            ASSERT_LE(std::fabs(y[2 * c.cols + j]), 2 * fp.ulp());
          }
      }
  }
}

TEST(Nonlinear, SoftmaxDealerTruncCost) {
  SessionConfig cfg = testConfig();
  cfg.trunc = TruncMode::Exact;
  auto c = attnCase(65, 30);
  CommCost m;
  auto y = runUnary(
      c.x, Shape{int64_t(c.rows), int64_t(c.cols)},
      [&](Context &ctx, const Shared &s) {
        return softmax(ctx, s, c.rows, c.cols);
      },
      &m, cfg);
  EXPECT_EQ(m, softmax_cost(TruncMode::Exact, c.rows, c.cols, 16)) << m.str();
  std::vector<double> ref;
  softmaxRef(c.x, c.rows, c.cols, 0, ref);
  for (size_t i = 0; i < ref.size(); ++i)
    ASSERT_NEAR(y[i], ref[i], 4e-3);
}

TEST(Nonlinear, GeLUAndQuad) {
  auto x = uniform(4000, -8, 8, 23);
  for (double v : {0.0, -4.0, 4.0, -3.99, 3.99, 1e-4, -1e-4, 500.0, -500.0,
                   30000.0, -30000.0})
    x.push_back(v);
  const size_t n = x.size();
  for (ProtocolSuite mode : kModes) {
    CommCost m;
    auto y = runUnary(
        x, Shape{int64_t(n)},
        [](Context &c, const Shared &s) { return gelu(c, s); }, &m,
        cfgFor(mode));
    EXPECT_EQ(m, gelu_cost(TruncMode::Probabilistic, n, 16, mode)) << m.str();
    double err = 0;
    for (size_t i = 0; i < n; ++i) {
      double v = q(x[i]);
      double ref = 0.5 * v * std::erfc(-v / std::sqrt(2.0));
      err = std::max(err, std::fabs(y[i] - ref));
    }
    // FSS: δ from a 2^−6 table, ≤ 2^−7 + 2^−16 (gelu.h, test_gelu_fss.cpp).
    EXPECT_LE(err, mode == ProtocolSuite::FSS ? 0x1p-7 + 0x1p-16 : 1e-3)
        << protocolSuiteName(mode);
  }
  CommCost mq;
  auto yq = runUnary(
      x, Shape{int64_t(n)},
      [](Context &c, const Shared &s) { return quad_gelu(c, s); }, &mq);
  EXPECT_EQ(mq, quad_gelu_cost(TruncMode::Probabilistic, n, 16));
  for (size_t i = 0; i < n; ++i) {
    double v = q(x[i]);
    if (std::fabs(v) > 100)
      continue;
    ASSERT_NEAR(yq[i], 0.125 * v * v + 0.25 * v + 0.5, 2 * fp.ulp()) << v;
  }
}

TEST(Nonlinear, LayerNormWideVarianceRange) {
  const size_t rows = 6, d = 256;
  auto x = uniform(rows * d, -1, 1, 24);
  for (size_t j = 0; j < d; ++j) {
    x[0 * d + j] = x[0 * d + j] * 0.05 + 3; // tiny variance, offset mean
    x[1 * d + j] *= 1500;                   // huge variance (σ² ≈ 7.5e5)
    x[2 * d + j] = -7;                      // constant row
    x[3 * d + j] = x[3 * d + j] * 20 - 100; // all negative
  }
  auto g = uniform(d, 0.5, 1.5, 25), b = uniform(d, -0.5, 0.5, 26);
  for (ProtocolSuite mode : kModes)
    for (bool affine : {false, true}) {
      CommCost m;
      auto r = run3(
          [&](Context &ctx, Probe &p) {
            Shared s = shareFixed(ctx, 1, x, Shape{int64_t(rows), int64_t(d)});
            Shared gs = shareFixed(ctx, 0, g, Shape{int64_t(d)});
            Shared bs = shareFixed(ctx, 0, b, Shape{int64_t(d)});
            p.begin();
            Shared y = affine ? layer_norm(ctx, s, rows, d, 1e-5, &gs, &bs)
                              : layer_norm(ctx, s, rows, d, 1e-5);
            p.end();
            return reveal_to_client(ctx, y);
          },
          cfgFor(mode));
      EXPECT_EQ(r.measured, layer_norm_cost(TruncMode::Probabilistic, rows, d,
                                            16, affine, mode))
          << r.measured.str();
      auto y = fp.decode(r.out[1]);
      double err = 0;
      for (size_t i = 0; i < rows; ++i) {
        double mu = 0, var = 0;
        for (size_t j = 0; j < d; ++j)
          mu += q(x[i * d + j]);
        mu /= d;
        for (size_t j = 0; j < d; ++j)
          var += std::pow(q(x[i * d + j]) - mu, 2);
        var /= d;
        for (size_t j = 0; j < d; ++j) {
          double ref = d * (var + 1e-5) < std::ldexp(1, -12)
                           ? 0.0
                           : (q(x[i * d + j]) - mu) / std::sqrt(var + 1e-5);
          if (affine)
            ref = ref * q(g[j]) + q(b[j]);
          err = std::max(err, std::fabs(y[i * d + j] - ref));
          if (std::fabs(y[i * d + j] - ref) > 5e-3)
            ADD_FAILURE() << "row " << i << " col " << j << " got "
                          << y[i * d + j] << " want " << ref;
        }
      }
      EXPECT_LE(err, 5e-3) << "affine=" << affine;
    }
}
