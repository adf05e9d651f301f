//===- test_lut.cpp - One-round secret-shared table lookup (lut.h) --------===//
#include "harness.h"

#include "mpcvit/runtime/dpf.h"
#include "mpcvit/runtime/lut.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>

using namespace mpcvit::rt;
using namespace mpcvit::rt::test;

namespace {
std::vector<uint64_t> randomTable(int b, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<uint64_t> t(size_t(1) << b);
  for (auto &v : t)
    v = g();
  return t;
}

// Ring values of every kind: small, negative, ≥ 2^b, huge, ring edges.
// Shares raw ring values from `owner`, runs f on all three roles, measures
// it, reveals to the client.
RunResult runRaw(const std::vector<uint64_t> &raw, int owner,
                 const std::function<Shared(Context &, const Shared &)> &f,
                 SessionConfig cfg = testConfig()) {
  const size_t n = raw.size();
  return run3(
      [&](Context &ctx, Probe &p) {
        RingTensor x(Shape{int64_t(n)});
        if (ctx.party() == owner)
          x.data = raw;
        Shared s = share(ctx, owner, x);
        p.begin();
        Shared y = f(ctx, s);
        p.end();
        return reveal_to_client(ctx, y);
      },
      cfg);
}
} // namespace

TEST(Lut, CostClosedForm) {
  // ⌈n·b/8⌉ bytes per party, 1 round, 2·16b bytes of key per element.
  EXPECT_EQ(lut_cost(100, 8), CommCost::sym(100, 1, 100 * 2 * 128));
  EXPECT_EQ(lut_cost(3, 13), CommCost::sym(5, 1, 3 * 2 * 208));
  EXPECT_EQ(lut_cost(9, 1), CommCost::sym(2, 1, 9 * 2 * 16));
  EXPECT_EQ(lut_cost(0, 4), CommCost{});
  for (int b = 1; b <= kLutMaxBits; ++b)
    EXPECT_EQ(lut_cost(1, b).dealerBytes, 2 * dpf_key_bytes(b, 64));
}

TEST(Lut, MatchesPlaintextOnAnyRingValueAndCost) {
  const size_t n = 777;
  for (int b : {1, 4, 8, 13}) {
    const auto T = randomTable(b, 100 + uint64_t(b));
    const auto raw = ringValues(n, 200 + uint64_t(b));
    const uint64_t mask = (uint64_t(1) << b) - 1;
    for (int owner : {0, 1}) {
      auto r = runRaw(raw, owner, [&](Context &ctx, const Shared &s) {
        return lut(ctx, s, b, T);
      });
      EXPECT_EQ(r.measured, lut_cost(n, b)) << "b=" << b << r.measured.str();
      EXPECT_EQ(r.measured.rounds, 1u);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(r.out[1][i], T[raw[i] & mask])
            << "b=" << b << " i=" << i << " x=" << raw[i];
    }
  }
}

TEST(Lut, ThreadsAndShapes) {
  // Several threads (elements split over them), a 2-D shape kept, batches
  // that do not divide the element count.
  const int b = 6;
  const size_t rows = 37, cols = 29, n = rows * cols;
  const auto T = randomTable(b, 7);
  const auto raw = ringValues(n, 8);
  SessionConfig cfg = testConfig();
  cfg.gemmThreads = 3;
  auto r = run3(
      [&](Context &ctx, Probe &p) {
        RingTensor x(Shape{int64_t(rows), int64_t(cols)});
        if (ctx.party() == 1)
          x.data = raw;
        Shared s = share(ctx, 1, x);
        p.begin();
        Shared y = lut(ctx, s, b, T);
        p.end();
        EXPECT_EQ(y.shape, s.shape);
        return reveal_to_client(ctx, y);
      },
      cfg);
  EXPECT_EQ(r.measured, lut_cost(n, b)) << r.measured.str();
  for (size_t i = 0; i < n; ++i)
    ASSERT_EQ(r.out[1][i], T[raw[i] & 63]) << i;
}

