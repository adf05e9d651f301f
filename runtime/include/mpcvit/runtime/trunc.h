//===- trunc.h - Truncation of fixed-point products ------------*- C++ -*-===//
//
// After a product of two values with f fractional bits, the result has 2f
// and must be divided by 2^f ("truncated"). Two protocols:
//
// * trunc_local (TruncMode::Probabilistic) — SecureML (Mohassel–Zhang
//   2017) §4.1, Theorem 1:
//   server ⌊x0/2^s⌋, client 2^64 − ⌊(2^64 − x1)/2^s⌋. 0 bytes, 0 rounds.
//   Result ⌊x/2^s⌋ ± 1 ulp, except with probability ≈ 2^(k+1−64) for
//   |x| < 2^k, where it is off by ≈ 2^(64−s) (a wrap failure). At f = 16 and
//   |x·2^f| < 2^31 that is 2^−32 per element.
//
// * trunc_dealer (TruncMode::Exact) — dealer pair with the MSB fix (exact
//   wrap handling; ABY3 §5.1.2 pair (r, r≫s) made wrap-free by the MSB
//   decomposition of Escudero et al., "Improved primitives for MPC over
//   mixed arithmetic-binary circuits", CRYPTO 2020). Requires |x| < 2^62.
//   Open c = x + 2^62 + r (uniform r); with r = r_msb·2^63 + r_low the
//   carry bit b = c_msb ⊕ r_msb is linear in the shared r_msb, and
//   ⌊x/2^s⌋ + δ = (c_low≫s) + b·2^(63−s) − (r_low≫s) − 2^(62−s), where
//   δ ∈ {0,1} is the borrow of the low s bits. Result ⌊x/2^s⌋ or
//   ⌊x/2^s⌋ + 1, never a wrap failure.
//   Cost: n·8 bytes each, 1 round; dealer n·8 (r_low≫s) + ⌈n·(s+1)/8⌉
//   (r_msb shared mod 2^(s+1), which is all that 2^(63−s)·r_msb needs).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_TRUNC_H
#define MPCVIT_RUNTIME_TRUNC_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// SecureML local truncation by `bits` (0 < bits < 64).
Shared trunc_local(Context &ctx, const Shared &x, int bits);
CommCost trunc_local_cost(size_t n);

/// Exact-wrap dealer truncation by `bits` (0 < bits ≤ 62); |x| < 2^62.
Shared trunc_dealer(Context &ctx, const Shared &x, int bits);
CommCost trunc_dealer_cost(size_t n, int bits);

/// Truncation by `bits` (default: the session's f) with the session's mode
/// (SessionConfig::trunc: Probabilistic = trunc_local, Exact = trunc_dealer).
Shared trunc(Context &ctx, const Shared &x, int bits = -1);
CommCost trunc_cost(TruncMode mode, size_t n, int bits);

} // namespace mpcvit::rt

#endif
