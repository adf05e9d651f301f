//===- kernels.h - The calls of emitted programs, one per mpc op -*- C++
//-*-===//
//
// The top layer of DESIGN.md §5: what `mpcvit-translate --emit-cpp` calls,
// one function per `mpc` op, taking N-d shares and shapes as the IR has
// them and delegating to the protocols (sharing.h, beaver.h, mmul_sp.h,
// trunc.h, compare.h, softmax.h, gelu.h, sigmoid.h, layernorm.h) and to
// layout.h. The costs are those of the delegated protocols (each op's *_cost
// function); the adapters themselves are local. Shapes that do not fit throw
// std::invalid_argument naming the op.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_KERNELS_H
#define MPCVIT_RUNTIME_KERNELS_H

// The protocols the kernels delegate to, whose *_cost functions the
// compiler's op declarations call (include/mpcvit/dialects/mpc/KernelCost.h
// includes only this header): a new protocol adds its header here.
#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/compare.h"
#include "mpcvit/runtime/gelu.h"
#include "mpcvit/runtime/layernorm.h"
#include "mpcvit/runtime/layout.h"
#include "mpcvit/runtime/mmul_sp.h"
#include "mpcvit/runtime/sharing.h"
#include "mpcvit/runtime/sigmoid.h"
#include "mpcvit/runtime/softmax.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt::kernels {

/// A public constant: `values` (row-major) encoded with `frac` bits.
RingTensor publicConstant(const Shape &shape, const std::vector<double> &values,
                          int frac);
/// mpc.share of the client's input (owner 1) or a server weight (owner 0).
Shared shareFrom(Context &ctx, int owner, const RingTensor &x);
/// mpc.reveal toward the client (plain value on the client, zeros else).
RingTensor revealToClient(Context &ctx, const Shared &x);
/// mpc.add / mpc.sub with NumPy broadcasting to `out`; `ySharing` tells how
/// y is held: 's' shared, 'p' public (server adds it), 'w' server-private
/// (server adds it).
Shared add(Context &ctx, const Shared &x, const RingTensor &y, char ySharing,
           const Shape &out);
Shared sub(Context &ctx, const Shared &x, const RingTensor &y, char ySharing,
           const Shape &out);
/// mpc.mul_public (x · c, c public, broadcast to `out`).
Shared mulPublic(const Shared &x, const RingTensor &c, const Shape &out);
/// mpc.mul_sp: x ⊙ w, x shared with shape `out`, w the server's private
/// tensor (the weights file's W.tensor(i): real values on the server,
/// zeros of the same shape on the client and the dealer), broadcast to
/// `out` with NumPy rules (w's shape right-aligned: [D] or [1, 1, D]
/// against [B, T, D]). Both with f fractional bits; the result has 2f (no
/// truncation: the compiler follows it with an mpc.trunc). Protocol: the
/// server shares w with the PRZS seed (sharing.h share, 0 bytes), both
/// broadcast their share locally, then one Beaver product (beaver.h
/// mul_ss; fresh masks for every broadcast copy). Learned: nothing beyond
/// the shares (only x − a and w_b − b with fresh dealer masks are opened).
/// Cost (mulSP_cost): 1 round, 2n·8 bytes per party, n·8 dealer bytes,
/// n = numel(out). A per-deployment-mask variant like mmul_sp (W − B
/// opened once per deployment, only x − A per query) would halve the
/// online bytes (client 8n, server 0); not done. Throws
/// std::invalid_argument naming mulSP when x's shape is not `out` or w
/// does not broadcast to it.
Shared mulSP(Context &ctx, const Shared &x, const RingTensor &w,
             const Shape &out);
