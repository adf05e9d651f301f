//===- mmul_sp.h - Secret × server-private weights -------------*- C++ -*-===//
//
// Source: SecureML (Mohassel–Zhang 2017) offline/online split with the
// Delphi-style (Mishra et al., USENIX Security 2020) per-deployment weight
// mask. Per deployment the dealer and the server derive a uniform mask B for
// each weight W from the seed kw (never sent); the server sends F = W − B to
// the client once. Per query the dealer gives the client a fresh uniform A
// (from k1) and shares of C = A·B (client's C1 from k1, correction C0 to the
// server). Online the client opens only E = x1 − A (m·k elements, one
// direction); shares of x·W are
//   server: (x0 + E)·W + C0,   client: A·F + C1.
// Security: E is masked by the fresh A, F by B (the one mask reused across
// queries, allowed by PROTOCOLS.md), the server never sees A.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_MMUL_SP_H
#define MPCVIT_RUNTIME_MMUL_SP_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// A deployed server-private weight matrix W[k × n] (ring-encoded).
/// Server: W and B; client: F = W − B; dealer: B.
struct ServerWeight {
  uint64_t id = 0;
  size_t k = 0, n = 0;
  RingTensor W, B, F;
};

/// Per-deployment setup of weight `id` (unique per weight matrix; ids must
/// not repeat within a deployment or masks would be reused). The server
/// passes W[k × n], the others a zero tensor of that shape. Sends F = W − B
/// server → client once (deploy_weight_cost; not part of per-query cost).
ServerWeight deploy_weight(Context &ctx, uint64_t id, const RingTensor &W);
CommCost deploy_weight_cost(size_t k, size_t n);

/// Shared X[m × k] times the server's W[k × n] → shared [m × n] (raw ring
/// product: 2f fractional bits if both are fixed point).
/// Cost: client m·k·8 bytes, server 0, 1 round, dealer m·n·8.
/// Throws std::invalid_argument on a size mismatch.
Shared mmul_sp(Context &ctx, const Shared &X, const ServerWeight &w, size_t m);
CommCost mmul_sp_cost(size_t m, size_t k, size_t n);

/// x + b for a server-private b (bias): the server adds b to its share.
/// Cost: 0 (local_cost). b is [n] broadcast over the rows of x[rows × n] or
/// the same shape as x.
Shared add_server_private(Context &ctx, const Shared &x, const RingTensor &b);

} // namespace mpcvit::rt

#endif
