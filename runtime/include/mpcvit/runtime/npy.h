//===- npy.h - NumPy .npy arrays for the program's inputs and outputs -*- C++
//-*-===//
//
// Strict reader/writer of the .npy format (version 1.0–3.0 headers,
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
// for little-endian float32 ('<f4') and float64 ('<f8') arrays in C order:
// the client's images (x.npy), the revealed logits, and (through
// lib/eval/Npy.h) the plaintext evaluator's inputs and outputs; uint8
// ('|u1', raw images) only where the caller asks for it. Anything
// else (big-endian or other integer dtypes, Fortran order, a malformed header, a
// shape over 2^40 elements, a data size that does not match the shape) is a
// std::runtime_error "'NAME': not a supported .npy file: ...". Sizes are
// checked with overflow-free arithmetic before anything is allocated.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_NPY_H
#define MPCVIT_RUNTIME_NPY_H

#include "mpcvit/runtime/ring.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mpcvit::rt {

/// A float array: row-major values (widened to double), the shape, and
/// whether the file holds float64.
struct NpyArray {
  Shape shape;
  std::vector<double> data;
  bool isFloat64 = false;
  bool isUint8 = false; ///< '|u1' (only with allowUint8)
};

/// Parses the bytes of a .npy file; `name` appears in errors. `allowUint8`
/// also accepts uint8 arrays ('|u1', values widened to double).
NpyArray parseNpy(std::string_view bytes, const std::string &name,
                  bool allowUint8 = false);
/// Reads and parses `path`; a file larger than `maxBytes` is refused before
/// it is read (callers derive the limit from what they expect).
NpyArray readNpy(const std::string &path,
                 uint64_t maxBytes = uint64_t(1) << 36,
                 bool allowUint8 = false);
/// A version 1.0 .npy ('<f8' if isFloat64, else '<f4', values rounded).
std::string serializeNpy(const NpyArray &a);
/// Writes serializeNpy(a) to `path`. Throws std::runtime_error.
void writeNpy(const std::string &path, const NpyArray &a);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_NPY_H
