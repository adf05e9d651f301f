//===- MpcAttrs.h - attributes of the mpc dialect ---------------*- C++ -*-===//

#ifndef MPCVIT_DIALECTS_MPC_MPCATTRS_H
#define MPCVIT_DIALECTS_MPC_MPCATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/mpc/MpcEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mpcvit/dialects/mpc/MpcAttrs.h.inc"

namespace mpcvit::mpc {

/// The module attribute holding a lowered program's `#mpc.session`.
inline constexpr llvm::StringLiteral kSessionAttrName = "mpc.session";

/// The runtime's defaults: ring 64, 16 fractional bits, probabilistic
/// truncation, A2B protocols (runtime/include/mpcvit/runtime/session.h).
SessionAttr defaultSession(mlir::MLIRContext *ctx);

/// The one accessor of the session: the `mpc.session` attribute of the
/// module enclosing `op` (or of `op` when it is the module), or
/// defaultSession() when there is none. A malformed attribute never gets
/// here: the dialect's verifier rejects it.
SessionAttr getSession(mlir::Operation *op);

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_MPCATTRS_H
