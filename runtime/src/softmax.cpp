//===- softmax.cpp - Attention normalisations -----------------------------===//
#include "mpcvit/runtime/softmax.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/exp.h"
#include "mpcvit/runtime/inverse.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt {

namespace {
constexpr int kInvFrac = 32; // fractional bits of the per-row reciprocal

void checkRC(const Shared &x, size_t rows, size_t cols, const char *what) {
  if (x.size() != rows * cols || rows == 0 || cols == 0)
    throw std::invalid_argument(
        std::string(what) + ": expected " + std::to_string(rows) + "x" +
        std::to_string(cols) + " elements, got " + std::to_string(x.size()));
}

// num[rows × cols] · (1/den[rows]) → f bits.
Shared divideRows(Context &ctx, const Shared &num, const Shared &den,
                  size_t rows, size_t cols) {
  Shared inv = reciprocal(ctx, den, kInvFrac);
  Shared out = mul_ss_rows(ctx, num, inv, rows, cols);
  return trunc_dealer(ctx, out, kInvFrac);
}
CommCost divideRows_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                         ProtocolSuite cmp) {
  return reciprocal_cost(mode, rows, frac, kInvFrac, cmp) +
         mul_ss_rows_cost(rows, cols) +
         trunc_dealer_cost(rows * cols, kInvFrac);
}
} // namespace

// ---- softmax_fss (softmax.h) ----------------------------------------------
namespace {
constexpr int kFssInvFrac = 32; // fractional bits of the per-row inverse
// Bound on the row sum relative to cols: exp_neg_lut's E ≤ 1.0006 (exp.h).
double fssMaxRowSum(size_t cols) { return 1.001 * double(cols); }
bool fssInverseLut(size_t cols) {
  return fssMaxRowSum(cols) <= kInverseLutMaxValue;
}
} // namespace

bool softmax_uses_fss(ProtocolSuite cmp, int frac) {
  return cmp == ProtocolSuite::FSS && frac >= 13 && frac <= 40;
}

Shared softmax_fss(Context &ctx, const Shared &x, size_t rows, size_t cols) {
  checkRC(x, rows, cols, "softmax_fss");
  const int f = ctx.frac();
  Shared mx = max_rows(ctx, x, rows, cols);
  Shared t = bcast_rows(mx, rows, cols).reshaped(x.shape) - x;
  // kExpLutFrac bits, 1 at the row max; its two factors stay opened.
  ExpNegLut ex = exp_neg_lut_open(ctx, t);
  const Shared &e = ex.e;
  Shared s = row_sum(e, rows, cols);
  // y = σ ⊙ (1/s) from the signed table (σ known to the dealer), or 1/s.
  SignedInverse y;
  const bool lutInv = fssInverseLut(cols);
  if (lutInv)
    y = inverse_lut(ctx, s, kExpLutFrac, fssMaxRowSum(cols), kFssInvFrac);
  else
    y.y = reciprocal(ctx, trunc_dealer(ctx, s, kExpLutFrac - f), kFssInvFrac);
  // hi ⊙ lo ⊙ y without opening e (three-factor product, beaver.h; the
  // dealer folds every sign into the triple): 60 fractional bits, ≤ 1.001
  // (e ≤ 1.0006 and 1/s ≤ 1 as s ≥ 1).
  Shared out =
      mul_ss_rows(ctx, ex.hi, ex.lo, y.y, rows, cols, lutInv, y.sign);
  out = trunc_dealer(ctx, out, kExpLutFrac + kFssInvFrac - f);
  out.shape = x.shape;
  return out;
}
CommCost softmax_fss_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                          ProtocolSuite cmp) {
  const size_t n = rows * cols;
  CommCost c = max_rows_cost(rows, cols, cmp) + exp_neg_lut_cost(n, frac);
  if (fssInverseLut(cols))
    c += inverse_lut_cost(rows, kExpLutFrac, fssMaxRowSum(cols), kFssInvFrac);
  else
    c += trunc_dealer_cost(rows, kExpLutFrac - frac) +
         reciprocal_cost(mode, rows, frac, kFssInvFrac, cmp);
  return c + mul_ss_rows3_cost(rows, cols, true) +
         trunc_dealer_cost(n, kExpLutFrac + kFssInvFrac - frac);
}

Shared softmax(Context &ctx, const Shared &x, size_t rows, size_t cols) {
  if (softmax_uses_fss(ctx.config().protocols, ctx.frac()))
    return softmax_fss(ctx, x, rows, cols);
  checkRC(x, rows, cols, "softmax");
  Shared mx = max_rows(ctx, x, rows, cols);
  Shared z = x - bcast_rows(mx, rows, cols).reshaped(x.shape);
  Shared e = exp_neg(ctx, z, 8);
  Shared s = row_sum(e, rows, cols);
  Shared out = divideRows(ctx, e, s, rows, cols);
  out.shape = x.shape;
  return out;
}
CommCost softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                      ProtocolSuite cmp) {
  if (softmax_uses_fss(cmp, frac))
    return softmax_fss_cost(mode, rows, cols, frac, cmp);
  return max_rows_cost(rows, cols, cmp) +
         exp_neg_cost(mode, rows * cols, frac, 8) +
         divideRows_cost(mode, rows, cols, frac, cmp);
}

Shared relu_softmax(Context &ctx, const Shared &x, size_t rows, size_t cols,
                    double eps) {
  checkRC(x, rows, cols, "relu_softmax");
  Shared r = relu(ctx, x);
  Shared s = row_sum(r, rows, cols);
  if (eps != 0.0)
    s = add_public(ctx, s, encodeFixed(eps, ctx.frac()));
  Shared out = divideRows(ctx, r, s, rows, cols);
  out.shape = x.shape;
  return out;
}
CommCost relu_softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                           ProtocolSuite cmp) {
  return relu_cost(rows * cols, cmp) +
         divideRows_cost(mode, rows, cols, frac, cmp);
}

Shared two_relu(Context &ctx, const Shared &x, size_t rows, size_t cols) {
  return relu_softmax(ctx, x, rows, cols, 0.0);
}
CommCost two_relu_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       ProtocolSuite cmp) {
  return relu_softmax_cost(mode, rows, cols, frac, cmp);
}

Shared two_quad(Context &ctx, const Shared &x, size_t rows, size_t cols,
                double c) {
  checkRC(x, rows, cols, "two_quad");
  Shared y = add_public(ctx, x, encodeFixed(c, ctx.frac()));
  Shared q = trunc(ctx, square(ctx, y));
  Shared s = row_sum(q, rows, cols);
  Shared out = divideRows(ctx, q, s, rows, cols);
  out.shape = x.shape;
  return out;
}
CommCost two_quad_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       ProtocolSuite cmp) {
  return square_cost(rows * cols) + trunc_cost(mode, rows * cols, frac) +
         divideRows_cost(mode, rows, cols, frac, cmp);
}

Shared scale_attn(Context &ctx, const Shared &x, double N) {
  return trunc(ctx, mul_public(x, encodeFixed(1.0 / N, ctx.frac())));
}
CommCost scale_attn_cost(TruncMode mode, size_t n, int frac) {
  return trunc_cost(mode, n, frac);
}

} // namespace mpcvit::rt
