//===- MpcOps.h - secret-shared 2PC ops -------------------------*- C++ -*-===//

#ifndef MPCVIT_DIALECTS_MPC_MPCOPS_H
#define MPCVIT_DIALECTS_MPC_MPCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"

#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/KernelCost.h"
#include "mpcvit/dialects/mpc/KernelOpInterface.h"
#include "mpcvit/dialects/mpc/MpcAttrs.h"
#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/mpc/MpcTypes.h"

#define GET_OP_CLASSES
#include "mpcvit/dialects/mpc/MpcOps.h.inc"

#endif // MPCVIT_DIALECTS_MPC_MPCOPS_H
