//===- gelu.cpp - GeLU and its MPC-friendly replacements ------------------===//
#include "mpcvit/runtime/gelu.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt {

namespace {
// δ(2u + 2) ≈ Σ c_k u^k on u ∈ [−1, 1], δ(t) = t·Φ(−t).
constexpr double kDelta[8] = {0.0453174771591, -0.171382919531, 0.222575171348,
                              0.0123106776042, -0.327903184954, 0.243582338638,
                              0.059961090121,  -0.0845449325742};
constexpr double kT = 4.0;

Shared cat(std::initializer_list<const Shared *> parts) {
  Shared r;
  size_t n = 0;
  for (auto *p : parts)
    n += p->size();
  r = Shared(Shape{int64_t(n)});
  size_t o = 0;
  for (auto *p : parts) {
    std::copy(p->data.begin(), p->data.end(), r.data.begin() + o);
    o += p->size();
  }
  return r;
}
Shared slice(const Shared &x, size_t off, size_t n) {
  return Shared(
      Shape{int64_t(n)},
      std::vector<uint64_t>(x.data.begin() + off, x.data.begin() + off + n));
}
} // namespace

Shared gelu(Context &ctx, const Shared &x) {
  const size_t n = x.size();
  const int f = ctx.frac();
  const bool p0 = ctx.party() == 0;
  const uint64_t T = encodeFixed(kT, f);
  Shared xf = x.reshaped(Shape{int64_t(n)});
  Shared xp = addScalar(xf, p0 ? T : 0), xm = addScalar(xf, p0 ? 0 - T : 0);
  Shared ind, ax, rl;
  if (ctx.config().compare == CompareMode::DCF) {
    // One round: exact ReLU(x) and [x ≥ −T], [x ≥ T] (compare.h).
    Shared xpm = cat({&xp, &xm});
    auto sg = sign_dcf(ctx, {{&xf, true}, {&xpm, false}});
    rl = std::move(sg[0].relu);
    ind = slice(sg[1].drelu, 0, n) - slice(sg[1].drelu, n, n);
    ax = scale(rl, 2) - xf; // |x| = 2·ReLU(x) − x
  } else {
    Shared c = drelu(ctx, cat({&xf, &xp, &xm}));
    Shared sign = slice(c, 0, n);              // [x ≥ 0]
    ind = slice(c, n, n) - slice(c, 2 * n, n); // [−T ≤ x < T]
    // |x| = x·(2s − 1)
    Shared s2 = addScalar(scale(sign, 2), p0 ? uint64_t(0) - 1 : 0);
    ax = mul_ss(ctx, xf, s2);
    rl = trunc(ctx, xf + ax, 1); // ReLU
  }
  // u = (|x| − 2)/2 at f bits: (|x| − 2) read with f + 1 bits.
  Shared u = trunc(ctx, addScalar(ax, p0 ? 0 - encodeFixed(2.0, f) : 0), 1);
  Shared u2 = trunc(ctx, square(ctx, u));
  Shared l2 = trunc(ctx, mul_ss(ctx, cat({&u, &u2}), cat({&u2, &u2})));
  Shared u3 = slice(l2, 0, n), u4 = slice(l2, n, n);
  Shared l3 =
      trunc(ctx, mul_ss(ctx, cat({&u2, &u3, &u3}), cat({&u3, &u3, &u4})));
  const Shared *pw[8] = {nullptr, &u, &u2, &u3, &u4, nullptr, nullptr, nullptr};
  Shared u5 = slice(l3, 0, n), u6 = slice(l3, n, n), u7 = slice(l3, 2 * n, n);
  pw[5] = &u5;
  pw[6] = &u6;
  pw[7] = &u7;
  // p = Σ c_k u^k at 2f bits, one truncation.
  Shared p(Shape{int64_t(n)});
  const uint64_t c0 = encodeFixed(kDelta[0], 2 * f);
  for (size_t i = 0; i < n; ++i) {
    uint64_t acc = p0 ? c0 : 0;
    for (int k = 1; k < 8; ++k)
      acc += encodeFixed(kDelta[k], f) * (*pw[k])[i];
    p[i] = acc;
  }
  p = trunc(ctx, p);
  Shared corr = mul_ss(ctx, ind, p); // ind is an integer bit: no truncation
  Shared out = rl - corr;
  out.shape = x.shape;
  return out;
}
CommCost gelu_cost(TruncMode mode, size_t n, int frac, CompareMode cmp) {
  const CommCost front = cmp == CompareMode::DCF
                             ? sign_dcf_cost(2 * n, n) + trunc_cost(mode, n, 1)
                             : drelu_cost(3 * n, cmp) + mul_ss_cost(n) +
                                   trunc_cost(mode, n, 1) * 2;
  return front + square_cost(n) + trunc_cost(mode, n, frac) +
         mul_ss_cost(2 * n) + trunc_cost(mode, 2 * n, frac) +
         mul_ss_cost(3 * n) + trunc_cost(mode, 3 * n, frac) +
         trunc_cost(mode, n, frac) + mul_ss_cost(n);
}

Shared quad_gelu(Context &ctx, const Shared &x) {
  const int f = ctx.frac();
  const bool p0 = ctx.party() == 0;
  Shared sq = square(ctx, x); // 2f bits
  // x² + 2x (at 2f bits), then / 8 with one truncation by f + 3.
  Shared t = sq + scale(x, uint64_t(2) << f);
  Shared y = trunc(ctx, t, f + 3);
  return addScalar(y, p0 ? encodeFixed(0.5, f) : 0);
}
CommCost quad_gelu_cost(TruncMode mode, size_t n, int frac) {
  return square_cost(n) + trunc_cost(mode, n, frac + 3);
}

} // namespace mpcvit::rt
