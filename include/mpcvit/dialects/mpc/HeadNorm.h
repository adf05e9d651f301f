//===- HeadNorm.h - the protocol of each attention head kind ----*- C++ -*-===//
//
// The one mapping from an attention head kind (vit HeadKind names) to the
// mpc ops that normalise its scores. `--mpcvit-lower-to-mpc` builds a head
// with it, and the cost report (lib/cost/AttentionCost.cpp) builds each kind
// in a scratch module and sums the ops' declared costs, so the search sees
// exactly what the lowering emits.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_HEADNORM_H
#define MPCVIT_DIALECTS_MPC_HEADNORM_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace mpcvit::mpc {

/// The head kinds, in report order: softmax, relu_softmax (RSAttn, MPCViT
/// §3.2), scale (ScaleAttn a/N), 2quad and 2relu (MPCFormer §3.2).
llvm::ArrayRef<llvm::StringRef> headKinds();

/// Builds the normalisation of shared scores `x` (keys on the last axis,
/// the session's fractional bits f) for head kind `kind` at `b`'s insertion
/// point, which must be inside a module (its #mpc.session gives f and the
/// truncation kind): softmax → mpc.softmax; relu_softmax → mpc.relu_softmax
/// with `eps`; 2quad → mpc.two_quad; 2relu → mpc.two_relu; scale → public
/// 1/N product (2f bits) and one mpc.trunc to f. Returns the normalised
/// value (type of `x`), or failure for an unknown kind.
mlir::FailureOr<mlir::Value> buildHeadNorm(mlir::OpBuilder &b,
                                           mlir::Location loc,
                                           llvm::StringRef kind, mlir::Value x,
                                           double eps);

/// A public rank-0 constant `v` with `frac` fractional bits.
mlir::Value buildPublicScalar(mlir::OpBuilder &b, mlir::Location loc, double v,
                              unsigned frac);

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_HEADNORM_H
