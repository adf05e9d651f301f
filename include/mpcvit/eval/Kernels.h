//===- Kernels.h - plaintext kernels of the vit ops -------------*- C++ -*-===//
//
// Straightforward double-precision implementations of the semantics in
// VitOps.td, used by the evaluator (and by the importer to fold constant
// subgraphs). Callers pass shapes that the op verifiers accept; the kernels
// assert nothing beyond that.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_EVAL_KERNELS_H
#define MPCVIT_EVAL_KERNELS_H

#include "mpcvit/eval/Tensor.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace mpcvit::eval {

/// NumPy broadcast of two shapes; false if they do not broadcast.
bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     std::vector<int64_t> &out);

/// f(a, b) elementwise with NumPy broadcasting (shapes must broadcast).
Tensor broadcastBinary(const Tensor &a, const Tensor &b,
                       llvm::function_ref<double(double, double)> f);

/// f(x) elementwise.
Tensor unary(const Tensor &x, llvm::function_ref<double(double)> f);

/// x [..., K] · Wᵀ [N, K] + b [N] → [..., N]; `b` may be null.
Tensor linear(const Tensor &x, const Tensor &w, const Tensor *b);

/// Batched matmul [..., M, K] × [..., K, N] with broadcast batch dims.
Tensor matmul(const Tensor &a, const Tensor &b);

/// NCHW convolution, group 1, dilation 1, zero padding [top, left, bottom,
/// right]; `b` may be null.
Tensor convPatch(const Tensor &x, const Tensor &w, const Tensor *b,
                 llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads);

/// Numerically stable softmax along `axis` (already normalised, >= 0).
Tensor softmax(const Tensor &x, int64_t axis);

/// Head kinds of vit.attention_norm, same numbering as vit::HeadKind.
enum class HeadKind { Softmax, ReluSoftmax, Scale, TwoQuad, TwoRelu };

/// vit.attention_norm: row (last axis) normalisation of `x` with kind
/// kinds[h] for index h along `headAxis`; `epsilon` is RSAttn's ε.
Tensor attentionNorm(const Tensor &x, llvm::ArrayRef<HeadKind> kinds,
                     int64_t headAxis, double epsilon);

/// LayerNorm over the last axis with biased variance.
Tensor layerNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 double epsilon);

/// Result axis i is input axis perm[i].
Tensor transpose(const Tensor &x, llvm::ArrayRef<int64_t> perm);

/// Concatenation along `axis` (normalised).
Tensor concat(llvm::ArrayRef<const Tensor *> xs, int64_t axis);

/// Strided slice: result[i] = x[offsets + i * strides], result shape sizes.
Tensor slice(const Tensor &x, llvm::ArrayRef<int64_t> offsets,
             llvm::ArrayRef<int64_t> sizes, llvm::ArrayRef<int64_t> strides);

/// Selection along `axis` (normalised) by non-negative `indices`.
Tensor gather(const Tensor &x, int64_t axis, llvm::ArrayRef<int64_t> indices);

enum class ReduceKind { Mean, Sum, Max };

/// Reduction over `axes` (normalised, distinct); reduced axes are kept with
/// size 1 if `keepdims`, removed otherwise.
Tensor reduce(const Tensor &x, llvm::ArrayRef<int64_t> axes, bool keepdims,
              ReduceKind kind);

/// Exact GeLU 0.5·x·(1 + erf(x/√2)).
double geluErf(double x);
/// Tanh GeLU 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
double geluTanh(double x);

} // namespace mpcvit::eval

#endif // MPCVIT_EVAL_KERNELS_H
