//===- layernorm.h - Layer normalisation -----------------------*- C++ -*-===//
//
// y = (x − μ)·rsqrt(σ² + eps)·γ + β per row of x[rows × d] (Ba et al.
// 2016). μ and σ² use public multiplications by 1/d (local); rsqrt is
// reciprocal.h's normalise-then-Newton protocol, kept with 32 fractional bits
// and applied with a broadcast Beaver triple plus an exact dealer
// truncation, so rows with large variance keep full precision.
// The variance sum S = Σ(x − μ)² is kept with f + 8 fractional bits and
// 1/√(S/d + eps) = √d·rsqrt(S + d·eps) (√d folded into rsqrt's final
// multiplier). Input range: d·(σ² + eps) ∈ [2^−12, 2^30) — the range where
// CrypTen's LayerNorm (≈ [0.1, 100]) fails on trained ViTs is covered.
// A constant row (σ² below range) gives β (x − μ = 0).
// γ, β are optional shared vectors [d] (server-private weights shared with
// `share`, or folded into the next linear by the compiler).
// Cost (ProtocolSuite::A2B, and DCF outside the limits below): square(n) +
//       exact trunc(n) + rsqrt(rows) + mul_ss_rows(rows, d) + exact
//       trunc(n) [+ mul_ss(n) + trunc(n) with γ], n = rows·d
//       (layer_norm_cost).
//
// ---- ProtocolSuite::FSS (6 ≤ f ≤ 24, d ≤ 2^16): table rsqrt, 5 rounds ------
// The exponent/mantissa split of SIGMA (Gupta et al., PETS 2024, LayerNorm:
// rsqrt from a float-like code into a 2^13 table) with the mantissa
// normalised by one product instead of encoded in the index, so all 13
// table bits go to the mantissa. Per row, with S = Σ(x − μ)² + d·eps:
//   μ     Σx · 1/d, 1/d with f bits (d a power of two: exact) or f + 8
//         bits (else), session truncation (0 rounds probabilistic);
//   R1    S with 2f fractional bits from square(x − μ), never truncated;
//   R2    c_j = [S ≥ 4^j], j = −6..J (J = min(15, 31 − f); 22 windows at
//         f ≤ 16), one batched DCF DReLU; d_j = c_j − c_{j+1} one-hot;
//   R3–R4 (lock-step, lockstep.h) branch A: x_n = S·Σ d_j 4^(−j) (mul_ss,
//         62 fractional bits, an exact ring product: x_n ∈ [1, 4)), then
//         r = T[i] by lutIndexed (lut.h) with i ∈ {⌊x_n·2^11⌋, ⌈x_n·2^11⌉}
//         (local index truncation, no wrap failure; i = 2^13 wraps to 0
//         and T[0] = T(4)), T[i] = √d/√(i·2^−11) with rf = 16 − ⌈log2 √d⌉
//         fractional bits; branch B: z = (x − μ)·Σ d_j 2^(−j) (mul_ss_rows;
//         |z| < 2), truncated to f + 4 bits, and with γ: z ⊙ γ (mul_ss_rows
//         on the transpose: one secret per column) truncated by f;
//   R5    y = z·r (mul_ss_rows), truncated by 4 + rf; then + β.
// y = (x − μ)·2^(−j)·γ·√d/√x_n = (x − μ)·γ/√(S/d). S < 2^−12 (constant
// rows) gives d_j = 0, hence y = β.
// Input range: d·(σ² + eps) ∈ [2^−12, 2^(63 − 2f)) ([2^−12, 2^31) at
// f = 16); above it S wraps and the output is garbage.
// Error: the table index is off by at most one grid step (2^−11), so r has
// relative error ≤ 2^−12 ≈ 2.44e-4 (at x_n = 1; 2^−14 at x_n = 4); μ's
// truncation shifts x − μ by ≤ 1 ulp; z, r and y add a few ulps. Model
// (test_layernorm_fss.cpp): |y − ref| ≤ 2.5e-4·|ref − β| + 1.5·2^−f·|γ|/σ
// + 1e-4, measured excess over the first two terms ≤ 2.4e-5 (f = 16).
// Measured max |y − ref| (f = 16): recorded fmnist-teacher LayerNorm inputs
// (1224 × 64) 6.2e-4, mean 3.0e-5 (the A2B protocol: 1.3e-4); random rows
// with σ ∈ [0.01, 300], outlier channels, d = 256/192: 8.8e-4–1.1e-3
// without γ (|y| up to ≈ 5).
// Probabilistic truncation (SecureML) on: μ (|μ|·2^(2f(+8))), z
// (< 2^(f+J+1) = 2^32), z·γ (< 2^(2f+5)·|γ|), y (< 2^(f+21)·|γ|): wrap
// failure ≈ 2^−26·|γ| per element, like the A2B protocol's γ product.
// Exact cost (layer_norm_cost): trunc(rows) + square(n) +
//   drelu(K·rows) + lockstep_cost({mul_ss(rows) + lut(rows, 13),
//   mul_ss_rows(rows, d) + trunc(n) [+ mul_ss_rows(d, rows) + trunc(n)]}) +
//   mul_ss_rows(rows, d) + trunc(n); K = J + 7. Probabilistic truncation:
//   5 rounds; bytes per party 8n + 8K·rows + 16·rows + 8(n + rows) +
//   ⌈13·rows/8⌉ [+ 8(n + d)] + 8(n + rows); dealer 8n + 3080·K·rows +
//   8·rows + 416·rows + 8n [+ 8n] + 32 + 8n (+ exact truncations' bytes in
//   TruncMode::Exact, 9 rounds).
// vit_7_4_32 (65 × 256, γ, f = 16): 5 rounds, 548,154 B per party, dealer
// 4,964,472 B (before: 19 rounds, 821,600 B, 5.16 MB); 89% of the dealer
// bytes are the 22·rows FSS protocols.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_LAYERNORM_H
#define MPCVIT_RUNTIME_LAYERNORM_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

Shared layer_norm(Context &ctx, const Shared &x, size_t rows, size_t d,
                  double eps = 1e-5, const Shared *gamma = nullptr,
                  const Shared *beta = nullptr);
CommCost layer_norm_cost(TruncMode mode, size_t rows, size_t d, int frac,
                         bool affine, ProtocolSuite cmp = kDefaultProtocols);

} // namespace mpcvit::rt

#endif
