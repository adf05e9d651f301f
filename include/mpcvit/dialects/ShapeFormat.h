//===- ShapeFormat.h - shapes in diagnostics --------------------*- C++ -*-===//
//
// One spelling of a static shape for every verifier message of the vit and
// mpc dialects: "[d0, d1, ...]".
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_SHAPEFORMAT_H
#define MPCVIT_DIALECTS_SHAPEFORMAT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace mpcvit {

/// Renders a static shape as "[d0, d1, ...]" ("[]" for a scalar).
inline std::string shapeStr(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

} // namespace mpcvit

#endif // MPCVIT_DIALECTS_SHAPEFORMAT_H
