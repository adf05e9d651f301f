//===- reciprocal.cpp - Reciprocal and reciprocal square root -------------===//
#include "mpcvit/runtime/reciprocal.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/select.h"
#include "mpcvit/runtime/trunc.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace mpcvit::rt {

namespace {
constexpr int kJMin = -6, kJMax = 15, kK = kJMax - kJMin + 1;
constexpr int kFNorm = 34; // fractional bits of the normalising multiplier

struct Normalised {
  Shared xn;               // x · 4^(−j) ∈ [1, 4), f bits
  std::vector<uint64_t> d; // one-hot exponent, n × K, additive integer bits
};

Normalised normalise(Context &ctx, const Shared &x, int inFrac) {
  const size_t n = x.size();
  const int f = inFrac;
  Shared diff(Shape{int64_t(n * kK)});
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < kK; ++j) {
      uint64_t t = encodeFixed(std::ldexp(1.0, 2 * (kJMin + j)), f);
      diff[i * kK + j] = x[i] - (ctx.party() == 0 ? t : 0);
    }
  Shared c = drelu(ctx, diff);
  Normalised r;
  r.d.resize(n * kK);
  Shared m(x.shape);
  for (size_t i = 0; i < n; ++i) {
    uint64_t acc = 0;
    for (int j = 0; j < kK; ++j) {
      uint64_t dj = c[i * kK + j] - (j + 1 < kK ? c[i * kK + j + 1] : 0);
      r.d[i * kK + j] = dj;
      acc += dj * (uint64_t(1) << (kFNorm - 2 * (kJMin + j)));
    }
    m[i] = acc;
  }
  r.xn = trunc_dealer(ctx, mul_ss(ctx, x, m), kFNorm + inFrac - ctx.frac());
  return r;
}
CommCost normalise_cost(size_t n, int frac, int inFrac, ProtocolSuite cmp) {
  return drelu_cost(n * kK, cmp) + mul_ss_cost(n) +
         trunc_dealer_cost(n, kFNorm + inFrac - frac);
}

// y · Σ_j d_j · 2^(shift_j) scaled to outFrac bits; mult[j] = round(2^F2 ·
// scale_j) with F2 chosen by the caller.
Shared scaleBack(Context &ctx, const Shared &y, const std::vector<uint64_t> &d,
                 const std::vector<uint64_t> &mult, int F2, int outFrac) {
  const size_t n = y.size();
  Shared m(y.shape);
  for (size_t i = 0; i < n; ++i) {
    uint64_t acc = 0;
    for (int j = 0; j < kK; ++j)
      acc += d[i * kK + j] * mult[j];
    m[i] = acc;
  }
  return trunc_dealer(ctx, mul_ss(ctx, y, m), F2 + ctx.frac() - outFrac);
}
CommCost scaleBack_cost(size_t n, int F2, int frac, int outFrac) {
  return mul_ss_cost(n) + trunc_dealer_cost(n, F2 + frac - outFrac);
}

Shared linearInit(Context &ctx, const Shared &x, double a, double b) {
  const int f = ctx.frac();
  // a − b·x: b·x has 2f bits; truncate then add a.
  Shared y = trunc(ctx, mul_public(x, 0 - encodeFixed(b, f)));
  return add_public(ctx, y, encodeFixed(a, f));
}

// ---- ProtocolSuite::FSS: windowed tables (reciprocal.h) ---------------------
constexpr int kTBits = 13; // largest per-window table (lut.h: kLutMaxBits)

bool dcfPath(ProtocolSuite cmp, int inFrac) {
  return cmp == ProtocolSuite::FSS && inFrac >= -2 * kJMin && inFrac <= 28;
}
// Window j (x ∈ [4^j, 4^(j+1))) spans raw values [2^(2j+F), 2^(2j+F+2)) at
// F = inFrac: table index ⌊x / 2^shift⌋ mod 2^bits, the top 13 bits of the
// window (all of it when it has fewer).
int winBits(int j, int inFrac) { return std::min(kTBits, 2 * j + inFrac + 2); }
int winShift(int j, int inFrac) {
  return std::max(0, 2 * j + inFrac + 2 - kTBits);
}

