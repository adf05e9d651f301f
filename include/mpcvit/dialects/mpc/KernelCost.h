//===- KernelCost.h - what an op's declared cost is written in --*- C++ -*-===//
//
// The names the `cost`, `calibrationUnits` and `calibrationKey` fields of an
// op's declaration (MpcOps.td) are written in: the op's shapes, the session
// of its module in the runtime's types, and the calibration key families.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_KERNELCOST_H
#define MPCVIT_DIALECTS_MPC_KERNELCOST_H

#include "mpcvit/dialects/mpc/MpcAttrs.h"
#include "mpcvit/dialects/mpc/MpcTypes.h"

// Every protocol's *_cost function (kernels.h includes their headers).
#include "mpcvit/runtime/kernels.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mpcvit::mpc {

/// The runtime's truncation / comparison modes of the dialect's kinds (the
/// enums share their values: the handshake carries them).
inline rt::TruncMode truncMode(TruncKind k) {
  return k == TruncKind::Exact ? rt::TruncMode::Exact
                               : rt::TruncMode::Probabilistic;
}
inline rt::ProtocolSuite protocolSuite(ProtocolKind k) {
  return k == ProtocolKind::FSS ? rt::ProtocolSuite::FSS
                                : rt::ProtocolSuite::A2B;
}

/// The quantities an op's declared cost is written in.
struct KernelCostArgs {
  uint64_t n = 0;    ///< elements of operand 0 (of the result without one)
  uint64_t out = 0;  ///< elements of the result
  uint64_t rows = 0; ///< n / cols
  uint64_t cols = 0; ///< operand 0's last dimension (1 for a scalar)
  int shift = 0;     ///< operand 0's fractional bits minus the result's
  struct {
    int frac = 16; ///< session fractional bits f
    rt::TruncMode trunc = rt::TruncMode::Probabilistic;
    rt::ProtocolSuite cmp = rt::ProtocolSuite::A2B;
  } s;
  /// The arguments of `op` (an mpc op with ring-tensor operands and one
  /// result) under the session of its module; failure when the session's
  /// ring is not the runtime's (ℓ = 64).
  static mlir::FailureOr<KernelCostArgs> of(mlir::Operation *op);
};

/// Dimension i of a ring tensor value (i < 0 counts from the back).
uint64_t dim(mlir::Value v, int i);
/// Number of elements of a ring tensor value.
uint64_t elements(mlir::Value v);

/// The calibration keys of `op` (KernelOpInterface::getCalibrationKeys):
/// `first` (when non-empty), then by `family`: "none" → none, "local" →
/// local, "plain" → MNEMONIC, "session" → MNEMONIC.CMP.TRUNC, MNEMONIC.CMP,
/// MNEMONIC with the session's comparison and truncation names.
llvm::SmallVector<std::string> calibrationKeys(mlir::Operation *op,
                                               llvm::StringRef family,
                                               const std::string &first);

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_KERNELCOST_H
