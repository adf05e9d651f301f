//===- fss_index.h - Local split of a shared value into index + residual -===//
//
// Private helper of the table-based protocols (exp.cpp, inverse.cpp). For a
// shared x and a shift s, each party splits its own share (no
// communication):
//   party 0:  idx₀ = ⌊x₀ / 2^s⌋,           lo₀ = x₀ mod 2^s        ∈ [0, 2^s)
//   party 1:  idx₁ = −⌊(−x₁) / 2^s⌋,        lo₁ = −((−x₁) mod 2^s) ∈ (−2^s, 0]
// (shares read as integers in [0, 2^64), logical shifts). Then x₀ = idx₀·2^s
// + lo₀ and x₁ = idx₁·2^s + lo₁ mod 2^64, so x ≡ (idx₀ + idx₁)·2^s + lo with
// lo = lo₀ + lo₁ an integer in (−2^s, 2^s) — a ring value with NO wrap,
// whose shares are small. For 0 ≤ x ≤ (2^b − 1)·2^s (x read as an integer,
// x mod 2^64 in that range), (x − lo)/2^s is an integer in (−1, 2^b) ⊂ [0,
// 2^b − 1], and idx₀ + idx₁ ≡ (x − lo)/2^s mod 2^(64−s), so with s + b ≤ 64
// i = (idx₀ + idx₁) mod 2^b is exactly that grid index: x = i·2^s + lo
// exactly, i ∈ {⌊x/2^s⌋, ⌈x/2^s⌉} (lut.h, lutIndexed: the same index rule).
// Passing idx to lut() (which reduces mod 2^b) looks up T[i]; lo is the
// exact residual for a second-level table or a correction term.
// On the dealer both outputs are zero tensors of x's shape.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SRC_FSS_INDEX_H
#define MPCVIT_RUNTIME_SRC_FSS_INDEX_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt::detail {

struct IndexSplit {
  Shared idx; ///< shares of the grid index (meaningful mod 2^b)
  Shared lo;  ///< shares of the exact residual x − i·2^s ∈ (−2^s, 2^s)
};

inline IndexSplit splitIndex(const Context &ctx, const Shared &x, int shift) {
  IndexSplit r{Shared(x.shape), Shared(x.shape)};
  if (ctx.isDealer())
    return r;
  const uint64_t m = shift >= 64 ? ~uint64_t(0) : (uint64_t(1) << shift) - 1;
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const uint64_t v = p0 ? x[i] : 0 - x[i];
    const uint64_t hi = shift >= 64 ? 0 : v >> shift, lo = v & m;
    r.idx[i] = p0 ? hi : 0 - hi;
    r.lo[i] = p0 ? lo : 0 - lo;
  }
  return r;
}

/// Arithmetic shift of small shares (|share| < 2^62 as signed values, e.g.
/// IndexSplit::lo): party 0 rounds down, party 1 up, so the sum is within
/// one unit of lo / 2^k and never wraps.
inline Shared shiftSmall(const Context &ctx, const Shared &lo, int k) {
  Shared r(lo.shape);
  if (ctx.isDealer() || k == 0)
    return ctx.isDealer() ? r : lo;
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < lo.size(); ++i) {
    const int64_t v = int64_t(lo[i]);
    r[i] = uint64_t(p0 ? (v >> k) : -((-v) >> k));
  }
  return r;
}

} // namespace mpcvit::rt::detail

#endif // MPCVIT_RUNTIME_SRC_FSS_INDEX_H
