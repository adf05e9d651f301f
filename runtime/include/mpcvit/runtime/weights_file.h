//===- weights_file.h - The server-only weights file (NAME.weights) -*- C++
//-*-===//
//
// The weights of a compiled program live in a file next to the executable,
// read by the server only (never linked into the binary). Format, all
// integers little-endian:
//   "MPCVITW1" (8 bytes) | u64 program hash | u32 count |
//   count × { u32 name length | name | u32 rank | rank × i64 dims |
//             u32 fractional bits | numel × u64 ring elements }
// Values are fixed-point ring elements round(v · 2^frac) mod 2^64. The
// writer is mpcvit-compile (lib/target/WeightsFile.cpp, same format).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_WEIGHTS_FILE_H
#define MPCVIT_RUNTIME_WEIGHTS_FILE_H

#include "mpcvit/runtime/ring.h"

#include <string>
#include <vector>

namespace mpcvit::rt {

/// One weight tensor of the file.
struct WeightEntry {
  std::string name;
  Shape shape;
  int frac = 0;
  RingTensor value;
};

/// The parsed file.
struct WeightsFile {
  uint64_t programHash = 0;
  std::vector<WeightEntry> weights;
};

/// Reads `path`. Throws std::runtime_error naming the file on a bad magic,
/// truncation or trailing bytes.
WeightsFile readWeightsFile(const std::string &path);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_WEIGHTS_FILE_H
