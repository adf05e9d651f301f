//===- dealer_terms.h - Shares of dealer-known correlated terms -*- C++ -*-===//
//
// Private helper of the Beaver-style products (beaver.cpp, select.cpp):
// shares of S ⊙ v for a term v(i) the dealer computes from its masks and a
// per-element sign S (σ products of signed factors, beaver.h; empty = 1),
// one correction each (Context::corrShared: party 0's share from the PRG,
// party 1's correction from the dealer, 8 bytes per element).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SRC_DEALER_TERMS_H
#define MPCVIT_RUNTIME_SRC_DEALER_TERMS_H

#include "mpcvit/runtime/context.h"

#include <cstdint>
#include <vector>

namespace mpcvit::rt::detail {

template <typename F>
std::vector<uint64_t> scaledShares(Context &ctx, size_t n,
                                   const std::vector<uint64_t> &S, F v) {
  std::vector<uint64_t> out;
  if (ctx.isDealer()) {
    out.resize(n);
    for (size_t i = 0; i < n; ++i)
      out[i] = (S.empty() ? 1 : S[i]) * v(i);
  }
  return ctx.corrShared(n, out);
}

} // namespace mpcvit::rt::detail

#endif // MPCVIT_RUNTIME_SRC_DEALER_TERMS_H
