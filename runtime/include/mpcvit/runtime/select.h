//===- select.h - Bit select c·x in one round ------------------*- C++ -*-===//
//
// z = c ⊙ v for a secret bit c ∈ {0, 1} (additive ring shares of the integer
// 0/1, e.g. a DReLU output, compare.h) and a secret ring value v, in ONE
// round: a Beaver product whose bit factor is opened as one bit.
//
// Source: the select of SIGMA (Gupta et al., "SIGMA: Secure GPT Inference
// with Function Secret Sharing", PETS 2024, Π_select: c·x from a masked bit
// and a masked value) with Beaver's circuit randomization (CRYPTO 1991); the
// bit is masked by XOR as in the daBit conversion (Rotaru–Wood, INDOCRYPT
// 2019). This code is independent of both.
//
// Protocol, per element (all three roles run the same code, context.h):
//   offline  the dealer draws q and A uniform in Z_2^64 (both shares from the
//            PRG streams: 0 bytes), m = q mod 2 is the bit mask, and sends
//            party 1's corrections of the dealer-known products below.
//   online   party p opens ĉ = c ⊕ m as one bit (the low bit of its share of
//            c XOR the low bit of its share of q: low bits of additive
//            shares XOR to the low bit of the sum) and e = x − A as a ring
//            element (8 bytes), in one message. With c = ĉ + (1 − 2ĉ)·m
//            (ĉ, m bits) and x = e + A:
//              c·x = ĉ·(e + [A]) + (1 − 2ĉ)·(e·[m] + [m·A]),
//            local given the public ĉ, e.
// Signed values (isSigned): x holds σ ⊙ v for a sign σ ∈ {±1} known to the
// dealer only (lut.h, lutSigned_open / lutIndexedSigned_open); the dealer
// then multiplies every dealer term by σ, so
//   c·v = ĉ·(e·[σ] + [σA]) + (1 − 2ĉ)·(e·[σm] + [σmA]),
// which turns a 1-bit-lane lookup into a plain share at no extra round.
//
// What each party learns: ĉ (uniform: m is a fresh uniform bit) and e
// (uniform: A is a fresh uniform mask); nothing about c, v or σ. The dealer
// learns nothing (it sends only).
//
// Exact for every ring value (no truncation: c is an integer bit). c must be
// 0 or 1; any other value is read as its low bit.
//
// Cost (select_cost): 1 round (0 if n = 0), ⌈n/8⌉ + 8n bytes per party;
// dealer 16n bytes (unsigned: [m], [mA]) or 32n (signed: [σ], [σA], [σm],
// [σmA]).
//
// Errors: std::invalid_argument when c and x differ in size or a signed
// select's dealer holds a sign vector of another size; ProtocolError /
// TransportError from the context.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SELECT_H
#define MPCVIT_RUNTIME_SELECT_H

#include "mpcvit/runtime/opening.h"
#include "mpcvit/runtime/sharing.h"

#include <vector>

namespace mpcvit::rt {

/// select in two phases (opening.h), to share the round with other
/// openings: select_open draws the correlated randomness (every role, in
/// call order) and puts ĉ and e = x − A in `open`; after exchangeOpenings,
/// select_finish returns the shares of c ⊙ v (zeros on the dealer).
struct SelectOpen {
  Opening open;
  // State for select_finish.
  Shape shape;
  std::vector<uint64_t> bits, e, s1, sA, sm, smA;
};
/// `sign`: the dealer's σ (1 or 2^64 − 1 per element) when isSigned; ignored
/// on the parties.
SelectOpen select_open(Context &ctx, const Shared &c, const Shared &x,
                       bool isSigned = false,
                       const std::vector<uint64_t> &sign = {});
Shared select_finish(Context &ctx, SelectOpen &st);

/// c ⊙ x in one round (unsigned x). Shape of x.
Shared select(Context &ctx, const Shared &c, const Shared &x);

/// CommCost::sym(⌈n/8⌉ + 8n, n > 0, (isSigned ? 32 : 16)·n).
CommCost select_cost(size_t n, bool isSigned = false);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_SELECT_H