TEST(Lut, EmptyInputCostsNothing) {
  const auto T = randomTable(3, 1);
  auto r = runRaw(
      {}, 0, [&](Context &ctx, const Shared &s) { return lut(ctx, s, 3, T); });
  EXPECT_EQ(r.measured, lut_cost(0, 3));
  EXPECT_EQ(r.measured, CommCost{});
}

// lutSigned: 1-bit DPF lanes; the parties hold shares of σ·T[x] with σ = ±1
// known to the dealer only (its LutOpen::sign), both signs occurring.
TEST(Lut, SignedIsDealerSignTimesTableAndCost) {
  const size_t n = 777;
  for (int b : {1, 6, 7, 10, 13}) {
    const auto T = randomTable(b, 500 + uint64_t(b));
    const auto raw = ringValues(n, 600 + uint64_t(b));
    const uint64_t mask = (uint64_t(1) << b) - 1;
    std::vector<uint64_t> sign; // written by the dealer's thread
    auto r = runRaw(raw, 0, [&](Context &ctx, const Shared &s) {
      LutOpen st = lutSigned_open(ctx, s, b, T);
      EXPECT_EQ(st.lane, 1);
      if (ctx.isDealer())
        sign = st.sign;
      else
        EXPECT_TRUE(st.sign.empty()) << "a party holds the signs";
      exchangeOpenings(ctx, {&st.open}, "lut");
      return lut_finish(ctx, st);
    });
    EXPECT_EQ(r.measured, lut_signed_cost(n, b))
        << "b=" << b << r.measured.str();
    ASSERT_EQ(sign.size(), n);
    size_t minus = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(sign[i] == 1 || sign[i] == uint64_t(-1)) << i;
      minus += sign[i] != 1;
      ASSERT_EQ(r.out[1][i], sign[i] * T[raw[i] & mask])
          << "b=" << b << " i=" << i << " x=" << raw[i];
    }
    // σ is a pseudorandom bit of party 1's key: 777 fair coins.
    EXPECT_GT(minus, n / 2 - 80) << "b=" << b;
    EXPECT_LT(minus, n / 2 + 80) << "b=" << b;
  }
  // Keys: 16·(b − 6) bytes for b ≥ 7, one 16-byte leaf below.
  EXPECT_EQ(lut_signed_cost(100, 10), CommCost::sym(125, 1, 100 * 2 * 64));
  EXPECT_EQ(lut_signed_cost(3, 5), CommCost::sym(2, 1, 3 * 2 * 16));
  EXPECT_EQ(lut_signed_cost(0, 5), CommCost{});
  EXPECT_THROW(lut_signed_cost(1, kLutMaxBits + 1), std::invalid_argument);
}

