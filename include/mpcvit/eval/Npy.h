//===- Npy.h - strict NumPy .npy reader and writer --------------*- C++ -*-===//
//
// Reads and writes the NumPy array file format (format versions 1.0, 2.0
// and 3.0;
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) for
// little-endian float32 ('<f4') and float64 ('<f8') arrays in C order. Debian
// ships no maintained C++ .npy library, so this reader is strict: anything else
// (big-endian or integer dtypes, Fortran order, a malformed header, a data size
// that does not match the shape) is an error naming the file and the problem.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_EVAL_NPY_H
#define MPCVIT_EVAL_NPY_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpcvit::eval {

/// A dense array read from or written to a .npy file: row-major values
/// widened to double, the shape, and whether the file holds float64.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;
  bool isFloat64 = false;
};

/// Parses the bytes of a .npy file; `name` is used in error messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes, llvm::StringRef name);

/// Reads the .npy file at `path` (see parseNpy for what is accepted).
llvm::Expected<NpyArray> readNpy(const std::string &path);

/// Serialises `array` as a version 1.0 .npy ('<f8' if array.isFloat64,
/// otherwise '<f4', values rounded to float).
std::string serializeNpy(const NpyArray &array);

/// Writes `array` to `path` (see serializeNpy).
llvm::Error writeNpy(const std::string &path, const NpyArray &array);

} // namespace mpcvit::eval

#endif // MPCVIT_EVAL_NPY_H
