//===- softmax.cpp - Attention normalisations -----------------------------===//
#include "mpcvit/runtime/softmax.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/exp.h"
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
                         CompareMode cmp) {
  return reciprocal_cost(mode, rows, frac, kInvFrac, cmp) +
         mul_ss_rows_cost(rows, cols) +
         trunc_dealer_cost(rows * cols, kInvFrac);
}
} // namespace

Shared softmax(Context &ctx, const Shared &x, size_t rows, size_t cols) {
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
                      CompareMode cmp) {
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
                           CompareMode cmp) {
  return relu_cost(rows * cols, cmp) +
         divideRows_cost(mode, rows, cols, frac, cmp);
}

Shared two_relu(Context &ctx, const Shared &x, size_t rows, size_t cols) {
  return relu_softmax(ctx, x, rows, cols, 0.0);
}
CommCost two_relu_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                       CompareMode cmp) {
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
                       CompareMode cmp) {
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
