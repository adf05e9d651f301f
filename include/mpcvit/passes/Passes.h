//===- Passes.h - every --mpcvit-* pass -------------------------*- C++ -*-===//
//
// Declarations and registration of the mpcvit passes (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_PASSES_PASSES_H
#define MPCVIT_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/vit/VitDialect.h"

namespace mpcvit {

#define GEN_PASS_DECL
#include "mpcvit/passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mpcvit/passes/Passes.h.inc"

/// Adds --mpcvit-pipeline's passes to `pm` (DESIGN.md §1, the one
/// definition used by mpcvit-opt, mpcvit-compile and the Python cost query):
/// raise-patterns (a no-op on raised IR), replace-softmax and
/// linearize-gelu with `archFile` (skipped when it is empty: the model's own
/// kinds), fuse-linear and canonicalize.
void buildMpcvitPipeline(mlir::OpPassManager &pm, llvm::StringRef archFile);

/// Registers --mpcvit-pipeline=arch=FILE.
void registerMpcvitPipeline();

} // namespace mpcvit

#endif // MPCVIT_PASSES_PASSES_H
