//===- compare.h - Comparison family: DReLU, ReLU, max ---------*- C++ -*-===//
//
// Method: A2B-free MSB extraction. x = x0 + x1 with x0 held by the server,
// x1 by the client; MSB(x) = x0[63] ⊕ x1[63] ⊕ carry63, where carry63 is the
// carry into bit 63 of x0_low + x1_low. The carry is computed by a
// parallel-prefix (Kogge–Stone-style, log-depth) tree of (generate,
// propagate) pairs on boolean shares with dealer AND triples — the adder of
// CrypTen `circuit.py` / SPU's A2B, reduced to the single carry the sign
// needs and bit-packed so only the live lanes are sent:
//   round 1: g = x0_low ∧ x1_low (a "private AND": each party masks its own
//            input with a dealer mask known to it alone, 63 bits sent each);
//   rounds 2–7: six tree levels over 63 → 32 → 16 → 8 → 4 → 2 → 1 groups,
//            G = G_hi ⊕ (P_hi ∧ G_lo), P = P_hi ∧ P_lo (the P of the lowest
//            group is never needed and not computed), AND lanes per level
//            w = 61, 31, 15, 7, 3, 1; each AND opens d, e (2 bits per lane);
//   round 8: B2A of the bit with a dealer daBit (r as XOR and additive
//            shares), opening c = bit ⊕ r (1 bit).
// Only uniformly masked bits are opened. Sources: Beaver 1991 (AND triples),
// Kogge–Stone 1973, CrypTen (Knott et al. NeurIPS 2021) `circuit.py`,
// daBits: Rotaru–Wood, INDOCRYPT 2019.
// Cost per n elements (exact; ⌈·⌉ because lanes are bit-packed):
//   DReLU: 8 rounds, bytes/party ⌈63n/8⌉ + Σ_w 2⌈wn/8⌉ + ⌈n/8⌉ (≈ 37.6 n),
//          dealer ⌈63n/8⌉ + Σ_w ⌈wn/8⌉ + 8n (≈ 30.6 n).
//   ReLU = x · DReLU(x) (mul_ss): 9 rounds, + 16n bytes, + 8n dealer.
// The documented cheap target is a DCF (Boyle et al., Eurocrypt 2021: 1
// round); Context::dealerBlob already carries per-op keys of any size.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_COMPARE_H
#define MPCVIT_RUNTIME_COMPARE_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// Boolean (XOR) shares of n lanes of w bits each (low bits of each word).
struct BoolShared {
  std::vector<uint64_t> lanes;
  int width = 1;
};

/// Lane-wise x ∧ y with a dealer AND triple (Beaver over GF(2)).
/// Cost: 2⌈n·w/8⌉ bytes each, 1 round, dealer ⌈n·w/8⌉.
BoolShared and_bool(Context &ctx, const BoolShared &x, const BoolShared &y);
CommCost and_bool_cost(size_t n, int w);

/// Boolean share of MSB(x) (the sign bit) for every element (7 rounds).
BoolShared msb(Context &ctx, const Shared &x);
CommCost msb_cost(size_t n);

/// Boolean 1-bit lanes → additive shares of 0/1 (daBit). 1 round,
/// ⌈n/8⌉ bytes each, dealer 8n.
Shared b2a(Context &ctx, const BoolShared &b);
CommCost b2a_cost(size_t n);

/// DReLU(x) = [x ≥ 0] (x read as a signed 64-bit ring element) as additive
/// shares of the integer 0/1 (no fractional bits). Exact for every ring
/// value. Cost: drelu_cost (8 rounds).
Shared drelu(Context &ctx, const Shared &x);
CommCost drelu_cost(size_t n);

/// ReLU(x) = x · DReLU(x), exact (no truncation needed). 9 rounds.
Shared relu(Context &ctx, const Shared &x);
CommCost relu_cost(size_t n);

/// Row-wise maximum of x[rows × cols] → [rows], exact: a tree of
/// ⌈log2 cols⌉ levels, each m = b + DReLU(a − b)·(a − b) (9 rounds/level).
Shared max_rows(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost max_rows_cost(size_t rows, size_t cols);

} // namespace mpcvit::rt

#endif