// Σ_j [x ∈ window j] · g(x) with g read from window j's table, outFrac bits.
// Round 1 (one exchange): the sign key's x̂ (c_j = [x ≥ 4^j] for every j
// from the same key, SignGroup::shifts) and the masked index of each
// window's signed table (1-bit DPF lanes). Round 2: the one-hot d_j selects
// each table's output (signed select, select.h), and the outputs are
// summed: no truncation.
Shared windowed(Context &ctx, const Shared &xin, int inFrac, int outFrac,
                const std::function<double(double)> &g) {
  const size_t n = xin.size();
  if (n == 0)
    return Shared(xin.shape);
  Shared x = xin.reshaped(Shape{int64_t(n)});
  std::vector<uint64_t> shifts(kK);
  for (int j = 0; j < kK; ++j)
    shifts[j] = 0 - (uint64_t(1) << (2 * (kJMin + j) + inFrac));
  SignDcfOpen sg = sign_dcf_open(ctx, {{&x, false, shifts}});
  std::vector<LutOpen> lt;
  lt.reserve(kK);
  for (int j = 0; j < kK; ++j) {
    const int e = kJMin + j, b = winBits(e, inFrac), s = winShift(e, inFrac);
    // Grid point i·2^s (raw). Indices below the window's bottom 2^(b−2)
    // are never used; with s > 0, x just below the top may round up to
    // 2^b ≡ 0, so entry 0 is the top.
    const size_t lo = size_t(1) << (b - 2), N = size_t(1) << b;
    std::vector<uint64_t> table(N);
    for (size_t i = 0; i < N; ++i) {
      const size_t gi = i == 0 && s > 0 ? N : std::max(i, lo);
      table[i] = encodeFixed(g(std::ldexp(double(gi), s - inFrac)), outFrac);
    }
    lt.push_back(lutIndexedSigned_open(ctx, x, s, b, table));
  }
  std::vector<Opening *> opens{&sg.open};
  for (auto &o : lt)
    opens.push_back(&o.open);
  exchangeOpenings(ctx, opens, "reciprocal_dcf");
  auto res = sign_dcf_finish(ctx, sg);
  const auto &c = res[0].shifted;
  // Round 2: the one-hot window d_j = c_j − c_{j+1} (c_16 = 0) selects
  // σ_j·T_j[i_j] (select.h, signed: 1 bit + 8 bytes per window and element,
  // σ_j folded in by the dealer), all windows in one exchange.
  std::vector<SelectOpen> sel;
  sel.reserve(kK);
  std::vector<Opening *> opens2;
  for (int j = 0; j < kK; ++j) {
    Shared d(Shape{int64_t(n)});
    if (!ctx.isDealer())
      d = j + 1 < kK ? c[j] - c[j + 1] : c[j];
    Shared t = lut_finish(ctx, lt[j]);
    sel.push_back(select_open(ctx, d, t, true, lt[j].sign));
    opens2.push_back(&sel.back().open);
  }
  exchangeOpenings(ctx, opens2, "reciprocal_dcf select");
  // y = Σ_j d_j·T_j[i_j]: no truncation.
  Shared y(Shape{int64_t(n)});
  for (int j = 0; j < kK; ++j) {
    Shared t = select_finish(ctx, sel[j]);
    for (size_t i = 0; i < n; ++i)
      y[i] += t[i];
  }
  return y.reshaped(xin.shape);
}
CommCost windowed_cost(size_t n, int inFrac) {
  if (n == 0)
    return {};
  CommCost c = sign_dcf_cost(n, 0);
  for (int j = 0; j < kK; ++j)
    c += lut_signed_cost(n, winBits(kJMin + j, inFrac)) + select_cost(n, true);
  c.rounds = 2; // the indices with the sign key, then the selects
  return c;
}

void checkOutFrac(int outFrac) {
  if (outFrac < 1 || outFrac > 32)
    throw std::invalid_argument("reciprocal/rsqrt: expected 1 <= outFrac <= "
                                "32, got " +
                                std::to_string(outFrac));
}
} // namespace

Shared reciprocal(Context &ctx, const Shared &x, int outFrac) {
  const int f = ctx.frac();
  if (outFrac < 0)
    outFrac = f;
  checkOutFrac(outFrac);
  if (dcfPath(ctx.config().protocols, f))
    return windowed(ctx, x, f, outFrac, [](double v) { return 1.0 / v; });
  Normalised nz = normalise(ctx, x, f);
  const Shared &xn = nz.xn;
  Shared y = linearInit(ctx, xn, 0.9755, 0.1950);
  const uint64_t two = encodeFixed(2.0, f);
  for (int it = 0; it < 3; ++it) {
    Shared t = trunc(ctx, mul_ss(ctx, xn, y));
    Shared u = add_public(ctx, -t, two);
    y = trunc(ctx, mul_ss(ctx, y, u));
  }
  // 1/x = y · 4^(−j); multiplier with F2 = 32 fractional bits.
  const int F2 = 32;
  std::vector<uint64_t> mult(kK);
  for (int j = 0; j < kK; ++j)
    mult[j] = uint64_t(1) << (F2 - 2 * (kJMin + j));
  Shared out = scaleBack(ctx, y, nz.d, mult, F2, outFrac);
  out.shape = x.shape;
  return out;
}
CommCost reciprocal_cost(TruncMode mode, size_t n, int frac, int outFrac,
                         ProtocolSuite cmp) {
  if (outFrac < 0)
    outFrac = frac;
  if (dcfPath(cmp, frac))
    return windowed_cost(n, frac);
  CommCost c = normalise_cost(n, frac, frac, cmp) + trunc_cost(mode, n, frac);
  c += (mul_ss_cost(n) * 2 + trunc_cost(mode, n, frac) * 2) * 3;
  return c + scaleBack_cost(n, 32, frac, outFrac);
}

