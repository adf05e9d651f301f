//===- exp.cpp - Exponential by repeated squaring -------------------------===//
#include "mpcvit/runtime/exp.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/trunc.h"

#include "fss_index.h"

#include <cmath>

namespace mpcvit::rt {

Shared exp_neg(Context &ctx, const Shared &x, int r) {
  if (r < 1 || r > 16)
    throw std::invalid_argument(
        "exp_neg: expected 1 <= r <= 16 squarings, got " + std::to_string(r));
  Shared y = trunc(ctx, x, r);
  y = add_public(ctx, y, encodeFixed(1.0, ctx.frac()));
  for (int i = 0; i < r; ++i)
    y = trunc(ctx, square(ctx, y));
  return y;
}
CommCost exp_neg_cost(TruncMode mode, size_t n, int frac, int r) {
  return trunc_cost(mode, n, r) +
         (square_cost(n) + trunc_cost(mode, n, frac)) * uint64_t(r);
}

namespace {
// exp_neg_lut parameters (exp.h): coarse clip grid 2^kCoarseExp (real),
// kCoarseBits-bit index, clip start kClipM grid steps; hi grid 2^−kHiGrid
// with kHiBits bits; lo grid 2^−(kHiGrid + kLoBits − 2) with kLoBits bits
// (signed, periodic); table values with kTabFrac fractional bits.
constexpr int kCoarseExp = 2, kCoarseBits = 8, kClipM = 5;
constexpr int kHiGrid = 5, kHiBits = 10, kLoBits = 10, kTabFrac = 14;
static_assert(2 * kTabFrac == kExpLutFrac, "E = E_h·E_l is not truncated");

// The clip's shares need to be right mod 2^(f + 5) only (exp_neg_lut_open).
bool narrowClip(int f) { return f - kHiGrid + kHiBits <= 32; }

void checkFrac(int f) {
  if (f < kHiGrid + kLoBits - 2 || f > 40)
    throw std::invalid_argument("exp_neg_lut: needs 13 <= frac <= 40, got " +
                                std::to_string(f));
}
} // namespace

Shared exp_neg_lut(Context &ctx, const Shared &t) {
  return exp_neg_lut_open(ctx, t).e;
}

ExpNegLut exp_neg_lut_open(Context &ctx, const Shared &t) {
  const int f = ctx.frac();
  checkFrac(f);
  // Round 1: t' = t − 4·max(0, ic − 5)·2^f with ic = t's index on a grid of 4.
  std::vector<uint64_t> clip(size_t(1) << kCoarseBits);
  for (size_t i = 0; i < clip.size(); ++i)
    clip[i] = i > size_t(kClipM) ? uint64_t(i - kClipM) << (f + kCoarseExp) : 0;
  // Only t' mod 2^(f + 5) is read below (the hi index is bits [f − 5,
  // f + 5) of t', the lo split the bits under them), so for f + 5 ≤ 32 the
  // clip may be right mod 2^32 only: 32-bit DPF lanes, half the work.
  LutOpen lc =
      narrowClip(f)
          ? lutIndexed32_open(ctx, t, f + kCoarseExp, kCoarseBits, clip)
          : lutIndexed_open(ctx, t, f + kCoarseExp, kCoarseBits, clip);
  exchangeOpenings(ctx, {&lc.open}, "exp_neg_lut clip");
  Shared tc = t - lut_finish(ctx, lc);
  // Round 2: hi and lo tables on the exact split t' = i_h·2^sh + r,
  // r = i_l·2^sl + r₂ (fss_index.h), both lookups in one round.
  const int sh = f - kHiGrid, sl = sh - (kLoBits - 2);
  detail::IndexSplit hi = detail::splitIndex(ctx, tc, sh);
  detail::IndexSplit lo = detail::splitIndex(ctx, hi.lo, sl);
  std::vector<uint64_t> th(size_t(1) << kHiBits), tl(size_t(1) << kLoBits);
  for (size_t i = 0; i < th.size(); ++i)
    th[i] = encodeFixed(std::exp(-std::ldexp(double(i), -kHiGrid)), kTabFrac);
  const int64_t half = int64_t(1) << (kLoBits - 1);
  for (int64_t j = -half; j < half; ++j)
    tl[size_t(j & (2 * half - 1))] =
        encodeFixed(std::exp(-std::ldexp(double(j), sl - f)), kTabFrac);
  // Signed lookups (1-bit DPF lanes, lut.h): shares of σ_h·E_h and σ_l·E_l,
  // both indices opened in one exchange.
  LutOpen lh = lutSigned_open(ctx, hi.idx, kHiBits, th);
  LutOpen ll = lutSigned_open(ctx, lo.idx, kLoBits, tl);
  exchangeOpenings(ctx, {&lh.open, &ll.open}, "exp_neg_lut");
  Shared eh = lut_finish(ctx, lh), el = lut_finish(ctx, ll);
  // Round 3: the product, 28 fractional bits (both factors opened once); the
  // dealer folds σ_h·σ_l into the triple (beaver.h, MaskedShare::sign).
  auto [mh, ml] = open_masked_pair(ctx, eh, el);
  mh.isSigned = ml.isSigned = true;
  mh.sign = std::move(lh.sign);
  ml.sign = std::move(ll.sign);
  Shared e = mul_ss(ctx, mh, ml);
  e.shape = t.shape;
  return {std::move(mh), std::move(ml), std::move(e)};
}

CommCost exp_neg_lut_cost(size_t n, int frac) {
  checkFrac(frac);
  CommCost c = (narrowClip(frac) ? lut32_cost(n, kCoarseBits)
                                 : lut_cost(n, kCoarseBits)) +
               lut_signed_cost(n, kHiBits) + lut_signed_cost(n, kLoBits) +
               open_masked_pair_cost(n) + mul_ss_masked_cost(n, true);
  c.rounds = n ? 3 : 0; // the two signed lookups share round 2
  return c;
}

} // namespace mpcvit::rt
