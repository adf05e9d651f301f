//===- lut.h - Secret-shared lookup in a public table (one round) -*- C++
//-*-===//
//
// y = T[x mod 2^b] for a public table T of 2^b ring elements (1 ≤ b ≤ 13)
// and a secret-shared x, as additive shares in Z_2^64, in ONE round.
//
// Source: Wagh, "Pika: Secure Computation using Function Secret Sharing
// over Rings", PETS 2022, §4 (lookup tables from a DPF evaluated on the whole
// domain); SIGMA (Gupta et al., PETS 2024) §LUT / EzPC GPU-MPC fss/gpu_lut.cu
// use the same idea with 1-bit DPF outputs and a second opening (select);
// here the DPF has 64-bit output lanes (dpf.h, w = 64), so the result needs
// no second round. This code is independent of both.
//
// Protocol, per element (all three roles run the same code, context.h):
//   offline  the dealer draws r uniform in Z_2^64 with both shares from the
//            PRG streams (Context::randShared, 0 bytes), α = r mod 2^b, and
//            DPF keys for f_{α,1} with 64-bit lanes (dpf_gen); the two root
//            seeds come from the dealer–party streams (randPrivate), so the
//            dealer sends only the correction words, the same bytes to both
//            parties (dealerBlobView).
//   online   party p opens its share of x̂ = (x + r) mod 2^b, bit-packed at
//            b bits per element (packBits), in one exchange; both learn x̂.
//            Party p evaluates its key on all 2^b points (dpf_eval_all),
//            getting e_p with e_0 + e_1 = e_α (indicator of α) in Z_2^64 —
//            dpf_eval_all already negates party 1's lanes, so no further
//            sign adjustment is needed — and outputs
//              y_p = Σ_j T[(x̂ − j) mod 2^b]·e_p(j),
//            so y_0 + y_1 = T[(x̂ − α) mod 2^b] = T[x mod 2^b].
// Shares reduced mod 2^b add up to x mod 2^b (2^b divides 2^64), so the low
// b bits of any ring value are the index: negative x and x ≥ 2^b are fine.
//
// What each party learns: x̂ = x + r mod 2^b, uniform and independent of x
// (r mod 2^b is uniform and used once); its own DPF key, which by BGI16
// Thm. 3.3 hides α (dpf.h). The dealer learns nothing about x.
//
// Cost for n elements (exact, lut_cost; rounds = 1 if n > 0):
//   online  ⌈n·b/8⌉ bytes sent per party;
//   dealer  2·n·dpf_key_bytes(b, 64) = 2·n·16b = 32·b·n bytes (the same
//           correction words to each party; no other corrections).
//   Key per party and element: 16b bytes (d = b − 1 seed corrections of 16
//   bytes and one 16-byte leaf of two 64-bit lanes): 128 B at b = 8, 208 B
//   at b = 13 (SIGMA's 1-bit-lane key is ≈ 16(b − 6) bytes but needs the
//   second opening).
// Local work per element (dpf.h): key generation 4b − 2 AES blocks (both
// keys, dealer); evaluation 2^b − 2 node + 2^(b−1) leaf blocks =
// 3·2^(b−1) − 2 blocks per party (382 at b = 8, 12286 at b = 13) plus 2^b
// multiply–adds. Key generation and evaluation are split over
// Context::gemmThreads() threads by element; evaluation works on batches of
// elements so that at most ≈ 2^16 lanes per thread are in memory.
//
// lutIndexed: the index is a fixed-point grid position,
// i = ⌊x / 2^s⌋ mod 2^b, computed locally: party 0 takes ⌊x₀ / 2^s⌋
// (logical shift of its share), party 1 takes ⌈x₁ / 2^s⌉ (= −((−x₁) ≫ s)),
// both mod 2^b. With x₀ + x₁ = x + c·2^64 the sum is
//   i ∈ {⌊x/2^s⌋, ⌈x/2^s⌉} mod 2^b   (|i − x/2^s| < 1, exact if 2^s | x),
// which of the two depending on the random shares (never opened): with
// uniform shares i = ⌈x/2^s⌉ w.p. (x mod 2^s)/2^s, so E[i] = x/2^s
// (stochastic rounding). Unlike local truncation (PROTOCOLS.md: fails
// w.p. ≈ 2^(k+1−64) for |x| < 2^k) there is NO wrap failure: the carry
// c·2^64 contributes c·2^(64−s) ≡ 0 mod 2^b as s + b ≤ 64, for every ring
// value x. The only error is the index rounding (at most one grid step): a
// table T[i] = g(i·2^s) (x in ring units; with f fractional bits the grid
// step is 2^(s−f)) gives |y − g(x)| ≤ max|g'|·2^(s−f) plus T's own
// rounding. Round-up at the top: x in ((2^b − 1)·2^s, 2^b·2^s) may give
// i = 2^b ≡ 0, so the inputs must span at most 2^b − 1 grid steps,
// [a, a + (2^b − 1)·2^s] with a ≡ 0 mod 2^(b+s) (a caller clips, or offsets
// x by a public constant, first), unless T is periodic. Cost: that of
// lut(n, b).
//
// Errors: std::invalid_argument unless 1 ≤ b ≤ kLutMaxBits, table.size() ==
// 2^b (and 0 ≤ shift ≤ 64 − b for lutIndexed); std::runtime_error if AES
// fails; ProtocolError / TransportError from the context.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_LUT_H
#define MPCVIT_RUNTIME_LUT_H

