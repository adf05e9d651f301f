//===- CommCostOpInterface.h - per-op communication cost --------*- C++ -*-===//

#ifndef MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_H
#define MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_H

#include "mlir/IR/OpDefinition.h"
#include "mlir/Support/LogicalResult.h"

#include "mpcvit/dialects/mpc/CommCost.h"

#include "mpcvit/dialects/mpc/CommCostOpInterface.h.inc"

#endif // MPCVIT_DIALECTS_MPC_COMMCOSTOPINTERFACE_H