// Several tables at one index (lutSignedTables_open): one key, one opened
// index, every table's value times the SAME dealer sign.
TEST(Lut, SignedTablesShareKeySignAndCost) {
  const size_t n = 500;
  for (int b : {7, 13}) {
    const std::vector<std::vector<uint64_t>> T = {
        randomTable(b, 700 + uint64_t(b)), randomTable(b, 800 + uint64_t(b)),
        randomTable(b, 900 + uint64_t(b))};
    const auto raw = ringValues(n, 1000 + uint64_t(b));
    const uint64_t mask = (uint64_t(1) << b) - 1;
    std::vector<uint64_t> sign;
    std::vector<RingTensor> outs(T.size());
    auto r = runRaw(raw, 0, [&](Context &ctx, const Shared &s) {
      LutOpen st = lutSignedTables_open(ctx, s, b, T);
      if (ctx.isDealer())
        sign = st.sign;
      exchangeOpenings(ctx, {&st.open}, "lut");
      std::vector<Shared> y = lut_finish_tables(ctx, st);
      EXPECT_EQ(y.size(), T.size());
      // Reveal tables 1 and 2 (table 0 is the run's output).
      for (size_t k = 1; k < y.size(); ++k) {
        RingTensor o = reveal_to_client(ctx, y[k]);
        if (ctx.party() == 1)
          outs[k] = o;
      }
      return y[0];
    });
    EXPECT_EQ(r.measured.dealerBytes, lut_signed_cost(n, b).dealerBytes);
    EXPECT_EQ(r.measured.bytesServer,
              lut_signed_cost(n, b).bytesServer + 2 * 8 * n); // + 2 reveals
    ASSERT_EQ(sign.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t j = raw[i] & mask;
      ASSERT_EQ(r.out[1][i], sign[i] * T[0][j]) << "b=" << b << " i=" << i;
      ASSERT_EQ(outs[1][i], sign[i] * T[1][j]) << "b=" << b << " i=" << i;
      ASSERT_EQ(outs[2][i], sign[i] * T[2][j]) << "b=" << b << " i=" << i;
    }
  }
  auto none = std::vector<std::vector<uint64_t>>{};
  run3(
      [&](Context &ctx, Probe &) {
        Shared x(Shape{2});
        EXPECT_THROW(lutSignedTables_open(ctx, x, 4, none),
                     std::invalid_argument);
        EXPECT_THROW(lutSignedTables_open(ctx, x, 4, {randomTable(5, 1)}),
                     std::invalid_argument);
        return RingTensor(Shape{1});
      },
      testConfig());
}

// lutIndexed32: 32-bit lanes, the shares add up to T[i] mod 2^32 (and the
// cost is the 32-bit-lane key's).
TEST(Lut, Indexed32IsRightMod2To32) {
  const size_t n = 900;
  for (int b : {3, 8, 13}) {
    const auto T = randomTable(b, 1100 + uint64_t(b));
    const auto raw = ringValues(n, 1200 + uint64_t(b));
    const int shift = 5;
    const uint64_t mask = (uint64_t(1) << b) - 1;
    auto r = runRaw(raw, 1, [&](Context &ctx, const Shared &s) {
      LutOpen st = lutIndexed32_open(ctx, s, shift, b, T);
      EXPECT_EQ(st.lane, 32);
      exchangeOpenings(ctx, {&st.open}, "lut");
      return lut_finish(ctx, st);
    });
    EXPECT_EQ(r.measured, lut32_cost(n, b)) << r.measured.str();
    for (size_t i = 0; i < n; ++i) {
      const uint64_t lo = (raw[i] >> shift) & mask, hi = (lo + 1) & mask;
      const uint32_t y = uint32_t(r.out[1][i]);
      ASSERT_TRUE(y == uint32_t(T[lo]) ||
                  ((raw[i] & 31) != 0 && y == uint32_t(T[hi])))
          << "b=" << b << " i=" << i;
      // Each share is a 32-bit value: the sum stays below 2^33.
      ASSERT_LT(r.out[1][i], uint64_t(1) << 33) << "b=" << b << " i=" << i;
    }
  }
  EXPECT_EQ(lut32_cost(10, 8), CommCost::sym(10, 1, 10 * 2 * 112));
}

