//===- test_compare.cpp - DReLU, ReLU, max under both comparison backends -===//
#include "harness.h"

#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/dcf.h"

#include <cmath>
#include <gtest/gtest.h>
#include <thread>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
SessionConfig cfgFor(ProtocolSuite m) {
  SessionConfig c = testConfig();
  c.protocols = m;
  return c;
}
const ProtocolSuite kModes[] = {ProtocolSuite::A2B, ProtocolSuite::FSS};

std::vector<uint64_t> edgeRaw() {
  std::mt19937_64 g(11);
  std::vector<uint64_t> raw = {0,
                               1,
                               uint64_t(-1),
                               uint64_t(1) << 62,
                               uint64_t(-(int64_t(1) << 62)),
                               (uint64_t(1) << 63) - 1,
                               uint64_t(1) << 63, // INT64_MIN
                               (uint64_t(1) << 63) + 1,
                               (uint64_t(1) << 63) - 2,
                               uint64_t(65536),
                               uint64_t(-65536)};
  while (raw.size() < 1000)
    raw.push_back(g() >> (g() % 64)); // all magnitudes
  for (size_t i = 500; i < 1000; ++i)
    raw[i] = 0 - raw[i]; // negatives too
  return raw;
}
} // namespace

TEST(Compare, DefaultModeIsConsistent) {
  EXPECT_EQ(SessionConfig{}.protocols, kDefaultProtocols);
  EXPECT_EQ(drelu_cost(10), drelu_cost(10, kDefaultProtocols));
  EXPECT_EQ(relu_cost(10), relu_cost(10, kDefaultProtocols));
}

TEST(Compare, DReLUExactOnEdgeCasesAndCost) {
  const auto raw = edgeRaw();
  const size_t n = raw.size();
  for (ProtocolSuite mode : kModes) {
    auto r = run3(
        [&](Context &ctx, Probe &p) {
          RingTensor x(Shape{int64_t(n)});
          if (ctx.party() == 0)
            x.data = raw;
          Shared s = share(ctx, 0, x);
          p.begin();
          Shared d = drelu(ctx, s);
          p.end();
          return reveal_to_client(ctx, d);
        },
        cfgFor(mode));
    EXPECT_EQ(r.measured, drelu_cost(n, mode)) << r.measured.str();
    EXPECT_EQ(r.measured.rounds, mode == ProtocolSuite::FSS ? 1u : 8u);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(r.out[1][i], int64_t(raw[i]) >= 0 ? 1u : 0u)
          << protocolSuiteName(mode) << " " << i << " " << raw[i];
  }
}

TEST(Compare, DcfCostFormulas) {
  // 1 round, one ring element per element and party; keys of 1536 / 2048
  // bytes per party plus the dealer's r₆₃ (and r·r₆₃) shares.
  EXPECT_EQ(drelu_cost(100, ProtocolSuite::FSS),
            CommCost::sym(800, 1, 100 * (2 * 1536 + 8)));
  EXPECT_EQ(relu_cost(100, ProtocolSuite::FSS),
            CommCost::sym(800, 1, 100 * (2 * 2048 + 16)));
  EXPECT_EQ(sign_dcf_cost(0, 0), CommCost{});
  EXPECT_EQ(dcf_cw_bytes(kSignDcfBits, 1), 1536u);
  // A2B as documented: ≈ 37.6 bytes/element, 8 rounds.
  EXPECT_EQ(drelu_cost(8000, ProtocolSuite::A2B),
            CommCost::sym(300000, 8, 245000));
}

TEST(Compare, ReLUAndCost) {
  FixedPoint fp(16);
  auto v = uniform(777, -1e6, 1e6, 12);
  v[0] = 0;
  v[1] = -fp.ulp();
  v[2] = fp.ulp();
  for (ProtocolSuite mode : kModes) {
    auto r = run3(
        [&](Context &ctx, Probe &p) {
          Shared x = shareFixed(ctx, 1, v, Shape{int64_t(v.size())});
          p.begin();
          Shared y = relu(ctx, x);
          p.end();
          return reveal_to_client(ctx, y);
        },
        cfgFor(mode));
    EXPECT_EQ(r.measured, relu_cost(v.size(), mode)) << r.measured.str();
    EXPECT_EQ(r.measured.rounds, mode == ProtocolSuite::FSS ? 1u : 9u);
    for (size_t i = 0; i < v.size(); ++i)
      ASSERT_EQ(fp.decode(r.out[1][i]),
                std::max(0.0, fp.decode(fp.encode(v[i]))));
  }
}

