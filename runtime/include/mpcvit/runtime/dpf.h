//===- dpf.h - Distributed point function with early termination -*- C++
//-*-===//
//
// A distributed point function (DPF) for the point function
//   f_{α,β}(x) = β if x = α, else 0,    x, α ∈ [0, 2^n), 1 ≤ n ≤ 64,
// with output lanes of w bits (w ∈ {1, 2, 4, …, 64}) in the group Z_2^w
// (w = 1: XOR shares of a bit). The dealer turns (α, β) into two keys; party
// b evaluates its key and gets y_b with y_0 + y_1 = f_{α,β}(x) (mod 2^w).
//
// Construction: Boyle, Gilboa, Ishai, "Function Secret Sharing: Improvements
// and Extensions", CCS 2016, Fig. 1, with its early termination (§3.2.1):
// a GGM tree of depth d = n − ν whose leaves are 128-bit blocks holding
// 2^ν output lanes, ν = min(n, 7 − log2 w) (w = 1: 128 one-bit outputs per
// leaf, the last 7 levels of the tree are gone). Per level one seed
// correction and two control-bit corrections; one leaf correction at the
// end (lane-wise (−1)^{t₁}(β·e_{α mod 2^ν} − Conv(s₀) + Conv(s₁))). Same
// construction as SIGMA's GPU DPF (Gupta et al., PETS 2024; EzPC GPU-MPC
// fss/gpu_dpf.cu); this code is independent.
//
// PRG (fss_prg.h): fixed-key AES MMO. A seed carries 126 random bits (bits
// 0 and 1 of its low word are cleared); child L = G_0(s), child R = G_1(s)
// with bit 0 of each block as the child's control bit and bits 2..127 as its
// seed; the leaf value is Conv(s) = G_2(s) (all 128 bits).
//
// Key format. A key is (root seed s_b, CW) with the correction words CW
// *identical* in both keys (the root seeds come from the dealer–party PRG
// streams and are not serialised). Per element
//   dpf_key_bytes(n, w) = 16·(n − ν + 1)   bytes,  ν = min(n, 7 − log2 w):
// level i (0 ≤ i < d) takes 16 bytes (the 126-bit seed correction with the
// left/right control-bit corrections in bits 0 and 1), the leaf correction
// 16 bytes. For w = 1: 16 (n ≤ 7), 160 (n = 16), 416 (n = 32), 912
// (n = 63), 928 (n = 64); i.e. (n − 7)·128 + 128 bits, the figure of the
// [fss] issue with the two control bits folded into the seed correction.
//
// Evaluations of one key (local AES blocks per element per party):
//   dpf_eval        point evaluation: d + 1 blocks;
//   dpf_eval_all    all 2^n points (n ≤ kDpfEvalAllMaxBits): 2^(d+1) − 2
//                   node blocks + 2^d leaf blocks;
//   dpf_eval_lt     (w = 1, β = 1 only) XOR shares of the comparison
//                   [x < α]: on average 1.5·d + 1 blocks (both children
//                   where x goes left, for the right sibling's control bit).
// Key generation: 4d + 2 blocks per element (both keys).
//
// Comparison from a DPF (Boyle et al., Eurocrypt 2021, §3; Storrier,
// Vadapalli, Lyons, Henry, "Grotto", CCS 2023; SIGMA's DReLU): in a BGI
// tree the two parties' control bits at a node N differ exactly when α lies
// below N, t₀(N) ⊕ t₁(N) = [α ∈ subtree(N)]. α > x iff α lies under the
// right sibling of x's path at a level where x goes left, or in x's leaf at
// a lane above x mod 2^ν; at most one of these holds, so
//   [x < α] = ⊕_{levels i with x_i = 0} t_b(right child) ⊕
//             parity(leaf_b & lanes above x mod 2^ν)   (XOR over b).
// The output is XOR-shared: SIGMA turns it into ring shares with a second
// (1-bit) opening; the one-round arithmetic comparison is dcf.h (per-level
// ring-valued corrections: 1536 B at n = 63 against 912 B here).
//
// Lookup tables from dpf_eval_all (Pika, Wagh, PETS 2022; SIGMA's LUT):
// for a public table T of 2^n ring entries and a secret x, the dealer draws
// a mask r, keys for f_{r,1}, and shares of r (x̂ = x + r mod 2^n is
// opened, uniform). Then y_b = Σ_j T[(x̂ − j) mod 2^n]·e_b(j) is party b's
// share of T[x], where e_b = dpf_eval_all's lanes:
//   * w = 64: e_0 + e_1 = e_r in Z_2^64 — one round, key 16n bytes (ν = 1);
//   * w = 1 (SIGMA): e_0 ⊕ e_1 = e_r, so Σ_j T[x̂ − j]·(e_0(j) − e_1(j)) =
//     (−1)^{e_1(r)}·T[x]; a second opening multiplies by the dealer-shared
//     sign (select). Key 16(n − 6) bytes.
//
// Security (BGI16 Thm. 3.3, CCS'16): for a PRG G, each key (s_b, CW) alone
// is computationally indistinguishable from a key of any other (α', β'):
// every correction word is masked by PRG outputs of a seed party b does not
// hold, and s_b is uniform. Used with a fresh uniform mask α = r per element
// per inference, an opened x + r reveals nothing about x.
//
// Errors: std::invalid_argument unless 1 ≤ n ≤ 64, w ∈ {1, 2, …, 64}, b ∈
// {0, 1} (and n ≤ kDpfEvalAllMaxBits for dpf_eval_all, w = 1 for
// dpf_eval_lt); std::runtime_error if AES fails.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_DPF_H
#define MPCVIT_RUNTIME_DPF_H

