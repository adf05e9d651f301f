//===- reciprocal.h - Reciprocal and reciprocal square root ----*- C++ -*-===//
//
// ---- ProtocolSuite::A2B (and DCF outside 12 ≤ F ≤ 28): normalise + Newton ---
// F = the input's fractional bits (reciprocal: f; rsqrt: inFrac).
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
// Input range: x ∈ [2^−12, 2^32) (at F = 24: [2^−12, 2^30)).
// x < 2^−12 (including 0) gives 0 — which is what a ReLU-softmax row of
// zeros needs; larger x is out of range.
// Error (measured, f = 16): relative ≤ 2e-4 on [2^−8, 2^21] beyond the
// output quantisation (the input's own quantisation dominates below 2^−8).
// Cost: reciprocal_cost / rsqrt_cost; reciprocal at f = 16: A2B 18 rounds
// (local truncation) / 25 (exact); this protocol with FSS protocols (the
// former DCF path) 11 / 18 rounds and ≈ 68 kB dealer bytes per element.
//
// ---- ProtocolSuite::FSS, 12 ≤ F ≤ 28: windowed tables, 2 rounds
// -------------- The exponent split of SIGMA (Gupta et al., "SIGMA: Secure GPT
// Inference with Function Secret Sharing", PETS 2024: inverse / rsqrt by a
// lookup table after normalising the mantissa) with lookup tables from a DPF
// evaluated on the whole domain (Pika, Wagh, PETS 2022; lut.h), rearranged
// so that no normalising product and no scale-back product is needed: the
// mantissa of window j is read off x by a shift, so each window has its
// own table, and the tables hold g(x) itself (1/x resp. postScale/√x) with
// `outFrac` fractional bits, so their outputs need no rescaling.
//   Window j = −6..15 is x ∈ [4^j, 4^(j+1)): raw values [2^(2j+F),
//   2^(2j+F+2)). Its table has b_j = min(13, 2j + F + 2) index bits and
//   shift s_j = max(0, 2j + F + 2 − 13): index i = ⌊x/2^s_j⌋ mod 2^b_j
//   (lutIndexed, lut.h), entry T_j[i] = g(i·2^(s_j−F)) (entries below the
//   window's bottom 2^(b_j−2) clamp to it; with s_j > 0 entry 0 holds the
//   top, 2^b_j, where x just below 4^(j+1) may round up to).
//   Round 1 (one exchange): the DCF sign key's x̂ = x + r (8 bytes), from
//     which c_j = [x ≥ 4^j] for all 22 j (SignGroup::shifts: one key,
//     22 evaluations), and the 22 signed tables' masked indices
//     (⌈n·b_j/8⌉ bytes each; lut.h, lutIndexedSigned_open: 1-bit DPF lanes,
//     shares of σ_j·T_j[i_j] with σ_j known to the dealer only).
//     d_j = c_j − c_{j+1} (c_16 = 0) is the one-hot window.
//   Round 2: 22 signed selects (select.h) of d_j and σ_j·T_j[i_j], one
//     exchange (1 bit + 8 bytes each): y = Σ_j d_j · T_j[i_j]; the sum has
//     outFrac bits: no truncation in either truncation mode.
// Opened: x + r (the sign key's uniform mask), each table's index plus
// its own uniform mask mod 2^b_j, and per window a bit XOR a fresh uniform
// bit and a value under a fresh Beaver mask (select.h); nothing else.
// Input range and semantics as above: x ∈ [2^−12, 2^32) (all c_j = 0 below
// 2^−12, including 0 and negative x: y = 0 exactly, which ReLU-softmax rows
// of zeros rely on); x ≥ 2^32 is out of range (window 15's table at the
// wrong index).
// Error: the index is ⌊x/2^s⌋ or ⌈x/2^s⌉ (lut.h), less than one grid step
// 2^s from x, and the window starts at 2^(s+11) raw, so the grid point x_i
// has |x_i − x|/x_i < 2^−11: reciprocal relative error < 2^−11 ≈ 4.88e-4,
// rsqrt < ≈ 2^−12 ≈ 2.44e-4, plus ½ output ulp (the table's rounding);
// windows with s_j = 0 (x < 2^(11−F), e.g. x < 2^−5 at F = 16) are exact
// up to that rounding. Measured (f = 16, test_reciprocal_fss.cpp, 1500
// log-uniform points on [2^−8, 2^21] + 400 on [2^−12, 2^30) + every
// boundary 4^j ± 1 ulp), beyond one output ulp: reciprocal ≤ 4.5e-4
// (asserted 4.9e-4), rsqrt ≤ 2.3e-4 (asserted 2.5e-4); on the row sums of
// the recorded fmnist ReLU-softmax scores 4.3e-4.
// Cost for n elements (exact, reciprocal_cost / rsqrt_cost in DCF mode,
// independent of the truncation mode and of outFrac), with b_j = 6, 8, 10,
// 12 and 18 × 13 at F = 16:
//   rounds  2 (0 if n = 0);
//   online  8n + Σ_j ⌈n·b_j/8⌉ + 22·(⌈n/8⌉ + 8n) bytes per party
//           (248 B at F = 16 and n = 1, → 219.75n for large n; with gated
//           64-bit-lane tables it was 44.5n, with 22 products 393.75n);
//   dealer  3080n (one DCF sign key per element, sign_dcf_cost)
//           + Σ_j 2·16·max(1, b_j − 6)·n (lut_signed_cost) + 22·32n
//           (select_cost) = 8232 B per element at F = 16 (gated: 12 424).
// Local work per element and party: 22 evaluations of a 63-bit DCF and 22
// full-domain 1-bit-lane DPF evaluations (Σ_j 3·2^(b_j−7) − 2 ≈ 3.5·10^3
// AES blocks at F = 16) plus Σ_j 2^b_j masked additions: the runtime
// bench's FSS ReLU-softmax on 260 rows of 65 went from 231 to 29 ms
// (64-bit lanes: ≈ 2.3·10^5 blocks).
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
/// (−1: f). outFrac ≤ 32. ProtocolSuite::FSS with 12 ≤ f ≤ 28: windowed
/// tables, 2 rounds (file comment); otherwise normalise + Newton.
Shared reciprocal(Context &ctx, const Shared &x, int outFrac = -1);
CommCost reciprocal_cost(TruncMode mode, size_t n, int frac, int outFrac = -1,
                         ProtocolSuite cmp = kDefaultProtocols);

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
/// the final multiplier (DCF tables: into the entries) for free;
/// 0 < postScale < 256 (else std::invalid_argument). ProtocolSuite::FSS with
/// 12 ≤ inFrac ≤ 28: windowed tables, 2 rounds, same cost as reciprocal.
Shared rsqrt(Context &ctx, const Shared &x, int outFrac = -1, int inFrac = -1,
             double postScale = 1.0);
CommCost rsqrt_cost(TruncMode mode, size_t n, int frac, int outFrac = -1,
                    int inFrac = -1, ProtocolSuite cmp = kDefaultProtocols);

} // namespace mpcvit::rt

#endif
