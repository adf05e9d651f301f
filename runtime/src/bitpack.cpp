//===- bitpack.cpp - Packing w-bit lanes into bytes -----------------------===//
#include "mpcvit/runtime/bitpack.h"

#include <cstring>

namespace mpcvit::rt {

std::vector<uint8_t> packBits(const uint64_t *v, size_t n, int w) {
  std::vector<uint8_t> out((n * size_t(w) + 7) / 8, 0);
  if (w == 64) {
    std::memcpy(out.data(), v, n * 8);
    return out;
  }
  const uint64_t m = laneMask(w);
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += size_t(w)) {
    uint64_t x = v[i] & m;
    size_t byte = bit >> 3;
    int sh = int(bit & 7);
    // x << sh spans at most w + 7 ≤ 70 bits: write up to 9 bytes.
    unsigned __int128 y = (unsigned __int128)x << sh;
    int nb = (sh + w + 7) / 8;
    for (int b = 0; b < nb; ++b)
      out[byte + b] |= uint8_t(y >> (8 * b));
  }
  return out;
}

std::vector<uint64_t> unpackBits(const uint8_t *p, size_t n, int w) {
  std::vector<uint64_t> out(n);
  if (w == 64) {
    std::memcpy(out.data(), p, n * 8);
    return out;
  }
  const uint64_t m = laneMask(w);
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += size_t(w)) {
    size_t byte = bit >> 3;
    int sh = int(bit & 7);
    int nb = (sh + w + 7) / 8;
    unsigned __int128 y = 0;
    for (int b = 0; b < nb; ++b)
      y |= (unsigned __int128)p[byte + b] << (8 * b);
    out[i] = uint64_t(y >> sh) & m;
  }
  return out;
}

} // namespace mpcvit::rt
