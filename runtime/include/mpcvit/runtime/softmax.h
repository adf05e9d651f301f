//===- softmax.h - Attention normalisations (softmax family) ---*- C++ -*-===//
//
// Row-wise over x[rows × cols] (attention scores, fixed point with f bits).
// One reciprocal per row (not per element); the row scaling uses a
// broadcast Beaver triple (mul_ss_rows) and an exact dealer truncation
// because the reciprocal is kept with 32 fractional bits (precision for
// large row sums).
//
// * softmax:      max-subtract (exact tree max), exp_neg (r = 8), row sum,
//                 reciprocal, scale. Input range: x − rowmax ≥ −256 (the
//                 exp range); row sums in [1, cols]. Source: standard
//                 (CrypTen `softmax`), PROTOCOLS.md.
// * relu_softmax: ReLU(x) / (Σ_row ReLU(x) + eps) (MPCViT RSAttn, Zeng et
//                 al. ICCV 2023). A row whose ReLU sum is below 2^−12 gives
//                 exactly-shared zeros (±1 ulp), never garbage: ReLU(x) is
//                 exactly 0 there and the reciprocal returns 0 below its
//                 range. Row sums up to 2^22.
// * two_relu:     ReLU(x) / Σ_row ReLU(x) (MPCFormer 2ReLU, Li et al. ICLR
//                 2023) = relu_softmax with eps = 0.
// * two_quad:     (x + c)² / Σ_row (x + c)², c = 5 (MPCFormer 2Quad).
// * scale_attn:   x / N (MPCViT ScaleAttn): public multiply, local.
// Costs are exact sums of the parts (see the *_cost functions); the max,
// ReLU and the reciprocal's range reduction use the session's comparison
// backend (compare.h), which every *_cost takes as `cmp`.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SOFTMAX_H
#define MPCVIT_RUNTIME_SOFTMAX_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

Shared softmax(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                      CompareMode cmp = kDefaultCompareMode);

Shared relu_softmax(Context &ctx, const Shared &x, size_t rows, size_t cols,
                    double eps = 0.0);
CommCost relu_softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                           CompareMode cmp = kDefaultCompareMode);

Shared two_relu(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost two_relu_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       CompareMode cmp = kDefaultCompareMode);

Shared two_quad(Context &ctx, const Shared &x, size_t rows, size_t cols,
                double c = 5.0);
CommCost two_quad_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       CompareMode cmp = kDefaultCompareMode);

/// x / N with public N (local: multiply by round(2^f/N), truncate).
Shared scale_attn(Context &ctx, const Shared &x, double N);
CommCost scale_attn_cost(TruncMode mode, size_t n, int frac);

} // namespace mpcvit::rt

#endif
