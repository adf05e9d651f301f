//===- test_sigmoid.cpp - sigmoid, tanh, mulSP, sum (kernels.h) -----------===//
#include "harness.h"

#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/sigmoid.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
FixedPoint fp(16);
double q(double v) { return fp.decode(fp.encode(v)); } // input quantisation

SessionConfig cfgFor(ProtocolSuite c, TruncMode t) {
  SessionConfig s = testConfig();
  s.protocols = c;
  s.trunc = t;
  return s;
}

std::vector<double> sigmoidInputs() {
  auto x = uniform(1000, -12, 12, 41);
  for (double v : uniform(1000, -17, 17, 45)) // across the clamp at ±16
    x.push_back(v);
  const double special[] = {0.0,    -0.0,    1e-3, -1e-3, 20.0,    -20.0,
                            1000.0, -1000.0, 16.0, -16.0, 15.9,    -15.9,
                            8.0,    -8.0,    0.5,  -0.5,  16384.0, -16384.0};
  x.push_back(16.0 + 1.0 / 65536); // just past the clamp
  x.push_back(-16.0 - 1.0 / 65536);
  x.insert(x.end(), std::begin(special), std::end(special));
  return x;
}

// Runs fn on x (shared by the client, shape [n]) and returns the decoded
// client output and the measured counters.
std::vector<double>
runUnary(const std::vector<double> &x,
         const std::function<Shared(Context &, const Shared &)> &fn,
         const SessionConfig &cfg, CommCost &measured) {
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared s = shareFixed(ctx, 1, x, Shape{int64_t(x.size())});
        p.begin();
        Shared y = fn(ctx, s);
        p.end();
        EXPECT_EQ(y.shape, s.shape);
        return reveal_to_client(ctx, y);
      },
      cfg);
  measured = r.measured;
  return fp.decode(r.out[1]);
}

const ProtocolSuite kCmp[] = {ProtocolSuite::A2B, ProtocolSuite::FSS};
const TruncMode kTrunc[] = {TruncMode::Probabilistic, TruncMode::Exact};
} // namespace

TEST(Sigmoid, SigmoidAndTanhAccuracyAndCost) {
  const auto x = sigmoidInputs();
  const size_t n = x.size();
  for (ProtocolSuite cmp : kCmp)
    for (TruncMode tm : kTrunc)
      for (int which : {0, 1}) { // sigmoid, tanh
        CommCost m;
        auto y = runUnary(
            x,
            [&](Context &c, const Shared &s) {
              return which ? mpcvit::rt::tanh(c, s) : mpcvit::rt::sigmoid(c, s);
            },
            cfgFor(cmp, tm), m);
        const CommCost want =
            which ? tanh_cost(tm, n, 16, cmp) : sigmoid_cost(tm, n, 16, cmp);
        EXPECT_EQ(m, want) << m.str() << " vs " << want.str();
        double err = 0, errAt = 0;
        for (size_t i = 0; i < n; ++i) {
          double v = q(x[i]);
          double ref = which ? std::tanh(v) : 1.0 / (1.0 + std::exp(-v));
          double e = std::fabs(y[i] - ref);
          if (e > err) {
            err = e;
            errAt = v;
          }
        }
        std::printf("[ sigmoid ] %s cmp=%s trunc=%s max abs err %.3g at x=%g"
                    " rounds %llu bytes %llu dealer %llu (n=%zu)\n",
                    which ? "tanh" : "sigmoid", protocolSuiteName(cmp),
                    tm == TruncMode::Exact ? "exact" : "probabilistic", err,
                    errAt, (unsigned long long)m.rounds,
                    (unsigned long long)m.bytesServer,
                    (unsigned long long)m.dealerBytes, n);
        EXPECT_LE(err, which ? 4e-4 : 2e-4)
            << (which ? "tanh" : "sigmoid") << " " << protocolSuiteName(cmp)
            << " at x = " << errAt;
      }
}

TEST(Sigmoid, Reciprocal1to2) {
  auto x = uniform(500, 1, 2, 42);
  x.push_back(1.0);
  x.push_back(2.0);
  x.push_back(1.0 + 1.0 / 65536);
  for (TruncMode tm : kTrunc) {
    CommCost m;
    auto y = runUnary(
        x, [](Context &c, const Shared &s) { return reciprocal_1to2(c, s); },
        cfgFor(ProtocolSuite::A2B, tm), m);
    EXPECT_EQ(m, reciprocal_1to2_cost(tm, x.size(), 16)) << m.str();
    double err = 0;
    for (size_t i = 0; i < x.size(); ++i)
      err = std::max(err, std::fabs(y[i] - 1.0 / q(x[i])));
    std::printf("[ sigmoid ] reciprocal_1to2 trunc=%s max abs err %.3g\n",
                tm == TruncMode::Exact ? "exact" : "probabilistic", err);
    EXPECT_LE(err, 5e-5);
  }
}

