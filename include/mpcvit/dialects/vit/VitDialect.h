//===- VitDialect.h - the plaintext ViT dialect -----------------*- C++ -*-===//
//
// Declares mpcvit::vit::VitDialect (DESIGN.md §3).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_VIT_VITDIALECT_H
#define MPCVIT_DIALECTS_VIT_VITDIALECT_H

#include "mlir/IR/Dialect.h"

#include "mpcvit/dialects/vit/VitDialect.h.inc"

#endif // MPCVIT_DIALECTS_VIT_VITDIALECT_H
