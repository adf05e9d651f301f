//===- prg.h - AES-128-CTR pseudo-random generator (OpenSSL EVP) -*- C++
//-*-===//
//
// The PRG behind every correlated-randomness stream of the runtime: the
// pair-wise seeds k01 (server–client, PRZS input sharing), k0 (dealer–server),
// k1 (dealer–client) and kw (dealer–server, per-deployment weight masks) are
// each expanded by AES-128 in counter mode (OpenSSL EVP, AES-NI where the CPU
// has it). Two parties holding the same seed and nonce draw identical streams,
// which is why the dealer only sends corrections (PROTOCOLS.md "PRG seeds
// leave one correction").
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_PRG_H
#define MPCVIT_RUNTIME_PRG_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace mpcvit::rt {

/// A 128-bit PRG seed (AES-128 key).
using Seed = std::array<uint8_t, 16>;

/// A fresh seed from the OS CSPRNG (OpenSSL RAND_bytes). Throws
/// std::runtime_error if the CSPRNG fails.
Seed randomSeed();

/// AES-128-CTR keystream. Deterministic in (seed, nonce); not thread-safe.
class Prg {
public:
  /// `nonce` separates independent streams under the same seed (it is the
  /// high 64 bits of the initial counter block).
  explicit Prg(const Seed &seed, uint64_t nonce = 0);
  ~Prg();
  Prg(Prg &&) noexcept;
  Prg &operator=(Prg &&) noexcept;
  Prg(const Prg &) = delete;
  Prg &operator=(const Prg &) = delete;

  /// Fill `n` bytes of keystream.
  void fillBytes(uint8_t *out, size_t n);
  /// Fill n uniform ring elements.
  void fill(uint64_t *out, size_t n);
  std::vector<uint64_t> next(size_t n);
  /// Total bytes drawn so far (for consistency checks).
  uint64_t drawn() const { return drawn_; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t drawn_ = 0;
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_PRG_H
