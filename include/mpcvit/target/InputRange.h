//===- InputRange.h - The input range a program's fixed point carries -*- C++
//-*-===//
//
// Fixed-point values over Z_2^64 wrap silently when they grow too large, so
// an input far outside what the model was trained on (an image in [0, 255]
// given to a model trained on normalised pixels, or one pixel at 10^6) used
// to give garbage logits with exit code 0 (issue 14). This analysis bounds,
// for every value of the first layers, |v| <= a·X + b where X = max |x_i|
// over the client's input, propagating through the layout ops, sums,
// public products and the products with server weights (a row of W adds at
// most Σ_i |W_ij|, the weights' largest column sum), and stops at the first
// op that is not affine in the input. Constraints met on the way:
//   * every product with a weight or constant is kept with 2f fractional
//     bits before its truncation: |v| < 2^(62 − 2f) (2^30 at f = 16);
//   * LayerNorm (runtime/include/mpcvit/runtime/layernorm.h) needs
//     d·σ² < 2^30 on rows of d elements, and σ² <= max |v|²: |v| < √(2^30/d);
//   * any other op (softmax, comparison, GeLU, product of two shares, ...)
//     is charged the product bound |v| < 2^(62 − 2f).
// The result is the largest X all constraints allow (and the encodable
// range 2^(62 − f) of the input itself): a sufficient, not a necessary,
// bound. The compiler prints it and the executable's client refuses inputs
// beyond it (runtime ProgramInfo::inputAbsMax).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_TARGET_INPUTRANGE_H
#define MPCVIT_TARGET_INPUTRANGE_H

#include "mpcvit/target/Program.h"

#include <string>

namespace mpcvit::target {

struct InputRange {
  double absMax = 0;    ///< largest |x_i| the first layers carry
  std::string limitBy;  ///< the constraint that sets it, for the summary
};

/// The analysis above on the lowered program; failure (no diagnostic) when
/// weight or constant data it needs is not available (elided IR).
mlir::FailureOr<InputRange> inputRange(const ProgramView &program);

} // namespace mpcvit::target

#endif // MPCVIT_TARGET_INPUTRANGE_H