// lutIndexed: the index is ⌊x/2^s⌋ or ⌈x/2^s⌉ mod 2^b, for every ring value
// (no wrap failure), and both occur.
TEST(Lut, IndexedIsFloorOrCeilOnWholeRing) {
  const size_t n = 2000;
  struct Case {
    int b, shift;
  };
  for (Case c :
       {Case{8, 11}, Case{4, 0}, Case{13, 3}, Case{8, 56}, Case{1, 63}}) {
    const auto T = randomTable(c.b, 300 + uint64_t(c.b));
    auto raw = ringValues(n, 400 + uint64_t(c.shift));
    raw[1] = uint64_t(1) << c.shift; // on the grid
    const uint64_t mask = (uint64_t(1) << c.b) - 1;
    auto r = runRaw(raw, 1, [&](Context &ctx, const Shared &s) {
      return lutIndexed(ctx, s, c.shift, c.b, T);
    });
    EXPECT_EQ(r.measured, lut_cost(n, c.b)) << r.measured.str();
    size_t ceilOnly = 0, offGrid = 0;
    for (size_t i = 0; i < n; ++i) {
      // ⌊x/2^s⌋ mod 2^b of the signed x = logical shift of the ring value
      // (s + b ≤ 64); ⌈·⌉ = ⌊·⌋ + 1 off the grid.
      const uint64_t lo = (raw[i] >> c.shift) & mask;
      const bool on =
          c.shift == 0 || (raw[i] & ((uint64_t(1) << c.shift) - 1)) == 0;
      const uint64_t hi = (lo + (on ? 0 : 1)) & mask;
      const uint64_t y = r.out[1][i];
      ASSERT_TRUE(y == T[lo] || y == T[hi])
          << "b=" << c.b << " s=" << c.shift << " x=" << raw[i];
      if (on)
        ASSERT_EQ(y, T[lo]) << "exact on the grid, x=" << raw[i];
      else {
        ++offGrid;
        ceilOnly += (y == T[hi] && T[hi] != T[lo]);
      }
    }
    if (offGrid > 100 && c.b > 1) { // both roundings happen
      EXPECT_GT(ceilOnly, offGrid / 20) << "b=" << c.b << " s=" << c.shift;
      EXPECT_LT(ceilOnly, offGrid - offGrid / 20);
    }
  }
}

// The gated lookup returns c·T[i] (i as lutIndexed: floor or ceil) for
// gate bits c from the other party, on ring values of every kind; its cost
// is exact; misuse throws.
TEST(Lut, GatedIsGateTimesIndexedLookup) {
  const size_t n = 1500;
  for (int b : {1, 9, 13}) {
    const int shift = 7;
    const auto T = randomTable(b, 500 + uint64_t(b));
    const auto raw = ringValues(n, 600 + uint64_t(b));
    std::mt19937_64 g(700 + uint64_t(b));
    std::vector<uint64_t> gate(n);
    for (auto &c : gate)
      c = g() & 1;
    const uint64_t mask = (uint64_t(1) << b) - 1;
    auto r = runRaw(raw, 1, [&](Context &ctx, const Shared &s) {
      RingTensor c(Shape{int64_t(n)});
      if (ctx.party() == 0)
        c.data = gate;
      Shared cs = share(ctx, 0, c);
      LutOpen st = lutIndexedGated_open(ctx, s, shift, b, T);
      exchangeOpenings(ctx, {&st.open}, "index");
      lut_gate(ctx, st, cs);
      exchangeOpenings(ctx, {&st.gate}, "gate");
      return lut_finish(ctx, st);
    });
    // (Sharing the gate inside the probe costs nothing: share_cost.)
    EXPECT_EQ(r.measured, lut_gated_cost(n, b)) << r.measured.str();
    EXPECT_EQ(lut_gated_cost(n, b), CommCost::sym((n * b + 7) / 8 + (n + 7) / 8,
                                                  2, 32 * size_t(b + 1) * n));
    size_t on = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t lo = (raw[i] >> shift) & mask;
      const bool grid = (raw[i] & ((uint64_t(1) << shift) - 1)) == 0;
      const uint64_t hi = (lo + (grid ? 0 : 1)) & mask;
      const uint64_t y = r.out[1][i];
      if (gate[i]) {
        ++on;
        ASSERT_TRUE(y == T[lo] || y == T[hi]) << "b=" << b << " i=" << i;
      } else {
        ASSERT_EQ(y, 0u) << "b=" << b << " i=" << i;
      }
    }
    EXPECT_GT(on, n / 3);
    EXPECT_LT(on, n - n / 3);
  }
  // Misuse: a plain lookup cannot be gated; a gated one needs its gate.
  const auto T = randomTable(4, 9);
  auto r = runRaw({1, 2, 3}, 1, [&](Context &ctx, const Shared &s) {
    LutOpen plain = lutIndexed_open(ctx, s, 0, 4, T);
    EXPECT_THROW(lut_gate(ctx, plain, s), std::invalid_argument);
    exchangeOpenings(ctx, {&plain.open}, "plain");
    LutOpen st = lutIndexedGated_open(ctx, s, 0, 4, T);
    exchangeOpenings(ctx, {&st.open}, "index");
    if (!ctx.isDealer()) {
      EXPECT_THROW(lut_finish(ctx, st), std::logic_error);
      EXPECT_THROW(lut_gate(ctx, st, Shared(Shape{2})), std::invalid_argument);
    }
    lut_gate(ctx, st, s);
    exchangeOpenings(ctx, {&st.gate}, "gate");
    return lut_finish(ctx, st);
  });
  // Gate = low bit of x: 1·T[1], 0, 1·T[3].
  EXPECT_EQ(r.out[1][0], T[1]);
  EXPECT_EQ(r.out[1][1], 0u);
  EXPECT_EQ(r.out[1][2], T[3]);
}

