//===- gelu.cpp - GeLU and its MPC-friendly replacements ------------------===//
#include "mpcvit/runtime/gelu.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/select.h"
#include "mpcvit/runtime/trunc.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mpcvit::rt {

namespace {
// δ(2u + 2) ≈ Σ c_k u^k on u ∈ [−1, 1], δ(t) = t·Φ(−t).
constexpr double kDelta[8] = {0.0453174771591, -0.171382919531, 0.222575171348,
                              0.0123106776042, -0.327903184954, 0.243582338638,
                              0.059961090121,  -0.0845449325742};
constexpr double kT = 4.0;

Shared cat(std::initializer_list<const Shared *> parts) {
  Shared r;
  size_t n = 0;
  for (auto *p : parts)
    n += p->size();
  r = Shared(Shape{int64_t(n)});
  size_t o = 0;
  for (auto *p : parts) {
    std::copy(p->data.begin(), p->data.end(), r.data.begin() + o);
    o += p->size();
  }
  return r;
}
Shared slice(const Shared &x, size_t off, size_t n) {
  return Shared(
      Shape{int64_t(n)},
      std::vector<uint64_t>(x.data.begin() + off, x.data.begin() + off + n));
}

// ProtocolSuite::FSS: ReLU(x) − [−4 ≤ x < 4]·T[i], gelu.h.
constexpr int kGridLog = kGeluLutBits - 3; // grid 2^(3−b) over [−4, 4)

int lutShift(int f) { return std::max(f - kGridLog, 0); }

// T[i] = δ(i·2^(s−f) − 4), δ(t) = |t|·Φ(−|t|), at f fractional bits.
std::vector<uint64_t> deltaTable(int f) {
  const double step = std::ldexp(1.0, lutShift(f) - f);
  std::vector<uint64_t> t(size_t(1) << kGeluLutBits);
  for (size_t i = 0; i < t.size(); ++i) {
    const double a = std::fabs(double(i) * step - kT);
    t[i] = encodeFixed(0.5 * a * std::erfc(a / std::sqrt(2.0)), f);
  }
  return t;
}

Shared gelu_dcf(Context &ctx, const Shared &x) {
  const int f = ctx.frac();
  const uint64_t T = encodeFixed(kT, f);
  // Round 1, one exchange: the sign key's x̂ (ReLU(x), and [x ≥ −4],
  // [x ≥ 4] from the same key at x̂ ± 4) and the signed table's masked index
  // of x + 4 (so that [−4, 4) starts at index 0).
  Shared xo = addScalar(x, ctx.party() == 0 ? T : 0);
  SignDcfOpen sg = sign_dcf_open(ctx, {{&x, true, {T, 0 - T}}});
  LutOpen lt =
      lutIndexedSigned_open(ctx, xo, lutShift(f), kGeluLutBits, deltaTable(f));
  exchangeOpenings(ctx, {&sg.open, &lt.open}, "gelu");
  auto res = sign_dcf_finish(ctx, sg);
  Shared st = lut_finish(ctx, lt); // σ ⊙ T[i]
  // Round 2: [−4 ≤ x < 4]·T[i] by a signed select (1 bit + 8 bytes).
  Shared ind = res[0].shifted[0] - res[0].shifted[1];
  SelectOpen sel = select_open(ctx, ind, st, true, lt.sign);
  exchangeOpenings(ctx, {&sel.open}, "gelu select");
  return res[0].relu - select_finish(ctx, sel);
}
} // namespace

