//===- select.cpp - Bit select c·x in one round ---------------------------===//
#include "mpcvit/runtime/select.h"

#include "mpcvit/runtime/bitpack.h"

#include "dealer_terms.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace mpcvit::rt {

SelectOpen select_open(Context &ctx, const Shared &c, const Shared &x,
                       bool isSigned, const std::vector<uint64_t> &sign) {
  const size_t n = x.size();
  if (c.size() != n)
    throw std::invalid_argument("select: expected a bit per element (" +
                                std::to_string(n) + "), got " +
                                std::to_string(c.size()));
  if (ctx.isDealer() && isSigned && sign.size() != n)
    throw std::invalid_argument("select: the dealer holds " +
                                std::to_string(sign.size()) + " signs for " +
                                std::to_string(n) + " elements");
  SelectOpen st;
  st.shape = x.shape;
  if (n == 0)
    return st;
  auto q = ctx.randShared(n), A = ctx.randShared(n);
  // Dealer: S ⊙ v for the dealer-known v below (S = σ, or 1 unsigned), one
  // correction each.
  const std::vector<uint64_t> noSign;
  const std::vector<uint64_t> &S = isSigned ? sign : noSign;
  auto shares = [&](auto v) { return detail::scaledShares(ctx, n, S, v); };
  if (isSigned) {
    st.s1 = shares([](size_t) { return uint64_t(1); });
    st.sA = shares([&](size_t i) { return A[i]; });
  }
  st.sm = shares([&](size_t i) { return q[i] & 1; });
  st.smA = shares([&](size_t i) { return (q[i] & 1) * A[i]; });
  if (ctx.isDealer())
    return st;
  // This party's XOR share of ĉ = c ⊕ m and its share of e = x − A.
  st.bits.resize(n);
  st.e.resize(n);
  for (size_t i = 0; i < n; ++i) {
    st.bits[i] = (c[i] ^ q[i]) & 1;
    st.e[i] = x[i] - A[i];
  }
  if (!isSigned) { // [S] is party 0's 1, [S·A] the mask's own shares
    st.s1.assign(n, ctx.party() == 0 ? 1 : 0);
    st.sA = std::move(A);
  }
  st.open.mine = packBits(st.bits.data(), n, 1);
  const size_t off = st.open.mine.size();
  st.open.mine.resize(off + 8 * n);
  std::memcpy(st.open.mine.data() + off, st.e.data(), 8 * n);
  st.open.peerBytes = st.open.mine.size();
  return st;
}

Shared select_finish(Context &ctx, SelectOpen &st) {
  Shared z(st.shape);
  const size_t n = st.e.size();
  if (ctx.isDealer() || n == 0)
    return z;
  if (st.open.peer.size() != st.open.peerBytes)
    throw std::logic_error("select_finish: the opening was not exchanged");
  const size_t off = (n + 7) / 8;
  const auto peerBits = unpackBits(st.open.peer.data(), n, 1);
  std::vector<uint64_t> peerE(n);
  std::memcpy(peerE.data(), st.open.peer.data() + off, 8 * n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t ch = (st.bits[i] ^ peerBits[i]) & 1;
    const uint64_t e = st.e[i] + peerE[i];
    // c·v = ĉ·(e·[S] + [S·A]) + (1 − 2ĉ)·(e·[S·m] + [S·m·A])
    z[i] = ch * (e * st.s1[i] + st.sA[i]) +
           (1 - 2 * ch) * (e * st.sm[i] + st.smA[i]);
  }
  return z;
}

Shared select(Context &ctx, const Shared &c, const Shared &x) {
  SelectOpen st = select_open(ctx, c, x);
  exchangeOpenings(ctx, {&st.open}, "select");
  return select_finish(ctx, st);
}

CommCost select_cost(size_t n, bool isSigned) {
  return CommCost::sym((n + 7) / 8 + 8 * n, n ? 1 : 0,
                       (isSigned ? 32 : 16) * n);
}

} // namespace mpcvit::rt
