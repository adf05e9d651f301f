//===- Evaluator.h - plaintext reference evaluator of vit IR ----*- C++ -*-===//
//
// Interprets a `func.func` whose body holds `vit` ops (and `func.return`)
// on host tensors, with the semantics of the op descriptions in VitOps.td.
// It is the numerical oracle of the tests: imported models are compared
// with PyTorch through it, and rewritten models with their originals.
//
// Precision: every op is computed in double; results of f32 type are then
// rounded to float, so an f32 program sees the rounding points of a float
// implementation (not its accumulation order). f64 programs stay in double.
// Other element types (f16, bf16, ...) are rejected.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_EVAL_EVALUATOR_H
#define MPCVIT_EVAL_EVALUATOR_H

#include "mpcvit/eval/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "llvm/Support/Error.h"

namespace mpcvit::eval {

/// The values of a constant (`dense<...>`, including splats, or a
/// `dense_resource` blob present in the context) with f32/f64 elements.
/// Errors name the attribute's type and why it cannot be read (missing
/// blob, unsupported element type).
llvm::Expected<Tensor> readElements(mlir::ElementsAttr attr);

/// Runs `func` on `inputs` (one per argument, shapes equal to the argument
/// types) and returns one tensor per result. Errors (wrong input count or
/// shape, an op that is not a vit op, an unsupported element type) name the
/// op and its location; the evaluator never aborts on valid IR.
llvm::Expected<std::vector<Tensor>> evaluate(mlir::func::FuncOp func,
                                             llvm::ArrayRef<Tensor> inputs);

} // namespace mpcvit::eval

#endif // MPCVIT_EVAL_EVALUATOR_H
