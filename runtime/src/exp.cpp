//===- exp.cpp - Exponential by repeated squaring -------------------------===//
#include "mpcvit/runtime/exp.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt {

Shared exp_neg(Context &ctx, const Shared &x, int r) {
  if (r < 1 || r > 16)
    throw std::invalid_argument(
        "exp_neg: expected 1 <= r <= 16 squarings, got " + std::to_string(r));
  Shared y = trunc(ctx, x, r);
  y = add_public(ctx, y, encodeFixed(1.0, ctx.frac()));
  for (int i = 0; i < r; ++i)
    y = trunc(ctx, square(ctx, y));
  return y;
}
CommCost exp_neg_cost(TruncMode mode, size_t n, int frac, int r) {
  return trunc_cost(mode, n, r) +
         (square_cost(n) + trunc_cost(mode, n, frac)) * uint64_t(r);
}

} // namespace mpcvit::rt