Shared reciprocal_1to2(Context &ctx, const Shared &x) {
  const int f = ctx.frac();
  // Minimax linear start on [1, 2]: x·y0 − 1 equioscillates at x = 1, 1.5, 2.
  Shared y = linearInit(ctx, x, 24.0 / 17.0, 8.0 / 17.0);
  const uint64_t two = encodeFixed(2.0, f);
  for (int it = 0; it < 2; ++it) {
    Shared t = trunc(ctx, mul_ss(ctx, x, y));
    Shared u = add_public(ctx, -t, two);
    y = trunc(ctx, mul_ss(ctx, y, u));
  }
  y.shape = x.shape;
  return y;
}
CommCost reciprocal_1to2_cost(TruncMode mode, size_t n, int frac) {
  return trunc_cost(mode, n, frac) +
         (mul_ss_cost(n) * 2 + trunc_cost(mode, n, frac) * 2) * 2;
}

Shared rsqrt(Context &ctx, const Shared &x, int outFrac, int inFrac,
             double postScale) {
  const int f = ctx.frac();
  if (outFrac < 0)
    outFrac = f;
  if (inFrac < 0)
    inFrac = f;
  checkOutFrac(outFrac);
  if (postScale <= 0 || postScale >= 256)
    throw std::invalid_argument("rsqrt: expected 0 < postScale < 256");
  if (inFrac < f || inFrac > 28)
    throw std::invalid_argument("rsqrt: expected f <= inFrac <= 28, got " +
                                std::to_string(inFrac));
  // With inFrac > f the input is x·2^(inFrac−f) at f bits: thresholds and
  // scaling below read it as a value with inFrac fractional bits.
  if (dcfPath(ctx.config().protocols, inFrac))
    return windowed(ctx, x, inFrac, outFrac,
                    [postScale](double v) { return postScale / std::sqrt(v); });
  Normalised nz = normalise(ctx, x, inFrac);
  const Shared &xn = nz.xn;
  Shared y = linearInit(ctx, xn, 1.0620, 0.1515);
  const uint64_t three = encodeFixed(3.0, f);
  for (int it = 0; it < 3; ++it) {
    Shared y2 = trunc(ctx, square(ctx, y));
    Shared t = trunc(ctx, mul_ss(ctx, xn, y2));
    Shared u = add_public(ctx, -t, three);
    y = trunc(ctx, mul_ss(ctx, y, u), f + 1); // (·)/2
  }
  // 1/√x = y · 2^(−j) · postScale; multiplier with F2 = 32 fractional bits.
  const int F2 = 32;
  std::vector<uint64_t> mult(kK);
  for (int j = 0; j < kK; ++j)
    mult[j] = encodeFixed(std::ldexp(postScale, -(kJMin + j)), F2);
  Shared out = scaleBack(ctx, y, nz.d, mult, F2, outFrac);
  out.shape = x.shape;
  return out;
}
CommCost rsqrt_cost(TruncMode mode, size_t n, int frac, int outFrac, int inFrac,
                    ProtocolSuite cmp) {
  if (outFrac < 0)
    outFrac = frac;
  if (inFrac < 0)
    inFrac = frac;
  if (dcfPath(cmp, inFrac))
    return windowed_cost(n, inFrac);
  CommCost c = normalise_cost(n, frac, inFrac, cmp) + trunc_cost(mode, n, frac);
  c += (square_cost(n) + mul_ss_cost(n) * 2 + trunc_cost(mode, n, frac) * 2 +
        trunc_cost(mode, n, frac + 1)) *
       3;
  return c + scaleBack_cost(n, 32, frac, outFrac);
}

} // namespace mpcvit::rt