Shared gelu(Context &ctx, const Shared &x) {
  const size_t n = x.size();
  if (ctx.config().protocols == ProtocolSuite::FSS) {
    Shared out = gelu_dcf(ctx, x.reshaped(Shape{int64_t(n)}));
    out.shape = x.shape;
    return out;
  }
  const int f = ctx.frac();
  const bool p0 = ctx.party() == 0;
  const uint64_t T = encodeFixed(kT, f);
  Shared xf = x.reshaped(Shape{int64_t(n)});
  Shared xp = addScalar(xf, p0 ? T : 0), xm = addScalar(xf, p0 ? 0 - T : 0);
  Shared c = drelu(ctx, cat({&xf, &xp, &xm}));
  Shared sign = slice(c, 0, n);                     // [x ≥ 0]
  Shared ind = slice(c, n, n) - slice(c, 2 * n, n); // [−T ≤ x < T]
  // |x| = x·(2s − 1)
  Shared s2 = addScalar(scale(sign, 2), p0 ? uint64_t(0) - 1 : 0);
  Shared ax = mul_ss(ctx, xf, s2);
  Shared rl = trunc(ctx, xf + ax, 1); // ReLU
  // u = (|x| − 2)/2 at f bits: (|x| − 2) read with f + 1 bits.
  Shared u = trunc(ctx, addScalar(ax, p0 ? 0 - encodeFixed(2.0, f) : 0), 1);
  // Powers with each of u, u², u³, u⁴ opened once (beaver.h, MaskedShare):
  // three rounds as before, 32 bytes per element instead of 88.
  MaskedShare m1 = open_masked(ctx, u, "gelu");
  Shared u2 = trunc(ctx, square(ctx, m1));
  MaskedShare m2 = open_masked(ctx, u2, "gelu");
  Shared u3r = mul_ss(ctx, m1, m2), u4r = square(ctx, m2);
  Shared l2 = trunc(ctx, cat({&u3r, &u4r}));
  Shared u3 = slice(l2, 0, n), u4 = slice(l2, n, n);
  auto [m3, m4] = open_masked_pair(ctx, u3, u4, "gelu");
  Shared u5r = mul_ss(ctx, m2, m3), u6r = square(ctx, m3),
         u7r = mul_ss(ctx, m3, m4);
  Shared l3 = trunc(ctx, cat({&u5r, &u6r, &u7r}));
  const Shared *pw[8] = {nullptr, &u, &u2, &u3, &u4, nullptr, nullptr, nullptr};
  Shared u5 = slice(l3, 0, n), u6 = slice(l3, n, n), u7 = slice(l3, 2 * n, n);
  pw[5] = &u5;
  pw[6] = &u6;
  pw[7] = &u7;
  // p = Σ c_k u^k at 2f bits, one truncation.
  Shared p(Shape{int64_t(n)});
  const uint64_t c0 = encodeFixed(kDelta[0], 2 * f);
  for (size_t i = 0; i < n; ++i) {
    uint64_t acc = p0 ? c0 : 0;
    for (int k = 1; k < 8; ++k)
      acc += encodeFixed(kDelta[k], f) * (*pw[k])[i];
    p[i] = acc;
  }
  p = trunc(ctx, p);
  Shared corr = mul_ss(ctx, ind, p); // ind is an integer bit: no truncation
  Shared out = rl - corr;
  out.shape = x.shape;
  return out;
}
CommCost gelu_cost(TruncMode mode, size_t n, int frac, ProtocolSuite cmp) {
  if (cmp == ProtocolSuite::FSS) {
    CommCost c = sign_dcf_cost(0, n) + lut_signed_cost(n, kGeluLutBits) +
                 select_cost(n, true);
    c.rounds = n ? 2 : 0; // the sign key and the index share round 1
    return c;
  }
  return drelu_cost(3 * n, cmp) + mul_ss_cost(n) + trunc_cost(mode, n, 1) * 2 +
         open_masked_cost(n) + square_masked_cost(n) +
         trunc_cost(mode, n, frac) + open_masked_cost(n) +
         mul_ss_masked_cost(n) + square_masked_cost(n) +
         trunc_cost(mode, 2 * n, frac) + open_masked_pair_cost(n) +
         mul_ss_masked_cost(n) * 2 + square_masked_cost(n) +
         trunc_cost(mode, 3 * n, frac) + trunc_cost(mode, n, frac) +
         mul_ss_cost(n);
}

Shared quad_gelu(Context &ctx, const Shared &x) {
  const int f = ctx.frac();
  const bool p0 = ctx.party() == 0;
  Shared sq = square(ctx, x); // 2f bits
  // x² + 2x (at 2f bits), then / 8 with one truncation by f + 3.
  Shared t = sq + scale(x, uint64_t(2) << f);
  Shared y = trunc(ctx, t, f + 3);
  return addScalar(y, p0 ? encodeFixed(0.5, f) : 0);
}
CommCost quad_gelu_cost(TruncMode mode, size_t n, int frac) {
  return square_cost(n) + trunc_cost(mode, n, frac + 3);
}

} // namespace mpcvit::rt
