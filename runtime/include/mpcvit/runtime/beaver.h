//===- beaver.h - Beaver-triple products: mul_ss, square, mmul_ss -*- C++
//-*-===//
//
// Source: Beaver, "Efficient multiparty protocols using circuit
// randomization", CRYPTO 1991; element-wise as in CrypTen `beaver.py`;
// matrix triples as in SecureML (Mohassel–Zhang, S&P 2017, §4.2).
// All products are raw ring products: with fixed-point inputs the result has
// 2f fractional bits and must be truncated (trunc.h). Dealer material is
// PRG-compressed: a, b and one share of c come from the seeds, the client
// receives one correction c1 = a·b − c0.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_BEAVER_H
#define MPCVIT_RUNTIME_BEAVER_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// x ⊙ y (element-wise, equal shapes; throws std::invalid_argument).
/// Opens x − a and y − b. Cost: each party 2n·8 bytes, 1 round, dealer n·8.
Shared mul_ss(Context &ctx, const Shared &x, const Shared &y);
CommCost mul_ss_cost(size_t n);

/// x ⊙ x with a square pair (a, a²). Cost: n·8 bytes each, 1 round,
/// dealer n·8.
Shared square(Context &ctx, const Shared &x);
CommCost square_cost(size_t n);

/// x[rows × cols] ⊙ broadcast(y[rows]) (each row scaled by one secret):
/// a broadcast Beaver triple (A, b, C = A ⊙ bcast(b)) opens x − A and
/// y − b. Cost: (rows·cols + rows)·8 bytes each, 1 round, dealer
/// rows·cols·8.
Shared mul_ss_rows(Context &ctx, const Shared &x, const Shared &y, size_t rows,
                   size_t cols);
CommCost mul_ss_rows_cost(size_t rows, size_t cols);

/// Batched X[b × m × k] · Y[b × k × n] → [b × m × n] with matrix Beaver
/// triples (SecureML §4.2). Opens X − A and Y − B (one message).
/// Cost: each party b·(m·k + k·n)·8 bytes, 1 round, dealer b·m·n·8.
/// Throws std::invalid_argument if the sizes do not match b·m·k / b·k·n.
Shared mmul_ss(Context &ctx, const Shared &X, const Shared &Y, size_t m,
               size_t k, size_t n, size_t batch = 1);
CommCost mmul_ss_cost(size_t m, size_t k, size_t n, size_t batch = 1);

} // namespace mpcvit::rt

#endif
