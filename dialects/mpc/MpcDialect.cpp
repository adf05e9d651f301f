//===- MpcDialect.cpp - the secret-shared 2PC dialect -----------*- C++ -*-===//

#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/mpc/MpcAttrs.h"
#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/dialects/mpc/MpcTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include "mpcvit/dialects/mpc/MpcDialect.cpp.inc"
#include "mpcvit/dialects/mpc/MpcEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mpcvit/dialects/mpc/MpcAttrs.cpp.inc"

using namespace mlir;
using namespace mpcvit::mpc;

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
