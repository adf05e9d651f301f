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

#include <utility>
#include <vector>

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

/// x opened once under a Beaver mask A: e = x − A is public to both parties
/// and reused by every product with x (SecureML, Mohassel–Zhang, S&P 2017,
/// §4.2: the masked matrix E = X − A serves all products with X). Party p
/// learns e only, which is uniform (A is a fresh dealer mask); the dealer
/// learns nothing new.
///
/// Signed values: a MaskedShare with isSigned holds shares of σ ⊙ v, where
/// v is the value it stands for and σ ∈ {+1, −1}^n is known to the dealer
/// only (lut.h, lutSigned_open: 1-bit-lane lookups). The products below
/// (mul_ss, square, three-factor mul_ss_rows) then compute with v: the
/// dealer multiplies every correlated term by S = ∏ σ of the factors and
/// also sends shares of S for the public term, so z = S·(∏ of the opened
/// factors) = ∏ v. Extra dealer bytes, no extra online bytes or rounds;
/// the openings stay uniform (fresh masks), σ is never revealed. The
/// two-factor mul_ss_rows(MaskedShare, Shared) throws std::invalid_argument
/// on a signed x.
struct MaskedShare {
  Shared x;                   ///< this party's share of x (dealer: x = 0)
  std::vector<uint64_t> mask; ///< this party's share of A (dealer: A)
  std::vector<uint64_t> e;    ///< the public opening x − A
  bool isSigned = false;      ///< x holds σ ⊙ v (see above), on every role
  std::vector<uint64_t> sign; ///< dealer only: σ (1 or 2^64 − 1 each)
};

/// Opens x − A. Cost: each party n·8 bytes, 1 round, dealer 0 (A comes from
/// the seeds).
/// `what` names the exchange in transport errors.
MaskedShare open_masked(Context &ctx, const Shared &x,
                        const char *what = "open_masked");
CommCost open_masked_cost(size_t n);

/// x ⊙ x from an opened x: the dealer sends A ⊙ A. Local: 0 bytes, 0 rounds,
/// dealer n·8. open_masked + this = square().
Shared square(Context &ctx, const MaskedShare &x);
CommCost square_masked_cost(size_t n);

/// x[rows × cols] ⊙ broadcast(y[rows]) from an opened x: opens y − b only
/// (rows·8 bytes each, 1 round), dealer rows·cols·8 (A ⊙ bcast(b)). Throws
/// std::invalid_argument when x does not hold rows·cols elements or y rows.
Shared mul_ss_rows(Context &ctx, const MaskedShare &x, const Shared &y,
                   size_t rows, size_t cols);
CommCost mul_ss_rows_masked_cost(size_t rows, size_t cols);

/// x ⊙ y from two opened values (equal sizes): local, dealer n·8 (A ⊙ B).
/// open_masked on both (one exchange each, or see mul_ss_open) + this =
/// mul_ss. Throws std::invalid_argument on different sizes.
/// Signed factors (MaskedShare::isSigned): dealer 32·n (S, S⊙A, S⊙B,
/// S⊙A⊙B).
Shared mul_ss(Context &ctx, const MaskedShare &x, const MaskedShare &y);
CommCost mul_ss_masked_cost(size_t n, bool isSigned = false);

/// Opens x − A and y − B in ONE exchange (2n·8 bytes each, 1 round, dealer
/// 0): the two MaskedShares of mul_ss, kept for later products.
std::pair<MaskedShare, MaskedShare>
open_masked_pair(Context &ctx, const Shared &x, const Shared &y,
                 const char *what = "open_masked");
CommCost open_masked_pair_cost(size_t n);

/// x ⊙ y ⊙ bcast(z[rows]) from opened x and y [rows × cols] without opening
/// x ⊙ y: a three-factor Beaver product (the expansion of (e_x + A)(e_y +
/// B)(f + c) needs shares of A⊙B, A⊙c, B⊙c and A⊙B⊙c; Beaver's circuit
/// randomization applied to a degree-3 monomial, e.g. Ohata–Nuida, FC 2020,
/// §3). Opens z − c only: rows·8 bytes each, 1 round; dealer 4·rows·cols·8.
/// The ring product is exact: the caller keeps |x·y·z| below 2^63 (in ring
/// units). Throws std::invalid_argument unless x and y hold rows·cols
/// elements and z rows.
/// With a signed x or y (MaskedShare::isSigned) the dealer also multiplies
/// by S and sends S, S⊙A, S⊙B, S⊙c: dealer 8·rows·cols·8.
/// A signed z (zSigned on every role: z holds σ_z ⊙ v per row, zSign the
/// dealer's σ_z [rows], as inverse_lut gives it) computes with v the same
/// way: σ_z joins S, no extra bytes beyond the signed product's.
Shared mul_ss_rows(Context &ctx, const MaskedShare &x, const MaskedShare &y,
                   const Shared &z, size_t rows, size_t cols,
                   bool zSigned = false,
                   const std::vector<uint64_t> &zSign = {});
CommCost mul_ss_rows3_cost(size_t rows, size_t cols, bool isSigned = false);

/// Batched X[b × m × k] · Y[b × k × n] → [b × m × n] with matrix Beaver
/// triples (SecureML §4.2). Opens X − A and Y − B (one message).
/// Cost: each party b·(m·k + k·n)·8 bytes, 1 round, dealer b·m·n·8.
/// Throws std::invalid_argument if the sizes do not match b·m·k / b·k·n.
Shared mmul_ss(Context &ctx, const Shared &X, const Shared &Y, size_t m,
               size_t k, size_t n, size_t batch = 1);
CommCost mmul_ss_cost(size_t m, size_t k, size_t n, size_t batch = 1);

} // namespace mpcvit::rt

#endif
