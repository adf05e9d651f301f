//===- MpcDialect.cpp - the secret-shared 2PC dialect -----------*- C++ -*-===//

#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/mpc/MpcAttrs.h"
#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/dialects/mpc/MpcTypes.h"
#include "mpcvit/runtime/ring.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "mpcvit/dialects/mpc/MpcDialect.cpp.inc"
#include "mpcvit/dialects/mpc/MpcEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mpcvit/dialects/mpc/MpcAttrs.cpp.inc"

using namespace mlir;
using namespace mpcvit::mpc;

LogicalResult SessionAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  unsigned ring, unsigned fracBits, TruncKind,
                                  ProtocolKind) {
  if (ring != MpcDialect::kRingBits)
    return emitError() << "#mpc.session: ring must be " << MpcDialect::kRingBits
                       << " (the runtime's Z_2^64), got " << ring;
  if (fracBits < 1 || fracBits > 31)
    return emitError() << "#mpc.session: frac_bits must be in [1, 31], got "
                       << fracBits;
  return success();
}

LogicalResult MpcDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() != kSessionAttrName)
    return op->emitError("unknown mpc attribute '")
           << attr.getName().strref() << "' (expected " << kSessionAttrName
           << ")";
  if (!llvm::isa<ModuleOp>(op))
    return op->emitError() << kSessionAttrName << " belongs on the module";
  if (!llvm::isa<SessionAttr>(attr.getValue()))
    return op->emitError() << kSessionAttrName
                           << " must be a #mpc.session<ring = 64, frac_bits "
                              "= F, trunc = probabilistic|exact, protocols = "
                              "a2b|fss>, got "
                           << attr.getValue();
  return success();
}

namespace mpcvit::mpc {

SessionAttr defaultSession(MLIRContext *ctx) {
  return SessionAttr::get(ctx, MpcDialect::kRingBits, rt::kDefaultFracBits,
                          TruncKind::Probabilistic, ProtocolKind::A2B);
}

SessionAttr getSession(Operation *op) {
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  if (module)
    if (auto s = module->getAttrOfType<SessionAttr>(kSessionAttrName))
      return s;
  return defaultSession(op->getContext());
}

} // namespace mpcvit::mpc

void MpcDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mpcvit/dialects/mpc/MpcOps.cpp.inc"
      >();
  registerTypes();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mpcvit/dialects/mpc/MpcAttrs.cpp.inc"
      >();
}