#include "mpcvit/runtime/fss_prg.h"

#include <cstddef>
#include <cstdint>

namespace mpcvit::rt {

/// Largest domain of dpf_eval_all (2^20 outputs per element).
inline constexpr int kDpfEvalAllMaxBits = 20;

/// Levels folded into the leaf: ν = min(n, 7 − log2 w).
int dpf_leaf_bits(int n, int w);
/// Bytes of one element's correction words (common to both keys):
/// 16·(n − ν + 1).
size_t dpf_key_bytes(int n, int w);
/// uint64 words of one element's dpf_eval_all output: 2·2^(n − ν) (the
/// leaves, 128 bits each).
size_t dpf_eval_all_words(int n, int w);

/// Key generation (dealer) for `count` DPFs f_i = f_{α_i, β_i}:
///   alpha[count]   points (low n bits used),
///   beta[count]    payloads (low w bits used); nullptr: β_i = 1,
///   seeds0/seeds1  root seeds of party 0's / party 1's keys [count],
///                  independent and uniform (bits 0, 1 of lo ignored),
///   cw             out: count · dpf_key_bytes(n, w) bytes, element-major,
///   threads        worker threads (≤ 1: the calling thread only).
void dpf_gen(int n, int w, size_t count, const uint64_t *alpha,
             const uint64_t *beta, const FssBlock *seeds0,
             const FssBlock *seeds1, uint8_t *cw, int threads = 1);

/// Point evaluation by party b on public x[count] (low n bits):
/// out[i] = party b's share of f_i(x_i), in [0, 2^w).
void dpf_eval(int b, int n, int w, size_t count, const uint64_t *x,
              const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
              int threads = 1);

/// Full-domain evaluation by party b (n ≤ kDpfEvalAllMaxBits): for element
/// i, out[i·dpf_eval_all_words(n, w) …] holds party b's shares of f_i(y)
/// for every y ∈ [0, 2^n), lane y at bit offset y·w (little-endian words).
/// When 2^n·w < 128 the lanes above 2^n are shares of 0.
void dpf_eval_all(int b, int n, int w, size_t count, const FssBlock *seeds,
                  const uint8_t *cw, uint64_t *out, int threads = 1);

/// Half-domain evaluation by party b: for element i only the 2^(n−1) points
/// y with bit n − 1 of y equal to top[i] ∈ {0, 1}; lane y − top[i]·2^(n−1)
/// at out[i·dpf_eval_all_words(n, w)/2 …] as in dpf_eval_all. Costs half of
/// dpf_eval_all's blocks (+2 per element). Used by the gated lookup (lut.h).
/// Throws std::invalid_argument as dpf_eval_all, or when n − ν < 1 (no tree
/// level to choose from).
void dpf_eval_half(int b, int n, int w, size_t count, const uint8_t *top,
                   const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
                   int threads = 1);

/// Comparison from a DPF key with w = 1 and β = 1: out[i] ∈ {0, 1} is
/// party b's XOR share of [x_i < α_i] (low n bits, unsigned).
void dpf_eval_lt(int b, int n, size_t count, const uint64_t *x,
                 const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
                 int threads = 1);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_DPF_H
