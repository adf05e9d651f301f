//===- kernels.cpp - The calls of emitted programs ------------------------===//
#include "mpcvit/runtime/kernels.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/gelu.h"
#include "mpcvit/runtime/layernorm.h"
#include "mpcvit/runtime/reciprocal.h"
#include "mpcvit/runtime/sigmoid.h"
#include "mpcvit/runtime/softmax.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt::kernels {

namespace {
size_t lastDim(const Shared &x, const char *what) {
  if (x.shape.empty() || x.shape.back() < 1)
    throw std::invalid_argument(std::string(what) + ": needs rank >= 1, got " +
                                shapeStr(x.shape));
  return size_t(x.shape.back());
}
Shared withShape(Shared r, const Shape &s) {
  r.shape = s;
  return r;
}
} // namespace

RingTensor publicConstant(const Shape &shape, const std::vector<double> &values,
                          int frac) {
  if (values.size() != numel(shape))
    throw std::invalid_argument(
        "publicConstant: " + std::to_string(values.size()) +
        " values for shape " + shapeStr(shape));
  RingTensor t(shape);
  for (size_t i = 0; i < values.size(); ++i)
    t[i] = encodeFixed(values[i], frac);
  return t;
}

Shared shareFrom(Context &ctx, int owner, const RingTensor &x) {
  return share(ctx, owner, x);
}

RingTensor revealToClient(Context &ctx, const Shared &x) {
  return withShape(reveal_to_client(ctx, x), x.shape);
}

Shared add(Context &ctx, const Shared &x, const RingTensor &y, char ySharing,
           const Shape &out) {
  Shared a = broadcastTo(x, out);
  RingTensor b = broadcastTo(y, out);
  if (ySharing == 's')
    return a + b;
  return ctx.party() == 0 ? a + b : a; // public or server-private: server adds
}

Shared sub(Context &ctx, const Shared &x, const RingTensor &y, char ySharing,
           const Shape &out) {
  Shared a = broadcastTo(x, out);
  RingTensor b = broadcastTo(y, out);
  if (ySharing == 's')
    return a - b;
  return ctx.party() == 0 ? a - b : a;
}

Shared mulPublic(const Shared &x, const RingTensor &c, const Shape &out) {
  return broadcastTo(x, out) * broadcastTo(c, out);
}

Shared mulSP(Context &ctx, const Shared &x, const RingTensor &w,
             const Shape &out) {
  if (x.shape != out)
    throw std::invalid_argument("mulSP: x " + shapeStr(x.shape) +
                                " does not have the result shape " +
                                shapeStr(out));
  bool fits = w.shape.size() <= out.size();
  for (size_t i = 0; fits && i < w.shape.size(); ++i) {
    int64_t wd = w.shape[w.shape.size() - 1 - i], od = out[out.size() - 1 - i];
    fits = wd == 1 || wd == od;
  }
  if (!fits)
    throw std::invalid_argument("mulSP: w " + shapeStr(w.shape) +
                                " does not broadcast to " + shapeStr(out));
  Shared ws = share(ctx, 0, w);
  return withShape(mul_ss(ctx, x, broadcastTo(ws, out)), out);
}

CommCost mulSP_cost(size_t wElems, size_t n) {
  return share_cost(wElems) + mul_ss_cost(n);
}

Shared sum(const Shared &x, int64_t axis) {
  const int64_t r = int64_t(x.shape.size());
  if (axis < 0 || axis >= r)
    throw std::invalid_argument("sum: axis " + std::to_string(axis) +
                                " out of range for " + shapeStr(x.shape));
  size_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= size_t(x.shape[size_t(i)]);
  for (int64_t i = axis + 1; i < r; ++i)
    inner *= size_t(x.shape[size_t(i)]);
  const size_t len = size_t(x.shape[size_t(axis)]);
  Shape os = x.shape;
  os[size_t(axis)] = 1;
  Shared y(os);
  for (size_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < len; ++k) {
      const uint64_t *src = x.ptr() + (o * len + k) * inner;
      uint64_t *dst = y.ptr() + o * inner;
      for (size_t i = 0; i < inner; ++i)
        dst[i] += src[i];
    }
  return y;
}

Shared mulSS(Context &ctx, const Shared &x, const Shared &y) {
  return withShape(mul_ss(ctx, x, y), x.shape);
}

Shared square(Context &ctx, const Shared &x) {
  return withShape(rt::square(ctx, x), x.shape);
}

Shared mmulSS(Context &ctx, const Shared &x, const Shared &y) {
  if (x.shape.size() < 2 || x.shape.size() != y.shape.size())
    throw std::invalid_argument("mmul_ss: operands " + shapeStr(x.shape) +
                                " and " + shapeStr(y.shape));
  const size_t r = x.shape.size();
  size_t batch = 1;
  for (size_t i = 0; i + 2 < r; ++i) {
    if (x.shape[i] != y.shape[i])
      throw std::invalid_argument(
          "mmul_ss: batch dims differ: " + shapeStr(x.shape) + " vs " +
          shapeStr(y.shape));
    batch *= size_t(x.shape[i]);
  }
  size_t m = size_t(x.shape[r - 2]), k = size_t(x.shape[r - 1]),
         n = size_t(y.shape[r - 1]);
  if (size_t(y.shape[r - 2]) != k)
    throw std::invalid_argument("mmul_ss: contraction dims differ: " +
                                shapeStr(x.shape) + " vs " + shapeStr(y.shape));
  Shape out = x.shape;
  out[r - 1] = int64_t(n);
  return withShape(mmul_ss(ctx, x, y, m, k, n, batch), out);
}

