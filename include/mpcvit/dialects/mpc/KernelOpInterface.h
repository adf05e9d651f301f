//===- KernelOpInterface.h - the runtime call of an mpc op ------*- C++ -*-===//
#ifndef MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_H
#define MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_H

#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

#include "mpcvit/dialects/mpc/KernelOpInterface.h.inc"

#endif // MPCVIT_DIALECTS_MPC_KERNELOPINTERFACE_H