TEST(Compare, DcfReLUExactOnWholeRing) {
  // ReLU of raw ring values (any magnitude, INT64_MIN/MAX) and a batched
  // sign_dcf with mixed groups in one round.
  const auto raw = edgeRaw();
  const size_t n = raw.size();
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor x(Shape{int64_t(n)});
        if (ctx.party() == 1)
          x.data = raw;
        Shared s = share(ctx, 1, x);
        Shared neg = Shared(s.shape) - s;
        p.begin();
        auto res = sign_dcf(ctx, {{&s, true}, {&neg, false}});
        p.end();
        RingTensor both(Shape{int64_t(2 * n)});
        std::copy(res[0].relu.data.begin(), res[0].relu.data.end(),
                  both.data.begin());
        std::copy(res[1].drelu.data.begin(), res[1].drelu.data.end(),
                  both.data.begin() + n);
        return reveal_to_client(ctx, both);
      },
      cfgFor(ProtocolSuite::FSS));
  EXPECT_EQ(r.measured, sign_dcf_cost(n, n)) << r.measured.str();
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(r.out[1][i], int64_t(raw[i]) >= 0 ? raw[i] : 0u) << raw[i];
    ASSERT_EQ(r.out[1][n + i], int64_t(0 - raw[i]) >= 0 ? 1u : 0u) << raw[i];
  }
}

TEST(Compare, MaxRowsEdgeCasesAndCost) {
  FixedPoint fp(16);
  for (ProtocolSuite mode : kModes)
    for (size_t cols : {1, 2, 3, 65}) {
      const size_t rows = 5;
      auto v = uniform(rows * cols, -50, 50, 13 + uint32_t(cols));
      for (size_t j = 0; j < cols; ++j) {
        v[0 * cols + j] -= 1000; // all-negative row
        v[1 * cols + j] = 7.25;  // all equal
        v[2 * cols + j] *= 1e4;  // large magnitudes
      }
      auto r = run3(
          [&](Context &ctx, Probe &p) {
            Shared x =
                shareFixed(ctx, 1, v, Shape{int64_t(rows), int64_t(cols)});
            p.begin();
            Shared m = max_rows(ctx, x, rows, cols);
            p.end();
            return reveal_to_client(ctx, m);
          },
          cfgFor(mode));
      EXPECT_EQ(r.measured, max_rows_cost(rows, cols, mode))
          << r.measured.str();
      EXPECT_EQ(r.measured.rounds,
                (mode == ProtocolSuite::FSS ? 1 : 9) *
                    size_t(std::ceil(std::log2(double(cols)))));
      for (size_t i = 0; i < rows; ++i) {
        double want = -1e300;
        for (size_t j = 0; j < cols; ++j)
          want = std::max(want, fp.decode(fp.encode(v[i * cols + j])));
        ASSERT_EQ(fp.decode(r.out[1][i]), want)
            << protocolSuiteName(mode) << " cols=" << cols << " row " << i;
      }
    }
}

TEST(Compare, ModeMismatchFailsHandshake) {
  ConnectErrors err =
      connect3(cfgFor(ProtocolSuite::FSS), cfgFor(ProtocolSuite::A2B));
  EXPECT_NE(err.client.find("protocol suite"), std::string::npos) << err.client;
  // The client meets the server first: both refuse; the dealer never
  // gets a client for the server's session.
  EXPECT_NE(err.server.find("protocol suite"), std::string::npos) << err.server;
  EXPECT_FALSE(err.dealer.empty());
}

TEST(Compare, DcfShiftedSignsFromOneKey) {
  // SignGroup::shifts: DReLU(x + c) from the same key and opening, exact
  // for every ring value (wrapping x + c included), at no extra cost.
  const auto raw = edgeRaw();
  const size_t n = raw.size();
  const std::vector<uint64_t> shifts = {uint64_t(4) << 16,
                                        uint64_t(-(int64_t(4) << 16)), 1,
                                        uint64_t(1) << 62, uint64_t(1) << 63};
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor x(Shape{int64_t(n)});
        if (ctx.party() == 0)
          x.data = raw;
        Shared s = share(ctx, 0, x);
        p.begin();
        // One ReLU group (g = 2 key) and one DReLU group (g = 1 key).
        auto res = sign_dcf(ctx, {{&s, true, shifts}, {&s, false, shifts}});
        p.end();
        RingTensor all(Shape{int64_t(2 * shifts.size() * n)});
        size_t o = 0;
        for (const auto &g : res)
          for (const auto &t : g.shifted) {
            std::copy(t.data.begin(), t.data.end(), all.data.begin() + o);
            o += n;
          }
        return reveal_to_client(ctx, all);
      },
      cfgFor(ProtocolSuite::FSS));
  EXPECT_EQ(r.measured, sign_dcf_cost(n, n)) << r.measured.str();
  for (size_t g = 0; g < 2; ++g)
    for (size_t k = 0; k < shifts.size(); ++k)
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(r.out[1][(g * shifts.size() + k) * n + i],
                  int64_t(raw[i] + shifts[k]) >= 0 ? 1u : 0u)
            << g << " " << k << " " << raw[i];
}
