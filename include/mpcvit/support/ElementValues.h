//===- ElementValues.h - Float element data of an attribute -----*- C++ -*-===//
//
// The one reader of float constant data in the compiler: the rewrite passes
// read `vit.constant` weights with it (passes/ConstantWeights.h), the
// emitter and the input-range analysis read `mpc.weight` / `mpc.constant`
// values (lib/target).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_SUPPORT_ELEMENTVALUES_H
#define MPCVIT_SUPPORT_ELEMENTVALUES_H

#include "mlir/IR/Attributes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <vector>

namespace mpcvit {

/// The elements of an f32/f64 `dense<...>` or `dense_resource` attribute as
/// doubles, row-major. Failure (no diagnostic) when the blob is not
/// available (elided IR), the element type is not f32/f64, or `count` >= 0
/// and the attribute holds another number of elements.
mlir::FailureOr<std::vector<double>> elementsAsDoubles(mlir::Attribute attr,
                                                       int64_t count = -1);

} // namespace mpcvit

#endif // MPCVIT_SUPPORT_ELEMENTVALUES_H
