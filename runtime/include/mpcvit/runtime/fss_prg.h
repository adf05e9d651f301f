//===- fss_prg.h - Fixed-key AES MMO PRG of the FSS gates -------*- C++ -*-===//
//
// The length-doubling PRG inside every GGM tree of the runtime's function
// secret sharing (dcf.h, dpf.h): a public fixed AES-128 key defines a
// permutation π, and one output block of the PRG on seed s under tweak j is
// the Matyas–Meyer–Oseas hash
//   G_j(s) = π(s ⊕ j) ⊕ (s ⊕ j).
// Callers XOR the tweak in themselves and hand whole batches (thousands of
// blocks) to fss_mmo, so the cost per block is that of the AES rounds alone.
//
// Security: with π modelled as a random permutation, s ↦ (G_0(s), G_1(s), …)
// is a PRG for uniformly random s, the distinct tweaks keeping the inputs
// of one seed distinct (Guo, Katz, Wang, Yu, "Efficient and Secure
// Multiparty Computation from Fixed-Key Block Ciphers", IEEE S&P 2020).
// Seeds with a few fixed bits (the GGM trees clear 1–2 low bits for control
// bits) keep 126–127 bits of entropy. This is the PRG of LLAMA and SIGMA
// (EzPC).
//
// Cost: one AES-128 block per output block (10 rounds). Backends, chosen at
// run time by CPU detection (FssAesImpl::Auto), with the time per block
// measured on the project's AMD EPYC (Zen 3) machines
// (bench/results/fss_core.json):
//   Vaes  — VAES + AVX2: 2 blocks per instruction, 16 in flight; ≈ 0.85 ns;
//   AesNi — AES-NI: 1 block per instruction, 8 in flight; ≈ 1.7 ns;
//   Evp   — OpenSSL EVP aes-128-ecb, 512 blocks per call, then the
//           feed-forward (portable fallback); ≈ 2–2.5 ns.
// No AVX-512 instruction is emitted. All backends give identical outputs
// (test_fss_prg.cpp); bench/runtime/bench_fss.cpp measures them.
//
// Errors: std::runtime_error if OpenSSL fails (Evp), std::invalid_argument
// if a backend is requested that this CPU lacks.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_FSS_PRG_H
#define MPCVIT_RUNTIME_FSS_PRG_H

#include <cstddef>
#include <cstdint>

namespace mpcvit::rt {

/// One 128-bit AES block / GGM seed: word 0 = lo (bytes 0..7), word 1 = hi.
struct FssBlock {
  uint64_t lo = 0, hi = 0;
};

/// AES backend of fss_mmo.
enum class FssAesImpl { Auto, Evp, AesNi, Vaes };

/// The backend Auto resolves to: the one set by fss_aes_set_default, else
/// the best this CPU has (Vaes > AesNi > Evp).
FssAesImpl fss_aes_auto();
/// Make Auto resolve to `impl` process-wide (benchmarks, tests); Auto
/// restores CPU detection. Throws std::invalid_argument if unsupported.
void fss_aes_set_default(FssAesImpl impl);
/// Whether this CPU (and OS) can run `impl` (Auto and Evp: always).
bool fss_aes_supported(FssAesImpl impl);
/// "auto", "evp", "aesni", "vaes".
const char *fss_aes_name(FssAesImpl impl);

/// out[i] = π(in[i]) ⊕ in[i] for i < count; in and out may alias exactly.
/// Thread-safe (no shared mutable state besides one-time initialisation).
void fss_mmo(const FssBlock *in, FssBlock *out, size_t count,
             FssAesImpl impl = FssAesImpl::Auto);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_FSS_PRG_H
