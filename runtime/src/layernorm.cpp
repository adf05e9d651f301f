//===- layernorm.cpp - Layer normalisation --------------------------------===//
#include "mpcvit/runtime/layernorm.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/trunc.h"

#include <cmath>

namespace mpcvit::rt {

namespace {
constexpr int kRFrac = 32;
constexpr int kExtra = 8; // extra fractional bits of the variance
} // namespace

Shared layer_norm(Context &ctx, const Shared &x, size_t rows, size_t d,
                  double eps, const Shared *gamma, const Shared *beta) {
  if (x.size() != rows * d || d == 0)
    throw std::invalid_argument("layer_norm: expected " + std::to_string(rows) +
                                "x" + std::to_string(d) + " elements, got " +
                                std::to_string(x.size()));
  const int f = ctx.frac();
  const uint64_t invd = encodeFixed(1.0 / double(d), f);
  Shared mu = trunc(ctx, mul_public(row_sum(x, rows, d), invd));
  Shared xc =
      x.reshaped(Shape{int64_t(rows), int64_t(d)}) - bcast_rows(mu, rows, d);
  // Σ (x − μ)² kept with f + 8 fractional bits (exact dealer truncation:
  // squares of large activations would make local truncation fail), and
  // 1/√(S/d + eps) = √d / √(S + d·eps) with √d folded into rsqrt.
  const int sf = f + kExtra;
  Shared sq = trunc_dealer(ctx, square(ctx, xc), 2 * f - sf);
  Shared S = row_sum(sq, rows, d);
  S = add_public(ctx, S, encodeFixed(eps * double(d), sf));
  Shared r = rsqrt(ctx, S, kRFrac, sf, std::sqrt(double(d)));
  Shared y = trunc_dealer(ctx, mul_ss_rows(ctx, xc, r, rows, d), kRFrac);
  if (gamma) {
    if (gamma->size() != d)
      throw std::invalid_argument("layer_norm: gamma must have d elements");
    Shared g(Shape{int64_t(rows), int64_t(d)}); // γ_j on every row
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < d; ++j)
        g[i * d + j] = (*gamma)[j];
    y = trunc(ctx, mul_ss(ctx, y, g));
  }
  if (beta) {
    if (beta->size() != d)
      throw std::invalid_argument("layer_norm: beta must have d elements");
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < d; ++j)
        y[i * d + j] += (*beta)[j];
  }
  y.shape = x.shape;
  return y;
}
CommCost layer_norm_cost(TruncMode mode, size_t rows, size_t d, int frac,
                         bool affine, CompareMode cmp) {
  const size_t n = rows * d;
  CommCost c = trunc_cost(mode, rows, frac) + square_cost(n) +
               trunc_dealer_cost(n, frac - kExtra) +
               rsqrt_cost(mode, rows, frac, kRFrac, frac + kExtra, cmp) +
               mul_ss_rows_cost(rows, d) + trunc_dealer_cost(n, kRFrac);
  if (affine)
    c += mul_ss_cost(n) + trunc_cost(mode, n, frac);
  return c;
}

} // namespace mpcvit::rt