TEST(Sigmoid, MulSPBroadcastsServerWeight) {
  const Shape out{2, 3, 4};
  const auto x = uniform(24, -6, 6, 43);
  for (Shape ws : {Shape{4}, Shape{1, 1, 4}, Shape{3, 1}, Shape{2, 3, 4},
                   Shape{1}, Shape{}}) {
    const size_t wn = numel(ws);
    const auto w = uniform(wn, -2, 2, 44 + uint32_t(wn));
    auto r = run3([&](Context &ctx, Probe &p) {
      Shared xs = shareFixed(ctx, 1, x, out);
      RingTensor wt = ctx.party() == 0 ? fp.encode(w, ws) : RingTensor(ws);
      // Shape errors throw on every role before anything is sent.
      EXPECT_THROW(kernels::mulSP(ctx, xs, RingTensor(Shape{5}), out),
                   std::invalid_argument);
      EXPECT_THROW(kernels::mulSP(ctx, xs, RingTensor(Shape{1, 2, 3, 4}), out),
                   std::invalid_argument);
      EXPECT_THROW(kernels::mulSP(ctx, xs, wt, Shape{2, 3, 5}),
                   std::invalid_argument);
      p.begin();
      Shared y = kernels::mulSP(ctx, xs, wt, out);
      p.end();
      EXPECT_EQ(y.shape, out);
      return reveal_to_client(ctx, y);
    });
    EXPECT_EQ(r.measured, kernels::mulSP_cost(wn, numel(out)))
        << r.measured.str();
    EXPECT_EQ(kernels::mulSP_cost(wn, 24), CommCost::sym(16 * 24, 1, 8 * 24));
    RingTensor wb = broadcastTo(fp.encode(w, ws), out);
    RingTensor xe = fp.encode(x, out);
    for (size_t i = 0; i < numel(out); ++i)
      ASSERT_EQ(r.out[1][i], xe[i] * wb[i]) << "w " << shapeStr(ws) << " " << i;
  }
}

TEST(Sigmoid, MulSPMessageNamesOp) {
  std::array<std::string, 3> msg;
  run3([&](Context &ctx, Probe &) {
    Shared xs(Shape{2, 3});
    try {
      kernels::mulSP(ctx, xs, RingTensor(Shape{2}), Shape{2, 3});
    } catch (const std::invalid_argument &e) {
      msg[size_t(ctx.party() + 1)] = e.what();
    }
    return RingTensor(Shape{1});
  });
  for (const auto &m : msg)
    EXPECT_NE(m.find("mulSP"), std::string::npos) << m;
}

TEST(Sigmoid, SumKeepsAxis) {
  const Shape s{2, 3, 4};
  RingTensor x(s);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = uint64_t(i * i + 7) * 0x9E3779B97F4A7C15ull; // wraps mod 2^64
  for (int64_t axis = 0; axis < 3; ++axis) {
    RingTensor y = kernels::sum(x, axis);
    Shape want = s;
    want[size_t(axis)] = 1;
    ASSERT_EQ(y.shape, want);
    for (int64_t a = 0; a < want[0]; ++a)
      for (int64_t b = 0; b < want[1]; ++b)
        for (int64_t c = 0; c < want[2]; ++c) {
          uint64_t acc = 0;
          for (int64_t k = 0; k < s[size_t(axis)]; ++k) {
            int64_t i0 = axis == 0 ? k : a, i1 = axis == 1 ? k : b,
                    i2 = axis == 2 ? k : c;
            acc += x[size_t((i0 * 3 + i1) * 4 + i2)];
          }
          ASSERT_EQ(y[size_t((a * want[1] + b) * want[2] + c)], acc);
        }
  }
  // Additive shares: the sum of the shares' sums is the secret's sum.
  RingTensor x0(s), x1(s);
  for (size_t i = 0; i < x.size(); ++i) {
    x0[i] = i * 0x123456789ull;
    x1[i] = x[i] - x0[i];
  }
  EXPECT_EQ((kernels::sum(x0, 1) + kernels::sum(x1, 1)).data,
            kernels::sum(x, 1).data);
  EXPECT_EQ(kernels::sum(RingTensor(Shape{5}), 0).shape, Shape{1});
  EXPECT_THROW(kernels::sum(x, -1), std::invalid_argument);
  EXPECT_THROW(kernels::sum(x, 3), std::invalid_argument);
  EXPECT_THROW(kernels::sum(RingTensor(Shape{}), 0), std::invalid_argument);
}
