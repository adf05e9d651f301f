//===- ConstantWeights.h - read and make vit.constant weights ---*- C++ -*-===//
//
// The rewrite passes compute new weights at compile time (W2·W1, c·W_q,
// W·diag(γ), ...). These helpers read a `vit.constant` (dense or
// dense_resource, f32/f64) into doubles, row-major, and materialise new
// ones.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_PASSES_CONSTANTWEIGHTS_H
#define MPCVIT_PASSES_CONSTANTWEIGHTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <vector>

namespace mpcvit {

/// The elements of `v` in row-major order if `v` is the result of a
/// `vit.constant` with f32 or f64 elements whose data is available (a
/// `dense<...>` or a `dense_resource` blob present in the module); failure
/// otherwise (no diagnostic).
mlir::FailureOr<std::vector<double>> getConstantValues(mlir::Value v);

/// If every element of the constant `v` equals one value, returns it.
std::optional<double> getScalarConstant(mlir::Value v);

/// Creates a `vit.constant` of `type` (f32 or f64 elements) holding
/// `values` (row-major, size = number of elements). Up to 16 elements are a
/// readable `dense<...>`; larger tensors become a `dense_resource` blob
/// named after `nameHint` (uniqued by MLIR), as the importer's weights are.
mlir::Value createConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::RankedTensorType type,
                           llvm::ArrayRef<double> values,
                           llvm::StringRef nameHint);

} // namespace mpcvit

#endif // MPCVIT_PASSES_CONSTANTWEIGHTS_H
