//===- npy.h - NumPy .npy arrays for the program's inputs and outputs -*- C++
//-*-===//
//
// Strict reader/writer of the .npy format (version 1.0–3.0 headers,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
// for little-endian float32 ('<f4') and float64 ('<f8') arrays in C order:
// the client's image (x.npy) and the revealed logits. Anything else is a
// std::runtime_error naming the file and the problem.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_NPY_H
#define MPCVIT_RUNTIME_NPY_H

#include "mpcvit/runtime/ring.h"

#include <string>
#include <vector>

namespace mpcvit::rt {

/// A float array: row-major values (widened to double) and the shape.
struct NpyArray {
  Shape shape;
  std::vector<double> data;
};

/// Reads a float32/float64 C-order .npy file. Throws std::runtime_error.
NpyArray readNpy(const std::string &path);
/// Writes `a` as a version 1.0 '<f4' .npy file. Throws std::runtime_error.
void writeNpy(const std::string &path, const NpyArray &a);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_NPY_H
