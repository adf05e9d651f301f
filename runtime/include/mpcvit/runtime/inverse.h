//===- inverse.h - 1/s on a bounded range from lookup tables ---*- C++ -*-===//
//
// inverse_lut: y ≈ 1/s for a shared s ∈ [1, maxValue] (maxValue ≤ 256),
// e.g. the row sums of a softmax (≥ 1 because the row max contributes
// exp(0) = 1 exactly, ≤ cols·max exp). Used by the FSS softmax
// (softmax.h). Source: SIGMA (Gupta et al., PETS 2024, softmax: "inverse" =
// a table of 1/s after a local truncation, 2^(⌈log2 L⌉+6) entries), with
// Pika-style DPF lookups (Wagh, PETS 2022; lut.h); the first-order
// correction below is ours (SIGMA has none).
//
// Protocol (inFrac fractional bits in, outFrac out; all index arithmetic
// local and exact, runtime/src/fss_index.h):
//   local    s_c = c·s for a public integer c ∈ [2^10, 2^11) (or larger for
//            small inFrac), then the exact split s_c = i·2^sh + lo_c,
//            |lo_c| < 2^sh, i ∈ [0, 8191]: a 13-bit grid over [0, 8191·δ]
//            ⊇ [0, maxValue] with δ = 2^sh/(c·2^inFrac) ≈ maxValue/8191
//            (δ = 0.0079 for maxValue = 65). lo' = lo_c / 2^k (k = sh − 12,
//            local shift of small shares, ±1, no wrap).
//   round 1  σ·T1[i] and σ·T2[i] with T1[i] = 1/g and T2[i] =
//            2^(k+outFrac−inFrac)/(c·g²) at grid point g = i·δ: ONE signed
//            lookup with 1-bit DPF lanes read in two tables
//            (lutSignedTables_open, lut.h; SIGMA's LUT), σ ∈ {±1} known to
//            the dealer only.
//   round 2  y = σ·(T1 − lo'·T2) (mul_ss; σ is inside the factor) = σ·(1/g
//            − lo/g²), the first-order Taylor term of 1/(g + lo), lo = s −
//            g ∈ (−δ, δ).
// The output is signed: the parties hold σ ⊙ (1/s), the dealer σ
// (SignedInverse::sign); a Beaver product absorbs σ into its correlated
// randomness at no online cost (beaver.h, three-factor mul_ss_rows with
// zSigned; softmax.h).
// Error: |y·s − 1| ≤ (δ/(1 − δ))² (the second-order term; g ≥ 1 − δ)
// plus T2's rounding, ≤ 2^(11−outFrac) absolute on y (|lo'| < 2^12 times
// half a unit), i.e. ≤ 2^(11−outFrac)·maxValue relative: at outFrac = 32,
// ≤ 6.6e-5 relative for maxValue = 65 (measured 4.7e-5), ≤ 1.2e-3 for 256
// (measured 6.4e-4 at 255; test_softmax_fss.cpp). s < 1 or s > maxValue:
// wrong (no clipping); s ≥ 8192·δ wraps the index.
// Cost (exact, inverse_lut_cost): lut_signed_cost(n, 13) + mul_ss_cost(n):
// 2 rounds, ⌈13n/8⌉ + 16n bytes per party, dealer 2·112n + 8n = 232n bytes
// (with two 64-bit-lane lookups it was 2⌈13n/8⌉ + 16n and 840n + 32).
// Local work: 3·2^6 − 2 = 190 AES blocks per element and party plus
// 2·2^13 masked additions (64-bit lanes: 2 × 12286 blocks and 2·2^13
// multiply-adds) — meant for one value per row, not per element.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_INVERSE_H
#define MPCVIT_RUNTIME_INVERSE_H

#include "mpcvit/runtime/sharing.h"

#include <vector>

namespace mpcvit::rt {

/// Largest maxValue inverse_lut accepts (δ ≤ 1/32, relative error ≤ 1e-3).
inline constexpr double kInverseLutMaxValue = 256.0;

/// 1/s for s ∈ [1, maxValue] with inFrac fractional bits in, outFrac out
/// (1 ≤ maxValue ≤ kInverseLutMaxValue, 0 ≤ inFrac ≤ 40, outFrac ≤ 40,
/// maxValue·2^(inFrac+11) < 2^52; else std::invalid_argument). 2 rounds.
/// The result is signed (SignedInverse).
/// σ ⊙ (1/s) (see the file comment): `y` the parties' shares, `sign` the
/// dealer's σ (1 or 2^64 − 1 per element; empty on the parties).
struct SignedInverse {
  Shared y;
  std::vector<uint64_t> sign;
};
SignedInverse inverse_lut(Context &ctx, const Shared &s, int inFrac,
                          double maxValue, int outFrac);
CommCost inverse_lut_cost(size_t n, int inFrac, double maxValue, int outFrac);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_INVERSE_H