CommCost mulSP_cost(size_t wElems, size_t n);
/// mpc.sum: sum of x over `axis` (0 ≤ axis < rank), kept with size 1
/// ([B, T, D], axis 1 → [B, 1, D]). Local: 0 bytes, 0 rounds (local_cost).
/// Throws std::invalid_argument on a bad axis.
Shared sum(const Shared &x, int64_t axis);
/// mpc.mul_ss / mpc.square.
Shared mulSS(Context &ctx, const Shared &x, const Shared &y);
Shared square(Context &ctx, const Shared &x);
/// mpc.mmul_ss: X[..., m, k] · Y[..., k, n] with equal batch dims.
Shared mmulSS(Context &ctx, const Shared &x, const Shared &y);
/// mpc.mmul_sp: X[..., k] · W[k, n] → [..., n].
Shared mmulSP(Context &ctx, const Shared &x, const ServerWeight &w);
/// mpc.trunc by `bits` (the op's kind, named by what it guarantees):
/// truncProbabilistic is SecureML §4.1 local share truncation
/// (trunc_local: 0 bytes, wrong with probability ≈ 2^(k+1-64) per element
/// for |x| < 2^k), truncExact the dealer's exact-wrap pair (trunc_dealer:
/// 1 round, never wrong for |x| < 2^62); truncate picks one by `mode`.
Shared truncProbabilistic(Context &ctx, const Shared &x, int bits);
Shared truncExact(Context &ctx, const Shared &x, int bits);
Shared truncate(Context &ctx, const Shared &x, int bits, TruncMode mode);
/// Elementwise nonlinear ops (same shape out).
Shared relu(Context &ctx, const Shared &x);
Shared gelu(Context &ctx, const Shared &x);
/// (mpc.tanh calls rt::tanh of sigmoid.h directly: it keeps the shape.)
/// exp(z) for z ≤ 0 (f bits in and out), more accurate than exp.h's
/// exp_neg: (1 + z/2^8)^(2^8) computed with f + 8 fractional bits and exact
/// dealer truncations, times the correction 1 + z²/2^9 (the leading term of
/// e^z / (1 + z/n)^n), the first squaring batched with z². Absolute error
/// ≤ 1e-4 on [−16, 0] (exp_neg: 2e-3, which moves fmnist-tiny logits by
/// 2.6e-2). Cost: 8 × (square + trunc_dealer) on n (the first square on 2n)
/// + mul_ss + trunc_dealer: 18 rounds.
Shared expNegPrecise(Context &ctx, const Shared &z);
/// Exact communication of expNegPrecise on n elements with `frac`
/// fractional bits under truncation `mode` (the z/2^r and correction
/// truncations follow the session mode; the squarings' are dealer):
/// trunc(n) + square(2n) + 8·trunc_dealer(n) + 7·square(n) + 2·trunc(n) +
/// mul_ss(n) + trunc_dealer(n). Bytes per party, rounds, dealer bytes.
CommCost expNegPrecise_cost(TruncMode mode, size_t n, int frac);
/// Row-wise normalisations over the last axis. softmax = max-subtract
/// (max_rows), expNegPrecise, row sum, one reciprocal per row (32 bits),
/// broadcast product, exact truncation (softmax.h's structure with the
/// precise exponential). Under ProtocolSuite::FSS (and 13 <= f <= 40) it is
/// softmax_fss instead (softmax.h: lookup-table exp and inverse, 14 rounds
/// at 65 tokens), and softmax_cost is softmax_fss_cost.
Shared softmax(Context &ctx, const Shared &x);
/// Exact communication of kernels::softmax on x[rows × cols] (what
/// mpc.softmax runs; not rt::softmax_cost, whose exponential is exp_neg):
/// max_rows + expNegPrecise + reciprocal(rows, 32 bits out) +
/// mul_ss_rows + trunc_dealer(rows·cols, 32).
CommCost softmax_cost(TruncMode mode, size_t rows, size_t cols, int frac,
                      ProtocolSuite cmp = kDefaultProtocols);
Shared reluSoftmax(Context &ctx, const Shared &x, double eps);
Shared twoQuad(Context &ctx, const Shared &x);
Shared twoRelu(Context &ctx, const Shared &x);
/// mpc.layer_norm with the server's γ, β (shared by the server, 0 bytes);
/// unitGamma (γ ≡ 1, folded into the next linear): no product with γ.
Shared layerNorm(Context &ctx, const Shared &x, const RingTensor &gamma,
                 const RingTensor &beta, double eps, bool unitGamma);

} // namespace mpcvit::rt::kernels

#endif // MPCVIT_RUNTIME_KERNELS_H
