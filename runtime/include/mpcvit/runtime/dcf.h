//===- dcf.h - Distributed comparison function (GGM tree, fixed-key AES) -===//
//
// A distributed comparison function (DCF) for f_{α,β}(x) = β·[x < α], with
// x, α ∈ [0, 2^n) compared as unsigned n-bit integers (1 ≤ n ≤ 64) and a
// payload β ∈ (Z_2^64)^g of g ring elements (1 ≤ g ≤ 4). The dealer turns
// (α, β) into two keys k0, k1; party b evaluates its key on a public x and
// gets y_b ∈ (Z_2^64)^g with y_0 + y_1 = β·[x < α] (mod 2^64).
//
// Construction: Boyle, Chandran, Gilboa, Gupta, Ishai, Kohl, Ryffel, Tenzin,
// "Function Secret Sharing for Mixed-Mode and Fixed-Point Secure
// Computation", Eurocrypt 2021, Fig. 1 (the DCF of Boyle–Gilboa–Ishai, a
// GGM tree with one seed correction, two control-bit corrections and g
// ring-element value corrections per level). Reference implementation
// studied: EzPC/LLAMA (Gupta et al., PETS 2022); this code is independent.
//
// PRG: fixed-key AES-128 in Matyas–Meyer–Oseas form (fss_prg.h: batched
// over VAES / AES-NI / OpenSSL EVP, chosen by CPU detection),
// G_j(s) = π(s ⊕ j) ⊕ (s ⊕ j) with a public fixed key and a small tweak j
// per output block: j = 0, 1 → the left / right child seed (bit 0 of the
// block is the child's control bit t, so seeds carry 127 random bits), j =
// 2 .. 2+g−1 → the 2g value words of both children (left: words 0..g−1,
// right: g..2g−1), j = 8 .. → the g leaf words. Security of this PRG holds
// in the random-permutation model for π (Guo, Katz, Wang, Yu, "Efficient
// and Secure Multiparty Computation from Fixed-Key Block Ciphers", IEEE S&P
// 2020) — the standard choice of FSS implementations (LLAMA, SIGMA).
//
// Key format. A key is (root seed s_b, CW) where the correction words CW are
// *identical* in both keys; per element, dcf_cw_bytes(n, g) =
//   16n (seed corrections) + 8gn (value corrections) + 8g (leaf correction)
//   + ⌈2n/8⌉ (left/right control-bit corrections, packed)
// bytes: 1536 B at n = 63, g = 1 and 2048 B at n = 63, g = 2. The root
// seeds are not serialised: the runtime draws s_b from the dealer–party PRG
// stream k_b, so they cost no dealer traffic (compare.cpp).
//
// Security (BCG+21 Thm. 3 / BGI 2016 Thm. 3.3): for a PRG G, each key alone
// (s_b, CW) is computationally indistinguishable from a key for any other
// (α', β') — the correction words are masked by PRG outputs of the seeds on
// the path that party b cannot predict, and s_b is uniform. Hence a party
// learns nothing about α (the dealer's mask) or β from its key. Used with a
// fresh, uniformly random mask r per element per inference (compare.cpp),
// the opened x + r is uniform and independent of x.
//
// Cost (local compute): key generation 2n(2 + g) + 2⌈g/2⌉ AES blocks per
// element (both keys); evaluation n(1 + ⌈g/2⌉) + ⌈g/2⌉ AES blocks per
// element per party. Both are batched (256 elements per PRG call) and split
// over `threads` worker threads by element ranges (parallel_for.h; compare.cpp
// passes Context::gemmThreads()); outputs do not depend on the thread count.
//
// Why the tree has no early termination: the outputs are ring elements
// (Z_2^64), so a 128-bit leaf packs only 2 of them; replacing the last level
// by a 2-output leaf saves 16 bytes of 1536 and would change every cost
// figure. The smaller comparison key is the DPF-based one (dpf.h,
// dpf_eval_lt: 912 B at n = 63), whose output is XOR-shared and needs a
// second (1-bit) opening to become a ring share.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_DCF_H
#define MPCVIT_RUNTIME_DCF_H

#include "mpcvit/runtime/fss_prg.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpcvit::rt {

/// A 128-bit GGM seed (bit 0 of `lo` is ignored: cleared on use).
using DcfSeed = FssBlock;

/// Largest payload width g supported.
inline constexpr int kDcfMaxOutputs = 4;

/// Bytes of one element's correction words (common to both keys):
/// 16n + 8gn + 8g + ⌈n/4⌉. Throws std::invalid_argument unless 1 ≤ n ≤ 64
/// and 1 ≤ g ≤ kDcfMaxOutputs.
size_t dcf_cw_bytes(int n, int g);

/// Key generation (dealer) for `count` DCFs f_i(x) = β_i·[x < α_i].
///   alpha[count]     thresholds (only the low n bits are used),
///   beta[count · g]  payloads, element-major (β_i[k] at beta[i·g + k]),
///   seeds0/seeds1    root seeds of party 0's / party 1's keys [count],
///                    independent and uniformly random,
///   cw               out: count · dcf_cw_bytes(n, g) bytes, element-major,
///   threads          worker threads (≤ 1: the calling thread only).
/// Throws std::invalid_argument on bad n / g, std::runtime_error if AES
/// fails.
void dcf_gen(int n, int g, size_t count, const uint64_t *alpha,
             const uint64_t *beta, const DcfSeed *seeds0, const DcfSeed *seeds1,
             uint8_t *cw, int threads = 1);

/// Evaluation by party b ∈ {0, 1} on public inputs x[count] (low n bits)
/// with its root seeds[count] and the correction words from dcf_gen:
/// out[i·g + k] = party b's additive share of β_i[k]·[x_i < α_i]
/// (mod 2^64). `threads` as in dcf_gen. Throws like dcf_gen.
void dcf_eval(int b, int n, int g, size_t count, const uint64_t *x,
              const DcfSeed *seeds, const uint8_t *cw, uint64_t *out,
              int threads = 1);

/// Fixed-key AES-128 MMO hash, batched: out[i] = π(in[i]) ⊕ in[i]
/// (in and out may alias). Same as fss_mmo (fss_prg.h) with the automatic
/// backend; kept for existing callers.
void dcf_mmo(const DcfSeed *in, DcfSeed *out, size_t count);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_DCF_H
