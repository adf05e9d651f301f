//===- weights_file.h - The server-only weights file (NAME.weights) -*- C++
//-*-===//
//
// The weights of a compiled program live in a file next to the executable,
// read by the server only (never linked into the binary). The writer is
// mpcvit-compile (lib/target/WeightsFile.cpp, same format).
//
// Format version 2, all integers little-endian:
//
//   offset 0   "MPCVITW2"            8 bytes: magic and format version
//   offset 8   u64 file size         total bytes of the file, digest included
//   offset 16  u64 program hash      programHash() of the program
//   offset 24  u32 count             number of weights, then count × entry:
//     u32 name length | name (bytes) | u32 rank (≤ 16) | rank × i64 dims
//     (each ≥ 0) | u32 fractional bits (≤ 62) | numel × u64 ring elements
//   offset S-32  SHA-256 (32 bytes)  over every byte before it (offsets
//                                    0 .. S-33, magic and size included)
//
// where S is the file size. Values are fixed-point ring elements
// round(v · 2^frac) mod 2^64, row-major.
//
// The reader refuses, with a message naming the file: a file of format 1
// ("MPCVITW1", no checksum: "written by an older mpcvit-compile:
// recompile"), any other magic, a size that differs from the recorded one
// (truncated, or trailing bytes), a digest mismatch ("checksum mismatch: the
// file is corrupt or was modified"), and then — although a file with a
// valid digest was written by mpcvit-compile — any entry whose sizes do not
// fit the bytes that are actually left (every size product overflow-checked
// before anything is allocated or copied), or bytes left after the last
// entry. Limits come from the file's real size, never from its header.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_WEIGHTS_FILE_H
#define MPCVIT_RUNTIME_WEIGHTS_FILE_H

#include "mpcvit/runtime/ring.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace mpcvit::rt {

/// Format constants shared with the writer (lib/target/WeightsFile.cpp).
inline constexpr char kWeightsMagic[] = "MPCVITW2";   ///< current format
inline constexpr char kWeightsMagicV1[] = "MPCVITW1"; ///< no checksum
inline constexpr size_t kWeightsHeaderBytes = 8 + 8 + 8 + 4;
inline constexpr size_t kWeightsDigestBytes = 32; ///< SHA-256
inline constexpr uint32_t kWeightsMaxRank = 16;
inline constexpr uint32_t kWeightsMaxFrac = 62;

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

/// Size in bytes of the format-2 file holding weights of these names and
/// shapes (what the program expects: the reader's bound).
uint64_t weightsFileBytes(
    const std::vector<std::pair<std::string, Shape>> &weights);

/// Reads `path`, refusing before reading a file over `maxBytes` (callers
/// pass weightsFileBytes of the program's weights). Throws
/// std::runtime_error naming the file on an older format, a bad magic,
/// truncation or trailing bytes, a checksum mismatch, or sizes that do not
/// fit the file.
WeightsFile readWeightsFile(const std::string &path,
                            uint64_t maxBytes = uint64_t(1) << 36);

/// Parses the bytes of a weights file (what readWeightsFile does after
/// reading `path`; `path` only names the file in messages). For tests and
/// fuzzing.
WeightsFile parseWeightsFile(const std::string &bytes, const std::string &path);

/// SHA-256 of `n` bytes at `data` (OpenSSL EVP).
std::array<uint8_t, 32> sha256(const void *data, size_t n);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_WEIGHTS_FILE_H
