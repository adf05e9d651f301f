//===- test_select.cpp - Bit select c·x in one round (select.h) -----------===//
//
// Checks, on ring values of every kind: the revealed output equals c·x
// exactly for bits c of both values (unsigned x, and the value v of a
// signed x = σ ⊙ v from a 1-bit-lane lookup, lut.h); the counters equal
// select_cost exactly (1 round, ⌈n/8⌉ + 8n bytes per party, dealer 16n /
// 32n); the opening shares one exchange with another protocol's; misuse
// throws.
//
//===----------------------------------------------------------------------===//
#include "harness.h"

#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/select.h"

#include <gtest/gtest.h>
#include <random>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
std::vector<uint64_t> bits(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<uint64_t> c(n);
  for (auto &b : c)
    b = g() & 1;
  return c;
}

// The server shares the bits, the client the values; fn computes on them.
RunResult
runSelect(const std::vector<uint64_t> &c, const std::vector<uint64_t> &x,
          const std::function<Shared(Context &, const Shared &, const Shared &)>
              &fn) {
  const size_t n = x.size();
  return run3(
      [&](Context &ctx, Probe &p) {
        RingTensor tc(Shape{int64_t(n)}), tx(Shape{int64_t(n)});
        if (ctx.party() == 0)
          tc.data = c;
        if (ctx.party() == 1)
          tx.data = x;
        Shared sc = share(ctx, 0, tc), sx = share(ctx, 1, tx);
        p.begin();
        Shared y = fn(ctx, sc, sx);
        p.end();
        return reveal_to_client(ctx, y);
      },
      testConfig());
}
} // namespace

TEST(Select, IsBitTimesValueExactlyAndCost) {
  const size_t n = 1001;
  const auto x = ringValues(n, 11), c = bits(n, 12);
  auto r =
      runSelect(c, x, [](Context &ctx, const Shared &sc, const Shared &sx) {
        return select(ctx, sc, sx);
      });
  EXPECT_EQ(r.measured, select_cost(n)) << r.measured.str();
  EXPECT_EQ(r.serverRounds, 1u);
  size_t ones = 0;
  for (size_t i = 0; i < n; ++i) {
    ones += c[i];
    ASSERT_EQ(r.out[1][i], c[i] * x[i]) << i;
  }
  EXPECT_GT(ones, n / 2 - 80);
  EXPECT_LT(ones, n / 2 + 80);
  // Closed form: ⌈n/8⌉ + 8n bytes per party, dealer 16n (32n signed).
  EXPECT_EQ(select_cost(1001), CommCost::sym(126 + 8008, 1, 16016));
  EXPECT_EQ(select_cost(3, true), CommCost::sym(1 + 24, 1, 96));
  EXPECT_EQ(select_cost(0, true), CommCost{});
}

// A signed lookup (lut.h) gives shares of σ·T[x]; the signed select returns
// c·T[x] with σ removed, and the lookup's opening and the select's share
// nothing: 2 rounds.
TEST(Select, SignedRemovesTheDealerSign) {
  const size_t n = 777;
  const int b = 10;
  std::mt19937_64 g(21);
  std::vector<uint64_t> T(size_t(1) << b);
  for (auto &v : T)
    v = g();
  const auto x = ringValues(n, 22), c = bits(n, 23);
  auto r =
      runSelect(c, x, [&](Context &ctx, const Shared &sc, const Shared &sx) {
        LutOpen lt = lutIndexedSigned_open(ctx, sx, 3, b, T);
        exchangeOpenings(ctx, {&lt.open}, "lut");
        Shared st = lut_finish(ctx, lt);
        SelectOpen so = select_open(ctx, sc, st, true, lt.sign);
        exchangeOpenings(ctx, {&so.open}, "select");
        return select_finish(ctx, so);
      });
  EXPECT_EQ(r.measured, lut_signed_cost(n, b) + select_cost(n, true))
      << r.measured.str();
  EXPECT_EQ(r.serverRounds, 2u);
  const uint64_t mask = (uint64_t(1) << b) - 1;
  for (size_t i = 0; i < n; ++i) {
    // lutIndexed's index: ⌊x/8⌋ or ⌈x/8⌉ mod 2^b.
    const uint64_t lo = (x[i] >> 3) & mask, hi = (lo + 1) & mask;
    const uint64_t want0 = c[i] * T[lo], want1 = c[i] * T[hi];
    ASSERT_TRUE(r.out[1][i] == want0 ||
                ((x[i] & 7) != 0 && r.out[1][i] == want1))
        << "i=" << i << " c=" << c[i] << " x=" << x[i];
  }
}

TEST(Select, MisuseThrows) {
  auto r = run3(
      [&](Context &ctx, Probe &) {
        Shared a(Shape{3}), b(Shape{4});
        EXPECT_THROW(select(ctx, a, b), std::invalid_argument);
        if (ctx.isDealer()) {
          EXPECT_THROW(select_open(ctx, b, b, true, {1, 1}),
                       std::invalid_argument);
        }
        SelectOpen st = select_open(ctx, b, b);
        if (!ctx.isDealer()) // finish before the exchange
          EXPECT_THROW(select_finish(ctx, st), std::logic_error);
        return RingTensor(Shape{1});
      },
      testConfig());
  (void)r;
}