// exp(−t) tabulated on the grid t_i = i·2^−5 (b = 8, t ∈ [0, 8)), index
// from the fixed-point input (f = 16) by shift f − 5; checked against
// std::exp. Bound: the index i satisfies |i·2^−5 − x| < 2^−5 for the
// encoded x (|x − t| ≤ 2^−17), |exp'| ≤ 1 on t ≥ 0, and table entries are
// rounded to 2^−17: |y − exp(−t)| < 2^−5 + 2^−16. Inputs stay in
// [0, 255·2^−5] (the largest grid point): above it the index may round up
// to 256 ≡ 0 (lut.h); a caller clips first.
TEST(Lut, IndexedExpOnFixedPointGrid) {
  const int f = kDefaultFracBits, g = 5, b = 8;
  FixedPoint fp(f);
  const double step = std::ldexp(1.0, -g), top = 255 * step;
  std::vector<uint64_t> T(size_t(1) << b);
  for (size_t i = 0; i < T.size(); ++i)
    T[i] = fp.encode(std::exp(-double(i) * step));
  auto t = uniform(3000, 0, top, 21);
  t[0] = 0;
  t[1] = top;
  t[2] = step / 2;
  t[3] = top - fp.ulp();
  const size_t n = t.size();
  auto r = run3([&](Context &ctx, Probe &p) {
    Shared x = shareFixed(ctx, 0, t, Shape{int64_t(n)});
    p.begin();
    Shared y = lutIndexed(ctx, x, f - g, b, T);
    p.end();
    return reveal_to_client(ctx, y);
  });
  EXPECT_EQ(r.measured, lut_cost(n, b)) << r.measured.str();
  const double bound = step + std::ldexp(1.0, -16);
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double err = std::fabs(fp.decode(r.out[1][i]) - std::exp(-t[i]));
    worst = std::max(worst, err);
    ASSERT_LT(err, bound) << "t=" << t[i];
  }
  std::printf("[lut] exp(-t) on [0, %.5f], b=8, 2^-5 grid: max error %.3g "
              "(bound %.3g)\n",
              top, worst, bound);
}

