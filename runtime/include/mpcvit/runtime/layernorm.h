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
// Cost: square(n) + exact trunc(n) + rsqrt(rows) + mul_ss_rows(rows, d) +
//       exact trunc(n) [+ mul_ss(n) + trunc(n) with γ], n = rows·d
//       (layer_norm_cost).
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
                         bool affine, CompareMode cmp = kDefaultCompareMode);

} // namespace mpcvit::rt

#endif
