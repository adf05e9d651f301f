//===- bitpack.h - Packing w-bit lanes into bytes ---------------*- C++ -*-===//
//
// Boolean shares and corrections of w-bit lanes (compare.h, trunc.h, the
// dealer's corrBool) travel packed: n lanes of w bits take ⌈n·w/8⌉ bytes,
// lane i at bit offset i·w, little-endian within the byte string.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_BITPACK_H
#define MPCVIT_RUNTIME_BITPACK_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpcvit::rt {

/// Pack n lanes of w bits (low bits of each word) into ⌈n·w/8⌉ bytes.
std::vector<uint8_t> packBits(const uint64_t *v, size_t n, int w);
/// Inverse of packBits.
std::vector<uint64_t> unpackBits(const uint8_t *p, size_t n, int w);
/// The low w bits set (w = 64: all).
inline uint64_t laneMask(int w) {
  return w >= 64 ? ~uint64_t(0) : ((uint64_t(1) << w) - 1);
}

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_BITPACK_H
