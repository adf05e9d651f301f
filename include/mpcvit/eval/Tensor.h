//===- Tensor.h - dense host tensors of the plaintext evaluator -*- C++ -*-===//
//
// The value type of the plaintext reference evaluator: a row-major array of
// doubles with a static shape. float32 programs are evaluated in double and
// rounded to float after every op (see Evaluator.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_EVAL_TENSOR_H
#define MPCVIT_EVAL_TENSOR_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mpcvit::eval {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data; // row-major, size = product of shape

  Tensor() = default;
  Tensor(llvm::ArrayRef<int64_t> shape, double fill = 0.0)
      : shape(shape.begin(), shape.end()), data(numElementsOf(shape), fill) {}

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numElements() const { return numElementsOf(shape); }

  /// Product of `shape` (1 for a scalar).
  static int64_t numElementsOf(llvm::ArrayRef<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  /// Row-major strides of `shape` in elements.
  static std::vector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape) {
    std::vector<int64_t> s(shape.size(), 1);
    for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
      s[i] = s[i + 1] * shape[i + 1];
    return s;
  }
};

} // namespace mpcvit::eval

#endif // MPCVIT_EVAL_TENSOR_H
