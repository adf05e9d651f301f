//===- layernorm.cpp - Layer normalisation --------------------------------===//
#include "mpcvit/runtime/layernorm.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/lockstep.h"
#include "mpcvit/runtime/lut.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/trunc.h"

#include <cmath>
#include <vector>

namespace mpcvit::rt {

namespace {
constexpr int kRFrac = 32;
constexpr int kExtra = 8; // extra fractional bits of the variance

// ---- ProtocolSuite::FSS: table-based rsqrt (layernorm.h) --------------------
constexpr int kWMin = -6;    // first window: S ∈ [4^−6, 4^−5)
constexpr int kLutBits = 13; // rsqrt table on the mantissa x_n ∈ [1, 4)
constexpr int kNFrac = 62;   // fractional bits of x_n = S · 4^(−j)
constexpr int kZExtra = 4;   // z = (x − μ)·2^(−j) kept with f + 4 bits
constexpr int kRBits = 16; // r = √d/√x_n ∈ (√d/2, √d] below 2^16 raw

bool dcfPath(ProtocolSuite cmp, int f, size_t d) {
  return cmp == ProtocolSuite::FSS && f >= 6 && f <= 24 &&
         d <= (size_t(1) << 16);
}
int wMax(int f) { return std::min(15, 31 - f); }
int numWindows(int f) { return wMax(f) - kWMin + 1; }
// r = √d · T[x_n] has rFrac fractional bits: ⌈log2 √d⌉ + rFrac = kRBits.
int rFrac(size_t d) {
  int l = 0;
  while (std::ldexp(1.0, l) < std::sqrt(double(d)))
    ++l;
  return kRBits - l;
}

int muFrac(int f, size_t d) { return (d & (d - 1)) == 0 ? f : f + 8; }

Shared transpose(const Shared &x, size_t rows, size_t cols) {
  Shared t(Shape{int64_t(cols), int64_t(rows)});
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j)
      t[j * rows + i] = x[i * cols + j];
  return t;
}

Shared layer_norm_dcf(Context &ctx, const Shared &x, size_t rows, size_t d,
                      double eps, const Shared *gamma) {
  const int f = ctx.frac(), jMax = wMax(f), K = numWindows(f);
  const int fm = kNFrac - 2 * f, fu = jMax, rf = rFrac(d);
  // μ = Σx · 1/d; 1/d with f + 8 fractional bits unless d is a power of
  // two (exact at f bits), so that μ's error does not grow with μ/σ.
  const int mf = muFrac(f, d);
  const uint64_t invd = encodeFixed(1.0 / double(d), mf);
  Shared mu = trunc(ctx, mul_public(row_sum(x, rows, d), invd), mf);
  Shared xc =
      x.reshaped(Shape{int64_t(rows), int64_t(d)}) - bcast_rows(mu, rows, d);
  // Round 1: S = Σ (x − μ)² + d·eps with 2f fractional bits, untruncated
  // (comparisons and the table index below work on any ring value). x − μ
  // is opened once under a Beaver mask, reused by the product with u.
  MaskedShare xm = open_masked(ctx, xc);
  Shared S = row_sum(square(ctx, xm), rows, d);
  S = add_public(ctx, S, encodeFixed(eps * double(d), 2 * f));
  // Round 2: c_j = [S ≥ 4^j], j = kWMin..jMax, one DCF batch; one-hot d_j.
  Shared diff(Shape{int64_t(rows * K)});
  for (size_t i = 0; i < rows; ++i)
    for (int j = 0; j < K; ++j) {
      uint64_t t = uint64_t(1) << (2 * (kWMin + j) + 2 * f);
      diff[i * K + j] = S[i] - (ctx.party() == 0 ? t : 0);
    }
  Shared c = drelu(ctx, diff);
  Shared m(Shape{int64_t(rows)}), u(Shape{int64_t(rows)});
  for (size_t i = 0; i < rows; ++i) {
    uint64_t am = 0, au = 0;
    for (int j = 0; j < K; ++j) {
      uint64_t dj = c[i * K + j] - (j + 1 < K ? c[i * K + j + 1] : 0);
      am += dj * (uint64_t(1) << (fm - 2 * (kWMin + j)));
      au += dj * (uint64_t(1) << (fu - (kWMin + j)));
    }
    m[i] = am;
    u[i] = au;
  }
  // Table of r = √d/√x_n at grid point x_n = i·2^(−11) (index i ∈ [2^11,
  // 2^13]; 2^13 wraps to 0). Indices below 2^11 are never used.
  const int step = kLutBits - 2; // x_n ∈ [1, 4) spans 3/4 of the index range
  std::vector<uint64_t> table(size_t(1) << kLutBits);
  const size_t lo = size_t(1) << step;
  for (size_t i = 0; i < table.size(); ++i) {
    size_t g = i == 0 ? table.size() : std::max(i, lo);
    double xn = std::ldexp(double(g), -step);
    table[i] = encodeFixed(std::sqrt(double(d) / xn), rf);
  }
  Shared r, w;
  runLockstep(ctx, {[&] {
                      // Rounds 3–4: x_n = S·4^(−j) with 62 fractional bits
                      // (exact ring product, never truncated), then r = T[⌊x_n
                      // / 2^51⌉].
                      Shared xn = mul_ss(ctx, S, m);
                      r = lutIndexed(ctx, xn, kNFrac - step, kLutBits, table);
                    },
                    [&] {
                      // z = (x − μ)·2^(−j) ∈ (−2, 2) with f + 4 bits, then z·γ.
                      Shared z = trunc(ctx, mul_ss_rows(ctx, xm, u, rows, d),
                                       fu - kZExtra);
                      if (gamma) {
                        Shared zg = mul_ss_rows(ctx, transpose(z, rows, d),
                                                *gamma, d, rows);
                        w = transpose(trunc(ctx, zg, f), d, rows);
                      } else {
                        w = std::move(z);
                      }
                    }});
  // Round 5: y = w · r, back to f bits.
  return trunc(ctx, mul_ss_rows(ctx, w, r, rows, d), kZExtra + rf);
}
} // namespace

