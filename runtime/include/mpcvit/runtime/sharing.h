//===- sharing.h - Input sharing, output reveal, local linear ops -*- C++
//-*-===//
//
// Additive secret sharing over Z_2^64: a secret x is held as x = x0 + x1
// (mod 2^64), x0 by the server, x1 by the client. A "Shared" tensor below is
// this party's share (on the dealer: a placeholder of the right shape).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SHARING_H
#define MPCVIT_RUNTIME_SHARING_H

#include "mpcvit/runtime/context.h"

namespace mpcvit::rt {

/// One party's additive share of a secret ring tensor.
using Shared = RingTensor;

/// Share `x` owned by party `owner` (0 server, 1 client). The owner passes
/// the plaintext ring tensor, the others pass a zero tensor of the same
/// shape. PRZS (CrypTen `ArithmeticSharedTensor`): owner's share is
/// x − PRG_k01, the other's is PRG_k01.
/// Cost: 0 bytes, 0 rounds, 0 dealer bytes (share_cost).
Shared share(Context &ctx, int owner, const RingTensor &x);
CommCost share_cost(size_t n);

/// Reveal a shared tensor to the client only (the final output): the server
/// sends its share. Returns the plaintext on the client, a zero tensor on the
/// server and dealer. Cost: server n·8 bytes, client 0, 1 round.
RingTensor reveal_to_client(Context &ctx, const Shared &x);
CommCost reveal_cost(size_t n);

// ---- Local linear ops (0 bytes, 0 rounds: local_cost) ----------------------
CommCost local_cost();
/// x + y, x − y on shares.
Shared add(const Shared &x, const Shared &y);
Shared sub(const Shared &x, const Shared &y);
/// x + c for a public ring tensor c (the server adds it).
Shared add_public(Context &ctx, const Shared &x, const RingTensor &c);
/// x + c for a public ring scalar c.
Shared add_public(Context &ctx, const Shared &x, uint64_t c);
/// c ⊙ x for a public ring tensor / scalar c (no truncation: if c is a
/// fixed-point encoding the result has 2f fractional bits).
Shared mul_public(const Shared &x, const RingTensor &c);
Shared mul_public(const Shared &x, uint64_t c);
/// Row sums of x[rows × cols] → [rows] (local).
Shared row_sum(const Shared &x, size_t rows, size_t cols);
/// Broadcast v[rows] to [rows × cols] (local).
Shared bcast_rows(const Shared &v, size_t rows, size_t cols);

} // namespace mpcvit::rt

#endif
