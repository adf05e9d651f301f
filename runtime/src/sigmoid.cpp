//===- sigmoid.cpp - Logistic sigmoid and tanh ----------------------------===//
#include "mpcvit/runtime/sigmoid.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/reciprocal.h"

namespace mpcvit::rt {

namespace {
Shared cat3(const Shared &a, const Shared &b, const Shared &c) {
  const size_t n = a.size();
  Shared r(Shape{int64_t(3 * n)});
  std::copy(a.data.begin(), a.data.end(), r.data.begin());
  std::copy(b.data.begin(), b.data.end(), r.data.begin() + int64_t(n));
  std::copy(c.data.begin(), c.data.end(), r.data.begin() + int64_t(2 * n));
  return r;
}
Shared part(const Shared &x, size_t i, size_t n) {
  return Shared(Shape{int64_t(n)},
                std::vector<uint64_t>(x.data.begin() + int64_t(i * n),
                                      x.data.begin() + int64_t((i + 1) * n)));
}
} // namespace

Shared sigmoid(Context &ctx, const Shared &x) {
  const size_t n = x.size();
  const int f = ctx.frac();
  const bool p0 = ctx.party() == 0;
  const uint64_t T = encodeFixed(kSigmoidClamp, f);
  const uint64_t one = uint64_t(1); // integer 1 (0 fractional bits)
  Shared xf = x.reshaped(Shape{int64_t(n)});
  Shared d, a; // d = [x ≥ 0] (integer bit), a = min(|x|, T) (f bits)
  if (ctx.config().protocols == ProtocolSuite::FSS) {
    // One round: ReLU of x, x − T and −x − T, and DReLU(x).
    Shared xm = addScalar(xf, p0 ? 0 - T : 0);
    Shared xn = addScalar(-xf, p0 ? 0 - T : 0);
    auto sg = sign_dcf(ctx, {{&xf, true}, {&xm, true}, {&xn, true}});
    d = std::move(sg[0].drelu);
    a = scale(sg[0].relu, 2) - sg[1].relu - sg[2].relu - xf;
  } else {
    Shared c = drelu(ctx, cat3(xf, addScalar(xf, p0 ? 0 - T : 0),
                               addScalar(xf, p0 ? T : 0)));
    d = part(c, 0, n);
    Shared cm = part(c, 1, n), cp = part(c, 2, n); // [x ≥ T], [x ≥ −T]
    // s = (2d − 1)·[−T ≤ x < T] = 2d − cm − cp (d·cp = d, d·cm = cm).
    Shared s = scale(d, 2) - cm - cp;
    // a = x·s + T·(1 − cp + cm): exact, s is an integer.
    Shared out = addScalar(cm - cp, p0 ? one : 0);
    a = mul_ss(ctx, xf, s) + scale(out, T);
  }
  Shared e = kernels::expNegPrecise(ctx, -a);
  Shared r = reciprocal_1to2(ctx, add_public(ctx, e, encodeFixed(1.0, f)));
  // σ = (1 − r) + d·(2r − 1); d is an integer bit: the product keeps f bits.
  Shared twoRm1 = add_public(ctx, scale(r, 2), 0 - encodeFixed(1.0, f));
  Shared sel = mul_ss(ctx, d, twoRm1);
  Shared y = add_public(ctx, -r, encodeFixed(1.0, f)) + sel;
  y.shape = x.shape;
  return y;
}

CommCost sigmoid_cost(TruncMode mode, size_t n, int frac, ProtocolSuite cmp) {
  const CommCost front = cmp == ProtocolSuite::FSS
                             ? sign_dcf_cost(0, 3 * n)
                             : drelu_cost(3 * n, cmp) + mul_ss_cost(n);
  return front + kernels::expNegPrecise_cost(mode, n, frac) +
         reciprocal_1to2_cost(mode, n, frac) + mul_ss_cost(n);
}

Shared tanh(Context &ctx, const Shared &x) {
  const int f = ctx.frac();
  Shared s = sigmoid(ctx, scale(x, 2));
  return add_public(ctx, scale(s, 2), 0 - encodeFixed(1.0, f));
}

CommCost tanh_cost(TruncMode mode, size_t n, int frac, ProtocolSuite cmp) {
  return sigmoid_cost(mode, n, frac, cmp);
}

} // namespace mpcvit::rt
