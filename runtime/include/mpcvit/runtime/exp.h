//===- exp.h - Exponential by repeated squaring ----------------*- C++ -*-===//
//
// exp(x) ≈ (1 + x/2^r)^(2^r): one truncation by r bits, then r squarings
// (each followed by a truncation). Source: CrypTen `approximations.py`
// (`exp`, "limit approximation"), PROTOCOLS.md.
// Accurate for x ∈ [−2^r, 0] (the softmax case, after max-subtraction);
// for x < −2^r the base turns negative and the result is wrong; for x > 0
// the error grows like x²/2^(r+1)·e^x. At r = 8, f = 16 the measured
// absolute error on [−16, 0] is ≤ 2e-3 (tests), the relative error at
// x = −2 is ≈ 1.5%.
// Cost: r · (square_cost(n) + trunc_cost(n)) + trunc_cost(n).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_EXP_H
#define MPCVIT_RUNTIME_EXP_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// Element-wise exp of a fixed-point (f bits) shared tensor; r squarings.
Shared exp_neg(Context &ctx, const Shared &x, int r = 8);
CommCost exp_neg_cost(TruncMode mode, size_t n, int frac, int r = 8);

} // namespace mpcvit::rt

#endif
