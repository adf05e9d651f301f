//===- Npy.h - .npy files for the evaluator (llvm::Error API) ---*- C++ -*-===//
//
// The evaluator's view of the project's one .npy reader/writer
// (runtime/include/mpcvit/runtime/npy.h: little-endian float32/float64, C
// order, strict): the same array type, errors as llvm::Error naming the
// file and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_EVAL_NPY_H
#define MPCVIT_EVAL_NPY_H

#include "mpcvit/runtime/npy.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpcvit::eval {

/// A dense array: row-major values widened to double, the shape, and
/// whether the file holds float64.
using NpyArray = rt::NpyArray;

/// Parses the bytes of a .npy file; `name` is used in error messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes, llvm::StringRef name);

/// Reads the .npy file at `path` (see parseNpy for what is accepted).
llvm::Expected<NpyArray> readNpy(const std::string &path);

/// Serialises an array as a version 1.0 .npy ('<f8' if isFloat64,
/// otherwise '<f4', values rounded to float).
using rt::serializeNpy;

/// Writes `array` to `path` (see serializeNpy).
llvm::Error writeNpy(const std::string &path, const NpyArray &array);

} // namespace mpcvit::eval

#endif // MPCVIT_EVAL_NPY_H
