//===- VitOps.h - plaintext ViT ops -----------------------------*- C++ -*-===//
//
// Declares the ops of the `vit` dialect (see VitOps.td for their semantics).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITOPS_H
#define MPCVIT_DIALECTS_VIT_VITOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mpcvit/dialects/vit/VitAttrs.h"
#include "mpcvit/dialects/vit/VitDialect.h"

#define GET_OP_CLASSES
#include "mpcvit/dialects/vit/VitOps.h.inc"

#endif // MPCVIT_DIALECTS_VIT_VITOPS_H