Shared mmulSP(Context &ctx, const Shared &x, const ServerWeight &w) {
  size_t k = lastDim(x, "mmul_sp");
  if (k != w.k)
    throw std::invalid_argument(
        "mmul_sp: X " + shapeStr(x.shape) +
        " against a weight with k = " + std::to_string(w.k));
  Shape out = x.shape;
  out.back() = int64_t(w.n);
  return withShape(mmul_sp(ctx, x, w, x.size() / k), out);
}

Shared truncProbabilistic(Context &ctx, const Shared &x, int bits) {
  return withShape(trunc_local(ctx, x, bits), x.shape);
}

Shared truncExact(Context &ctx, const Shared &x, int bits) {
  return withShape(trunc_dealer(ctx, x, bits), x.shape);
}

Shared truncate(Context &ctx, const Shared &x, int bits, TruncMode mode) {
  return mode == TruncMode::Exact ? truncExact(ctx, x, bits)
                                  : truncProbabilistic(ctx, x, bits);
}

Shared relu(Context &ctx, const Shared &x) {
  return withShape(rt::relu(ctx, x), x.shape);
}

Shared gelu(Context &ctx, const Shared &x) {
  return withShape(rt::gelu(ctx, x), x.shape);
}

Shared expNegPrecise(Context &ctx, const Shared &z) {
  const int f = ctx.frac();
  const int w = std::min(f + 8, 26), r = 8;
  const size_t n = z.size();
  // 1 + z/2^r with w fractional bits (z lifted exactly by 2^(w-f)).
  Shared base = trunc(ctx, mul_public(z, uint64_t(1) << (w - f)), r);
  base = add_public(ctx, base, encodeFixed(1.0, w));
  // First squaring batched with z² (for the correction factor).
  Shared both(Shape{int64_t(2 * n)});
  std::copy(base.data.begin(), base.data.end(), both.data.begin());
  std::copy(z.data.begin(), z.data.end(), both.data.begin() + int64_t(n));
  both = rt::square(ctx, both);
  Shared sq(z.shape), zz(z.shape);
  std::copy(both.data.begin(), both.data.begin() + int64_t(n), sq.data.begin());
  std::copy(both.data.begin() + int64_t(n), both.data.end(), zz.data.begin());
  base = trunc_dealer(ctx, sq, w);
  for (int i = 1; i < r; ++i)
    base = trunc_dealer(ctx, rt::square(ctx, base), w);
  // (1 + z/n)^n = e^z · e^(−z²/2n + O(z³/n²)): multiply by 1 + z²/2n.
  Shared corr = trunc(ctx, zz, f);
  corr = trunc(ctx, mul_public(corr, encodeFixed(1.0 / double(2 << r), f)), f);
  corr = add_public(ctx, corr, encodeFixed(1.0, f));
  Shared out = withShape(mul_ss(ctx, base, corr), z.shape);
  return trunc_dealer(ctx, out, w);
}

CommCost expNegPrecise_cost(TruncMode mode, size_t n, int frac) {
  const int w = std::min(frac + 8, 26), r = 8;
  CommCost c =
      trunc_cost(mode, n, r) + rt::square_cost(2 * n) + trunc_dealer_cost(n, w);
  c += (rt::square_cost(n) + trunc_dealer_cost(n, w)) * uint64_t(r - 1);
  c += trunc_cost(mode, n, frac) * 2;
  return c + mul_ss_cost(n) + trunc_dealer_cost(n, w);
}

Shared softmax(Context &ctx, const Shared &x) {
  const size_t c = lastDim(x, "softmax"), rows = x.size() / c;
  if (softmax_uses_fss(ctx.config().protocols, ctx.frac()))
    return withShape(softmax_fss(ctx, x, rows, c), x.shape);
  Shared mx = max_rows(ctx, x, rows, c);
  Shared z = x - bcast_rows(mx, rows, c).reshaped(x.shape);
  Shared e = expNegPrecise(ctx, z);
  Shared inv = reciprocal(ctx, row_sum(e, rows, c), 32);
  Shared out = mul_ss_rows(ctx, e, inv, rows, c);
  return withShape(trunc_dealer(ctx, out, 32), x.shape);
}

CommCost softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                      ProtocolSuite cmp) {
  if (softmax_uses_fss(cmp, frac))
    return softmax_fss_cost(mode, rows, cols, frac, cmp);
  return max_rows_cost(rows, cols, cmp) +
         expNegPrecise_cost(mode, rows * cols, frac) +
         reciprocal_cost(mode, rows, frac, 32, cmp) +
         mul_ss_rows_cost(rows, cols) + trunc_dealer_cost(rows * cols, 32);
}

Shared reluSoftmax(Context &ctx, const Shared &x, double eps) {
  size_t c = lastDim(x, "relu_softmax");
  return withShape(relu_softmax(ctx, x, x.size() / c, c, eps), x.shape);
}

Shared twoQuad(Context &ctx, const Shared &x) {
  size_t c = lastDim(x, "two_quad");
  return withShape(two_quad(ctx, x, x.size() / c, c), x.shape);
}

Shared twoRelu(Context &ctx, const Shared &x) {
  size_t c = lastDim(x, "two_relu");
  return withShape(two_relu(ctx, x, x.size() / c, c), x.shape);
}

Shared layerNorm(Context &ctx, const Shared &x, const RingTensor &gamma,
                 const RingTensor &beta, double eps, bool unitGamma) {
  size_t d = lastDim(x, "layer_norm");
  Shared g = share(ctx, 0, gamma), b = share(ctx, 0, beta);
  return withShape(rt::layer_norm(ctx, x, x.size() / d, d, eps,
                                  unitGamma ? nullptr : &g, &b),
                   x.shape);
}

} // namespace mpcvit::rt::kernels