Shared layer_norm(Context &ctx, const Shared &x, size_t rows, size_t d,
                  double eps, const Shared *gamma, const Shared *beta) {
  if (x.size() != rows * d || d == 0)
    throw std::invalid_argument("layer_norm: expected " + std::to_string(rows) +
                                "x" + std::to_string(d) + " elements, got " +
                                std::to_string(x.size()));
  if (gamma && gamma->size() != d)
    throw std::invalid_argument("layer_norm: gamma must have d elements");
  if (beta && beta->size() != d)
    throw std::invalid_argument("layer_norm: beta must have d elements");
  const int f = ctx.frac();
  if (dcfPath(ctx.config().protocols, f, d)) {
    Shared y = layer_norm_dcf(ctx, x, rows, d, eps, gamma);
    if (beta)
      for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < d; ++j)
          y[i * d + j] += (*beta)[j];
    y.shape = x.shape;
    return y;
  }
  const uint64_t invd = encodeFixed(1.0 / double(d), f);
  Shared mu = trunc(ctx, mul_public(row_sum(x, rows, d), invd));
  Shared xc =
      x.reshaped(Shape{int64_t(rows), int64_t(d)}) - bcast_rows(mu, rows, d);
  // Σ (x − μ)² kept with f + 8 fractional bits (exact dealer truncation:
  // squares of large activations would make local truncation fail), and
  // 1/√(S/d + eps) = √d / √(S + d·eps) with √d folded into rsqrt.
  const int sf = f + kExtra;
  // x − μ is opened once under a Beaver mask, reused by the product with r.
  MaskedShare xm = open_masked(ctx, xc);
  Shared sq = trunc_dealer(ctx, square(ctx, xm), 2 * f - sf);
  Shared S = row_sum(sq, rows, d);
  S = add_public(ctx, S, encodeFixed(eps * double(d), sf));
  Shared r = rsqrt(ctx, S, kRFrac, sf, std::sqrt(double(d)));
  Shared y = trunc_dealer(ctx, mul_ss_rows(ctx, xm, r, rows, d), kRFrac);
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
                         bool affine, ProtocolSuite cmp) {
  const size_t n = rows * d;
  if (dcfPath(cmp, frac, d)) {
    const int K = numWindows(frac), fu = wMax(frac);
    CommCost b =
        mul_ss_rows_masked_cost(rows, d) + trunc_cost(mode, n, fu - kZExtra);
    if (affine)
      b += mul_ss_rows_cost(d, rows) + trunc_cost(mode, n, frac);
    return trunc_cost(mode, rows, muFrac(frac, d)) + square_cost(n) +
           drelu_cost(rows * K, cmp) +
           lockstep_cost({mul_ss_cost(rows) + lut_cost(rows, kLutBits), b}) +
           mul_ss_rows_cost(rows, d) + trunc_cost(mode, n, kZExtra + rFrac(d));
  }
  CommCost c = trunc_cost(mode, rows, frac) + square_cost(n) +
               trunc_dealer_cost(n, frac - kExtra) +
               rsqrt_cost(mode, rows, frac, kRFrac, frac + kExtra, cmp) +
               mul_ss_rows_masked_cost(rows, d) + trunc_dealer_cost(n, kRFrac);
  if (affine)
    c += mul_ss_cost(n) + trunc_cost(mode, n, frac);
  return c;
}

} // namespace mpcvit::rt
