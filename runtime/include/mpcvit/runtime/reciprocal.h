//===- reciprocal.h - Reciprocal and reciprocal square root ----*- C++ -*-===//
//
// Both functions first normalise x into [1, 4) (the idea of SPU
// `fxp_approx.cc` / SIGMA: split off the exponent, approximate on the
// mantissa), then run Newton–Raphson from a minimax linear initial guess,
// then scale back:
//   1. K = 22 comparisons c_j = [x ≥ 4^j], j = −6..15, batched into one
//      DReLU call (A2B: 8 rounds, DCF: 1 round; compare.h); d_j = c_j − c_{j+1}
//      is the one-hot exponent.
//   2. x_norm = x · Σ_j d_j·4^(−j) (one mul_ss + exact dealer truncation;
//      the multiplier is encoded with 34 fractional bits, so no precision
//      is lost at either end of the range).
//   3. reciprocal: y ← y(2 − x y), y0 = 0.9755 − 0.1950x (relative error
//      0.22 → 3 iterations → 5.5e-6). rsqrt: y ← y(3 − x y²)/2,
//      y0 = 1.0620 − 0.1515x (0.09 → 3 iterations → 6e-8). Newton–Raphson
//      as in CrypTen `approximations.py`.
//   4. scale back with Σ_j d_j·4^(−j) resp. Σ_j d_j·2^(−j) (one mul_ss +
//      exact dealer truncation) to `outFrac` fractional bits.
// Input range: x ∈ [2^−12, 2^32) (at inFrac = 24: [2^−12, 2^30)).
// x < 2^−12 (including 0) gives 0 — which is what a ReLU-softmax row of
// zeros needs; larger x is out of range.
// Error (measured, f = 16): relative ≤ 2e-4 on [2^−8, 2^21] beyond the
// output quantisation (the input's own quantisation dominates below 2^−8).
//
// reciprocal_1to2: the caller promises x ∈ [1, 2] (e.g. 1 + e^(−t) in
// sigmoid.h), so steps 1, 2 and 4 are skipped: y0 = 24/17 − (8/17)x (the
// minimax linear start on [1, 2], relative error 1/17 ≈ 0.059), then
// 2 Newton–Raphson iterations (0.059 → 3.5e-3 → 1.2e-5). Error
// (measured, f = 16, test_sigmoid.cpp): ≤ 2.8e-5 absolute on [1, 2]
// (asserted bound 5e-5).
// No comparison at all: 4 rounds of mul_ss (+ truncations).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_RECIPROCAL_H
#define MPCVIT_RUNTIME_RECIPROCAL_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// 1/x for fixed-point x (f bits), result with `outFrac` fractional bits
/// (−1: f). outFrac ≤ 32.
Shared reciprocal(Context &ctx, const Shared &x, int outFrac = -1);
CommCost reciprocal_cost(TruncMode mode, size_t n, int frac, int outFrac = -1,
                         CompareMode cmp = kDefaultCompareMode);

/// 1/x for fixed-point x (f bits) known to lie in [1, 2] (not checked: a
/// value outside leaves Newton's convergence region and gives garbage; on
/// (0, 1) ∪ (2, 3) it still converges, more slowly). Result with f bits.
/// Cost: trunc(n) + 2 · (2 · mul_ss(n) + 2 · trunc(n)) (the session's
/// truncation `mode`): 4 rounds (Probabilistic), 9 (Exact).
Shared reciprocal_1to2(Context &ctx, const Shared &x);
CommCost reciprocal_1to2_cost(TruncMode mode, size_t n, int frac);

/// postScale/√x for fixed-point x with `inFrac` fractional bits (−1: f;
/// f ≤ inFrac ≤ 28), result with `outFrac` fractional bits (−1: f;
/// outFrac ≤ 32). postScale (public, e.g. √d in LayerNorm) is folded into
/// the final multiplier for free; 0 < postScale < 256 (else
/// std::invalid_argument).
Shared rsqrt(Context &ctx, const Shared &x, int outFrac = -1, int inFrac = -1,
             double postScale = 1.0);
CommCost rsqrt_cost(TruncMode mode, size_t n, int frac, int outFrac = -1,
                    int inFrac = -1, CompareMode cmp = kDefaultCompareMode);

} // namespace mpcvit::rt

#endif
