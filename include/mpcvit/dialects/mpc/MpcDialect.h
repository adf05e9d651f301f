//===- MpcDialect.h - the secret-shared 2PC dialect -------------*- C++ -*-===//

#ifndef MPCVIT_DIALECTS_MPC_MPCDIALECT_H
#define MPCVIT_DIALECTS_MPC_MPCDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mpcvit/dialects/mpc/MpcDialect.h.inc"

#endif // MPCVIT_DIALECTS_MPC_MPCDIALECT_H
