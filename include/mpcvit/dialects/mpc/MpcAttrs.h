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

#endif // MPCVIT_DIALECTS_MPC_MPCATTRS_H