#include "mpcvit/runtime/opening.h"
#include "mpcvit/runtime/sharing.h"

#include <cstdint>
#include <vector>

namespace mpcvit::rt {

/// Largest table: 2^13 entries (the rsqrt code of SIGMA's LayerNorm).
inline constexpr int kLutMaxBits = 13;

/// Shares of table[x mod 2^b] for every element of x (shape of x kept).
/// One round, ⌈n·b/8⌉ bytes per party, dealer 32·b·n bytes.
Shared lut(Context &ctx, const Shared &x, int b,
           const std::vector<uint64_t> &table);

/// Shares of table[i] with i ∈ {⌊x/2^shift⌋, ⌈x/2^shift⌉} mod 2^b (see the
/// file comment; no wrap failure). Same cost as lut.
Shared lutIndexed(Context &ctx, const Shared &x, int shift, int b,
                  const std::vector<uint64_t> &table);

/// lut / lutIndexed in two phases (opening.h), to open the masked index in
/// the same exchange as other protocols' masked values (gelu.h):
/// lut_open / lutIndexed_open check the arguments, draw all the correlated
/// randomness (every role, in call order) and put this party's share of
/// x̂ = (i + r) mod 2^b (⌈n·b/8⌉ bytes) in `open`; after exchangeOpenings,
/// lut_finish evaluates the DPF (zeros of x's shape on the dealer).
struct LutOpen {
  Opening open;
  Opening gate; ///< gated lookups: the masked gate bit (lut_gate)
  // State for lut_finish.
  Shape shape;
  int b = 0;
  int lane = 64; ///< DPF output lanes: 64 (lut), 32 (lutIndexed32) or 1
                 ///< (lutSigned)
  bool gated = false;
  size_t tables = 1; ///< tables read at the index (lutSignedTables_open)
  std::vector<uint64_t> seeds, xh, rtable, gateMask, gateBits;
  /// lutSigned, on the dealer only: σ_i as a ring element (1 or 2^64 − 1).
  std::vector<uint64_t> sign;
  const uint8_t *cw = nullptr;
};
LutOpen lut_open(Context &ctx, const Shared &x, int b,
                 const std::vector<uint64_t> &table);
LutOpen lutIndexed_open(Context &ctx, const Shared &x, int shift, int b,
                        const std::vector<uint64_t> &table);
Shared lut_finish(Context &ctx, LutOpen &st);

/// Gated lookup: shares of c·table[i] (i as in lutIndexed) for a secret bit
/// c ∈ {0, 1} given as additive ring shares, with no product. Source: the
/// lookup of Pika §4 on a (b + 1)-bit domain whose top bit is the gate
/// (the two-input table T'[j + 2^b·v] = v·T[j]); this code's own variant.
/// Protocol: the DPF point is α = (r mod 2^b) + 2^b·m for a uniform bit m
/// (low bit of a second PRG mask q, so the parties hold XOR shares of m).
/// Round 1 opens x̂ = (i + r) mod 2^b as lutIndexed (lutIndexedGated_open,
/// may share an exchange); once c is known, lut_gate puts this party's
/// share of ĉ = c ⊕ m (the low bit of its share of c, XOR m_p) in `gate`;
/// round 2 exchanges it (1 bit per element); lut_finish evaluates the DPF on
/// the half-domain with top bit ĉ ⊕ 1 only (dpf_eval_half: the same local
/// work as lut), where the shares of the indicator are those of α iff
/// m = ĉ ⊕ 1, i.e. iff c = 1: y_0 + y_1 = c·T[i]. Each party learns x̂ and
/// ĉ, both uniform (r, m fresh); c must be 0 or 1 (any other value gives
/// its low bit's gate, silently). The table error is lutIndexed's.
/// Cost (lut_gated_cost): ⌈n·b/8⌉ + ⌈n/8⌉ bytes per party in 2 rounds,
/// dealer 32·(b + 1)·n bytes (keys of b + 1 bits). Throws like lutIndexed;
/// lut_gate throws std::invalid_argument on a lookup not opened gated or a
/// c of another size, lut_finish std::logic_error when the gate was not
/// exchanged.
LutOpen lutIndexedGated_open(Context &ctx, const Shared &x, int shift, int b,
                             const std::vector<uint64_t> &table);
void lut_gate(Context &ctx, LutOpen &st, const Shared &c);
CommCost lut_gated_cost(size_t n, int b);

/// Signed lookup with 1-bit DPF lanes (SIGMA's LUT, Gupta et al., PETS
/// 2024; EzPC GPU-MPC fss/gpu_lut.cu; this code is independent): shares of
/// σ_i·table[x_i mod 2^b] for a per-element sign σ_i ∈ {+1, −1} that only
/// the dealer knows (LutOpen::sign after lutSigned_open). With 1-bit lanes
/// party p holds XOR shares e_p of the indicator of α = r mod 2^b and
/// outputs y_p = (−1)^p·Σ_j T[(x̂ − j) mod 2^b]·e_p(j); the lanes j ≠ α
/// cancel (e_0(j) = e_1(j)) and lane α leaves (e_0(α) − e_1(α))·T[x] =
/// σ·T[x] with σ = 1 − 2·e_1(α), which the dealer computes by evaluating
/// party 1's key at α (dpf_eval). σ is uniform (it is a bit of party 1's
/// pseudorandom key) and is never opened: a consumer that is a Beaver
/// product absorbs it into its correlated randomness (beaver.h,
/// MaskedShare::sign) at no online cost. What each party learns: x̂, as lut.
/// Why: the key is 16·(b − 6) bytes instead of 16·b (b ≥ 7), and the
/// evaluation needs 3·2^(b−7) − 2 AES blocks per element and party instead of
/// 3·2^(b−1) − 2 (22 instead of 1534 at b = 10), plus 2^b masked additions.
/// Cost (lut_signed_cost): ⌈n·b/8⌉ bytes per party, 1 round, dealer
/// 2·n·dpf_key_bytes(b, 1). lut_finish gives the shares of σ ⊙ T[x]. Throws
/// like lut.
LutOpen lutSigned_open(Context &ctx, const Shared &x, int b,
                       const std::vector<uint64_t> &table);
/// lutSigned_open with lutIndexed's grid index i ∈ {⌊x/2^shift⌋,
/// ⌈x/2^shift⌉} mod 2^b (no wrap failure; see lutIndexed). Shares of
/// σ_i·table[i]; a consumer that is not a Beaver product removes σ with
/// select.h (select_open with isSigned and LutOpen::sign: c·table[i] for a
/// secret bit c, one round) (gelu.h). Cost: lut_signed_cost.
LutOpen lutIndexedSigned_open(Context &ctx, const Shared &x, int shift, int b,
                              const std::vector<uint64_t> &table);
CommCost lut_signed_cost(size_t n, int b);
/// lutSigned_open for several tables T_k read at the same index: one DPF
/// key and one evaluation, then one inner product per table;
/// lut_finish_tables gives the shares of σ_i·T_k[x_i] for every k (the
/// same σ). Cost: lut_signed_cost(n, b) (the keys and the opened index do
/// not depend on the number of tables). Throws like lutSigned_open, and
/// std::invalid_argument on an empty list.
LutOpen lutSignedTables_open(Context &ctx, const Shared &x, int b,
                             const std::vector<std::vector<uint64_t>> &tables);
std::vector<Shared> lut_finish_tables(Context &ctx, LutOpen &st);

/// lutIndexed_open with 32-bit DPF lanes: the shares add up to table[i]
/// mod 2^32 only (y_0 + y_1 = table[i] + c·2^32 for an unknown c), for a
/// consumer that reads only bits below 32 of the result (exp.h: the clip
/// before a split index of f + 5 bits). Why: the 8-bit key is 16·(b − 1)
/// bytes instead of 16·b and the evaluation needs 3·2^(b−2) − 2 AES blocks
/// instead of 3·2^(b−1) − 2 (half), with 32-bit multiply-adds. Cost
/// (lut32_cost): ⌈n·b/8⌉ bytes per party, 1 round, dealer
/// 2·n·dpf_key_bytes(b, 32). Throws like lutIndexed.
LutOpen lutIndexed32_open(Context &ctx, const Shared &x, int shift, int b,
                          const std::vector<uint64_t> &table);
CommCost lut32_cost(size_t n, int b);

/// Exact cost of lut / lutIndexed on n elements:
/// CommCost::sym(⌈n·b/8⌉, n > 0, 32·b·n). Throws like lut on a bad b.
CommCost lut_cost(size_t n, int b);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_LUT_H
