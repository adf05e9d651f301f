//===- CostSession.h - session parameters the costs depend on ---*- C++ -*-===//
//
// The protocol parameters of a lowered program that the cost of a composite
// op depends on besides its shapes: fractional bits f, truncation mode and
// comparison backend. `--mpcvit-lower-to-mpc` records them as module
// attributes (`mpcvit.frac_bits` : i64, `mpcvit.trunc` = "local"|"dealer",
// `mpcvit.compare` = "a2b"|"dcf"); absent attributes take the runtime's
// defaults (16, local, a2b: runtime/include/mpcvit/runtime/context.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_COSTSESSION_H
#define MPCVIT_DIALECTS_MPC_COSTSESSION_H

#include "mlir/IR/Operation.h"

namespace mpcvit::mpc {

struct CostSession {
  unsigned fracBits = 16;
  bool dealerTrunc = false; ///< mpcvit.trunc = "dealer"
  bool dcfCompare = false;  ///< mpcvit.compare = "dcf"

  /// The session of the module enclosing `op` (or `op` itself when it is the
  /// module). Fails when an attribute is present but malformed; with
  /// `diagnose`, the error is reported on the module, naming the attribute
  /// and the values expected.
  static mlir::FailureOr<CostSession> of(mlir::Operation *op,
                                         bool diagnose = false);
};

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_COSTSESSION_H
