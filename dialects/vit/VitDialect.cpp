//===- VitDialect.cpp - the plaintext ViT dialect ---------------*- C++ -*-===//

#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/dialects/vit/VitAttrs.h"
#include "mpcvit/dialects/vit/VitOps.h"

#include "mpcvit/dialects/vit/VitDialect.cpp.inc"

using namespace mlir;
using namespace mpcvit::vit;

void VitDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mpcvit/dialects/vit/VitOps.cpp.inc"
      >();
  registerAttributes();
}
