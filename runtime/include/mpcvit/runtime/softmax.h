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
// softmax under ProtocolSuite::FSS runs softmax_fss instead (below), both in
// rt::softmax and in kernels::softmax (what mpc.softmax runs).
//
// ---- softmax_fss: the FSS-backend softmax from lookup tables ---------------
// Source: SIGMA (Gupta et al., "SIGMA: Secure GPT Inference with Function
// Secret Sharing", PETS 2024, softmax = max tree, nExp from two tables, row
// sum, inverse from a table, product + truncation); lookups are Pika-style
// DPF tables (Wagh, PETS 2022; lut.h). Independent code. For x[rows × cols]
// with f = ctx.frac() fractional bits (13 ≤ f ≤ 40):
//   1. m = max_rows(x) (DCF tree, ⌈log2 cols⌉ rounds), t = m − x ≥ 0, exact.
//   2. E = exp_neg_lut(t) (exp.h: clip, two tables, one product; 3 rounds),
//      28 fractional bits, E = 1 exactly at the row max.
//   3. s = Σ_row E (local), s ∈ [1, 1.001·cols].
//   4. y = inverse_lut(s, 28, 1.001·cols, 32) (inverse.h: one signed
//      13-bit lookup read in two tables and a first-order correction, 2
//      rounds; y = σ/s with a dealer-known sign σ) if 1.001·cols ≤ 256;
//      else (longer rows) y = reciprocal(trunc_dealer(s, 28 − f), 32)
//      (reciprocal.h).
//   5. out = trunc_dealer(mul_ss_rows(E_h, E_l, y), 60 − f) (2 rounds; the
//      three-factor product absorbs the signs of E_h, E_l and y).
// Cost (exact, softmax_fss_cost): max_rows_cost(rows, cols, DCF) +
// exp_neg_lut_cost(n, f) + inverse_lut_cost(rows, 28, 1.001·cols, 32)
// [or trunc_dealer_cost(rows, 28 − f) + reciprocal_cost(mode, rows, f, 32,
// DCF)] + mul_ss_rows_cost(rows, cols) + trunc_dealer_cost(n, 60 − f).
// For cols = 65: 7 + 3 + 2 + 2 = 14 rounds, 43.8 bytes per element and
// party (max tree 7.9, tables 3.5, E product 16, inverse 0.3, final
// product and truncation 16.1), dealer 4.99 KB per element, of which the
// DCF max tree is 4.05 KB (84.3 MB for vit_7_4_32's 4 x 65 x 65).
// Input range: x - rowmax >= -1020 (exp.h).
// Error (the parts' bounds, exp.h and inverse.h): |out - softmax(x)| is
// a few 1e-4 at most (exp: stochastic exponent rounding < 1.3e-4
// relative; inverse: <= 6.6e-5 relative at cols = 65, 1.2e-3 at 255).
// Measured (test_softmax_fss.cpp, f = 16): max abs error 4.5e-5 on random
// and edge rows of 17 and 65 columns, 3.5e-4 at 300 columns (rows longer
// than 255 take reciprocal's windowed tables, relative error < 2^-11,
// reciprocal.h), 1.3e-4 on the 2176 x 17 attention scores recorded from
// the trained fmnist teacher (the A2B path with the precise exponential:
// 1.6e-4); asserted <= 2.5e-4 (<= 6e-4 beyond 255 columns) and 5e-4.
//
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
                      ProtocolSuite cmp = kDefaultProtocols);

/// The FSS softmax (above), whatever the session's comparison mode (its
/// max tree uses the session's backend; the documented costs assume DCF).
/// Throws std::invalid_argument unless 13 <= ctx.frac() <= 40.
Shared softmax_fss(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost softmax_fss_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                          ProtocolSuite cmp = ProtocolSuite::FSS);
/// Whether softmax / kernels::softmax take the FSS path: cmp == DCF and
/// 13 <= frac <= 40.
bool softmax_uses_fss(ProtocolSuite cmp, int frac);

Shared relu_softmax(Context &ctx, const Shared &x, size_t rows, size_t cols,
                    double eps = 0.0);
CommCost relu_softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                           ProtocolSuite cmp = kDefaultProtocols);

Shared two_relu(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost two_relu_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       ProtocolSuite cmp = kDefaultProtocols);

Shared two_quad(Context &ctx, const Shared &x, size_t rows, size_t cols,
                double c = 5.0);
CommCost two_quad_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       ProtocolSuite cmp = kDefaultProtocols);

/// x / N with public N (local: multiply by round(2^f/N), truncate).
Shared scale_attn(Context &ctx, const Shared &x, double N);
CommCost scale_attn_cost(TruncMode mode, size_t n, int frac);

} // namespace mpcvit::rt

#endif
