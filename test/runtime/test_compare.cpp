//===- test_compare.cpp - DReLU, ReLU, max
//----------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/compare.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

TEST(Compare, DReLUExactOnEdgeCasesAndCost) {
  std::mt19937_64 g(11);
  std::vector<uint64_t> raw = {0,
                               1,
                               uint64_t(-1),
                               uint64_t(1) << 62,
                               uint64_t(-(int64_t(1) << 62)),
                               (uint64_t(1) << 63) - 1,
                               uint64_t(1) << 63, // INT64_MIN
                               uint64_t(65536),
                               uint64_t(-65536)};
  while (raw.size() < 1000)
    raw.push_back(g() >> (g() % 64)); // all magnitudes
  for (size_t i = 500; i < 1000; ++i)
    raw[i] = 0 - raw[i]; // negatives too
  const size_t n = raw.size();
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
      testConfig());
  EXPECT_EQ(r.measured, drelu_cost(n)) << r.measured.str();
  EXPECT_EQ(r.measured.rounds, 8u);
  for (size_t i = 0; i < n; ++i)
    ASSERT_EQ(r.out[1][i], int64_t(raw[i]) >= 0 ? 1u : 0u)
        << i << " " << raw[i];
}

TEST(Compare, ReLUAndCost) {
  FixedPoint fp(16);
  auto v = uniform(777, -1e6, 1e6, 12);
  v[0] = 0;
  v[1] = -fp.ulp();
  v[2] = fp.ulp();
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        Shared x = shareFixed(ctx, 1, v, Shape{int64_t(v.size())});
        p.begin();
        Shared y = relu(ctx, x);
        p.end();
        return reveal_to_client(ctx, y);
      },
      testConfig());
  EXPECT_EQ(r.measured, relu_cost(v.size())) << r.measured.str();
  for (size_t i = 0; i < v.size(); ++i)
    ASSERT_EQ(fp.decode(r.out[1][i]),
              std::max(0.0, fp.decode(fp.encode(v[i]))));
}

TEST(Compare, MaxRowsEdgeCasesAndCost) {
  FixedPoint fp(16);
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
          Shared x = shareFixed(ctx, 1, v, Shape{int64_t(rows), int64_t(cols)});
          p.begin();
          Shared m = max_rows(ctx, x, rows, cols);
          p.end();
          return reveal_to_client(ctx, m);
        },
        testConfig());
    EXPECT_EQ(r.measured, max_rows_cost(rows, cols)) << r.measured.str();
    EXPECT_EQ(r.measured.rounds,
              9 * size_t(std::ceil(std::log2(double(cols)))));
    for (size_t i = 0; i < rows; ++i) {
      double want = -1e300;
      for (size_t j = 0; j < cols; ++j)
        want = std::max(want, fp.decode(fp.encode(v[i * cols + j])));
      ASSERT_EQ(fp.decode(r.out[1][i]), want)
          << "cols=" << cols << " row " << i;
    }
  }
}
