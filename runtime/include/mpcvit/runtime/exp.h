//===- exp.h - Exponential by repeated squaring ----------------*- C++ -*-===//
//
// exp(x) ≈ (1 + x/2^r)^(2^r): one truncation by r bits, then r squarings
// (each followed by a truncation). Source: CrypTen `approximations.py`
// (`exp`, "limit approximation"), PROTOCOLS.md.
// Accurate for x ∈ [−2^r, 0] (the softmax case, after max-subtraction);
// for x < −2^r the base turns negative and the result is wrong; for x > 0
// the error grows like x²/2^(r+1)·e^x. At r = 8, f = 16 the measured
// absolute error on [−16, 0] is ≤ 2e-3 (tests), the relative error at
// x = −2 is ≈ 1.5%.
// Cost: r · (square_cost(n) + trunc_cost(n)) + trunc_cost(n).
//
// ---- exp_neg_lut: exp(−t) from lookup tables (FSS backend) ----------------
// Source: SIGMA (Gupta et al., "SIGMA: Secure GPT Inference with Function
// Secret Sharing", PETS 2024, nExp: clip, then exp(−hi)·exp(−lo) from two
// 8-bit tables); the tables are Pika-style DPF lookups (Wagh, PETS 2022;
// lut.h). This code is independent of both (10-bit tables here: SIGMA's
// 8-bit ones move the fmnist teacher's logits more than the old
// exponential did). Input t ≥ 0 with f = ctx.frac() fractional bits
// (13 ≤ f ≤ 40), output exp(−t) with kExpLutFrac = 28 fractional bits (a
// raw product of two 14-bit table values, not truncated). All index
// arithmetic is local and exact (no wrap failure): a value x is split into
// a grid index i and an exact residual lo, x = i·2^s + lo, |lo| < 2^s,
// from the shares alone (runtime/src/fss_index.h; lut.h, lutIndexed).
//   round 1  clip: coarse index ic of t on a grid of 4 (8 bits) and
//            K = T_c[ic] = 4·max(0, ic − 5); t' = t − K. Then t' = t for
//            t ≤ 20, and t' ∈ (16, 24) for t > 20 (so exp(−t') < 1.2e-7:
//            the clipped elements are ≈ 0, as they should be). Only t' mod
//            2^(f+5) is read later, so for f ≤ 27 K comes from 32-bit DPF
//            lanes, right mod 2^32 only (lut.h, lutIndexed32_open; half the
//            work of 64-bit lanes); f > 27: lutIndexed.
//   round 2  (both lookups in one exchange) signed lookups with 1-bit DPF
//            lanes (lut.h, lutSigned_open; shares of σ·T[i], σ known to the
//            dealer only):
//            t' = i_h·2^(f−5) + r, i_h ∈ [0, 2^10) (grid 1/32, covers
//            t' < 31.97), r ∈ (−1/32, 1/32) exact; E_h = T_h[i_h] =
//            exp(−i_h/32)·2^14; r = i_l·2^(f−13) + r₂ with
//            i_l ∈ [−256, 256] (grid 2^−13, a 10-bit periodic signed
//            table), E_l = T_l[i_l] = exp(−i_l·2^−13)·2^14.
//   round 3  E = E_h · E_l (mul_ss of the two opened signed factors; the
//            dealer folds σ_h·σ_l into the triple, beaver.h), kept with 28
//            fractional bits.
// Input range: 0 ≤ t ≤ 1020 (= 255 coarse steps). Larger t wraps the coarse
// index; the result is then still a bounded value in [0, 1.04], not exp(−t).
// t = 0 exactly (the row max in softmax) gives exactly 2^28 (= 1).
// Error (analysis): the exponent is off by |r₂| < 2^−13 (stochastic
// rounding of i_l) → relative error < 1.3e-4, plus the tables' rounding
// 2^−15 each → |E − exp(−t)| < 1.3e-4·exp(−t) + 6.2e-5; E ≤ exp(2^−13)·
// (1 + 2^−13) ≤ 1.0003 for every t ≥ 0. Measured (test_softmax_fss.cpp,
// f = 16, t ∈ [0, 1020]): max |E − exp(−t)| = 1.1e-4, max E = 1.
// Cost (exact, exp_neg_lut_cost): lut32_cost(n, 8) (lut_cost for f > 27)
// + 2·lut_signed_cost(n, 10) + open_masked_pair_cost(n) +
// mul_ss_masked_cost(n, signed): 3 rounds, n + 2⌈10n/8⌉ + 16n bytes per
// party (19.5 B/element), dealer 224n + 2·128n + 32n = 512n bytes. Local
// work per element and party: 190 AES blocks (8-bit, 32-bit lanes) + 2 × 22
// (10-bit, 1-bit lanes) plus the inner products (lut.h).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_EXP_H
#define MPCVIT_RUNTIME_EXP_H

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// Element-wise exp of a fixed-point (f bits) shared tensor; r squarings.
Shared exp_neg(Context &ctx, const Shared &x, int r = 8);
CommCost exp_neg_cost(TruncMode mode, size_t n, int frac, int r = 8);

/// Fractional bits of exp_neg_lut's output.
inline constexpr int kExpLutFrac = 28;
/// Largest input (real value) for which exp_neg_lut is exp(−t).
inline constexpr double kExpLutMaxInput = 1020.0;
/// exp(−t) for t ≥ 0 (ctx.frac() bits, 13 ≤ f ≤ 40, else
/// std::invalid_argument) with kExpLutFrac fractional bits; 3 rounds.
Shared exp_neg_lut(Context &ctx, const Shared &t);
CommCost exp_neg_lut_cost(size_t n, int frac);

/// exp_neg_lut keeping its last round's two opened factors (e = hi ⊙ lo,
/// kTabFrac = 14 fractional bits each): a later product of e with a per-row
/// value reuses them instead of opening e (softmax_fss, beaver.h's
/// three-factor mul_ss_rows). Same cost as exp_neg_lut.
struct ExpNegLut {
  MaskedShare hi, lo;
  Shared e; ///< hi ⊙ lo, kExpLutFrac bits, the shape of t
};
ExpNegLut exp_neg_lut_open(Context &ctx, const Shared &t);

} // namespace mpcvit::rt

#endif