TEST(Lut, OpenPhasesShareOneExchange) {
  // lut_open / lutIndexed_open + one exchangeOpenings + lut_finish: the
  // results of lut / lutIndexed, in one round for both, bytes and dealer
  // bytes adding up.
  const size_t n = 301;
  const auto T5 = randomTable(5, 41), T8 = randomTable(8, 42);
  const auto raw = ringValues(n, 43);
  const int shift = 11;
  auto r = runRaw(raw, 1, [&](Context &ctx, const Shared &s) {
    LutOpen a = lut_open(ctx, s, 5, T5);
    LutOpen b = lutIndexed_open(ctx, s, shift, 8, T8);
    exchangeOpenings(ctx, {&a.open, &b.open}, "two luts");
    Shared ya = lut_finish(ctx, a), yb = lut_finish(ctx, b);
    Shared both(Shape{int64_t(2 * n)});
    std::copy(ya.data.begin(), ya.data.end(), both.data.begin());
    std::copy(yb.data.begin(), yb.data.end(), both.data.begin() + n);
    return both;
  });
  CommCost want = lut_cost(n, 5) + lut_cost(n, 8);
  want.rounds = 1;
  EXPECT_EQ(r.measured, want) << r.measured.str();
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(r.out[1][i], T5[raw[i] & 31]) << raw[i];
    const uint64_t lo = (raw[i] >> shift) & 255, hi = (lo + 1) & 255;
    const uint64_t y = r.out[1][n + i];
    ASSERT_TRUE(y == T8[lo] || ((raw[i] & 2047) && y == T8[hi])) << raw[i];
  }
}

TEST(Lut, BadArgumentsThrow) {
  EXPECT_THROW(lut_cost(1, 0), std::invalid_argument);
  EXPECT_THROW(lut_cost(1, kLutMaxBits + 1), std::invalid_argument);
  std::atomic<int> thrown{0};
  const auto T8 = randomTable(8, 1);
  run3([&](Context &ctx, Probe &) {
    Shared x(Shape{4});
    auto expectThrow = [&](auto &&fn) {
      try {
        fn();
      } catch (const std::invalid_argument &) {
        ++thrown;
      }
    };
    expectThrow([&] { lut(ctx, x, 0, {0}); });
    expectThrow([&] { lut(ctx, x, 14, std::vector<uint64_t>(1 << 14)); });
    expectThrow([&] { lut(ctx, x, 7, T8); });        // 256 ≠ 2^7
    expectThrow([&] { lut(ctx, x, 8, {1, 2, 3}); }); // 3 ≠ 2^8
    expectThrow([&] { lutIndexed(ctx, x, -1, 8, T8); });
    expectThrow([&] { lutIndexed(ctx, x, 57, 8, T8); }); // s + b > 64
    expectThrow([&] { lutIndexed(ctx, x, 3, 9, T8); });
    return RingTensor(Shape{1});
  });
  EXPECT_EQ(thrown.load(), 3 * 7); // every role, every call
}

// Timing at n = 4096 (printed, not asserted): the dealer's call is key
// generation (offline), a party's is its opening + evaluation.
TEST(Lut, TimingAtB8AndB13) {
  const size_t n = 4096;
  for (int b : {8, 13}) {
    const auto T = randomTable(b, 5);
    const auto raw = ringValues(n, 6);
    double sec[3] = {0, 0, 0};
    auto r = run3([&](Context &ctx, Probe &p) {
      RingTensor x(Shape{int64_t(n)});
      if (ctx.party() == 0)
        x.data = raw;
      Shared s = share(ctx, 0, x);
      p.begin();
      const auto t0 = std::chrono::steady_clock::now();
      Shared y = lut(ctx, s, b, T);
      const auto t1 = std::chrono::steady_clock::now();
      p.end();
      sec[ctx.isDealer() ? 2 : ctx.party()] =
          std::chrono::duration<double>(t1 - t0).count();
      return reveal_to_client(ctx, y);
    });
    EXPECT_EQ(r.measured, lut_cost(n, b));
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(r.out[1][i], T[raw[i] & ((uint64_t(1) << b) - 1)]);
    std::printf("[lut] b=%d n=%zu: keygen %.2f us/elem (dealer), eval %.2f / "
                "%.2f us/elem (server / client), key %zu B/elem/party, "
                "dealer %llu B, online %llu B/party\n",
                b, n, 1e6 * sec[2] / double(n), 1e6 * sec[0] / double(n),
                1e6 * sec[1] / double(n), dpf_key_bytes(b, 64),
                (unsigned long long)r.measured.dealerBytes,
                (unsigned long long)r.measured.bytesServer);
  }
}
