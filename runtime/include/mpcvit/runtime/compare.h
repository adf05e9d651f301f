//===- compare.h - Comparison family: DReLU, ReLU, max ---------*- C++ -*-===//
//
// Two backends, chosen per session by SessionConfig::compare (session.h,
// part of the handshake); drelu / relu / max_rows and every protocol built
// on them dispatch on it, and every *_cost function takes the mode
// (default kDefaultProtocols = A2B, session.h).
//
// ---- ProtocolSuite::FSS: function secret sharing
// ----------------------------- Boyle, Chandran, Gilboa, Gupta, Ishai, Kohl,
// Ryffel, Tenzin, "Function Secret Sharing for Mixed-Mode and Fixed-Point
// Secure Computation", Eurocrypt 2021, §4 (DReLU/ReLU from a DCF on the masked
// input); EzPC/LLAMA. Per element the dealer draws a fresh uniform mask r ∈
// Z_2^64 (additively shared from the PRG seeds, never reused) and a DCF key
// pair (dcf.h) for α = r mod 2^63 on n = 63 input bits. Online the parties open
// x̂ = x + r (1 round, 8 bytes each per element). With c = [x̂ mod 2^63 < r mod
// 2^63] (the carry into bit 63 of x + r):
//   MSB(x) = x̂₆₃ ⊕ r₆₃ ⊕ c,  DReLU(x) = 1 − MSB(x).
// The DCF payload is β₁ = 1 − 2r₆₃, so y₁ + r₆₃ (dealer shares of r₆₃) is a
// share of r₆₃ ⊕ c; DReLU is then local given the public x̂₆₃. ReLU in the
// same round adds a second payload β₂ = r(1 − 2r₆₃) and shares of r·r₆₃,
// which give shares of r·DReLU(x); ReLU(x) = x̂·DReLU(x) − r·DReLU(x).
// Exact for every ring value. Only x + r (uniform) is opened. Key generation
// and evaluation are split over Context::gemmThreads() threads (dcf.h).
// Cost per n elements (exact):
//   DReLU: 1 round, 8n bytes/party, dealer n·(2·1536 + 8) = 3080n bytes;
//   ReLU:  1 round, 8n bytes/party, dealer n·(2·2048 + 16) = 4112n bytes;
//   max over cols: ⌈log2 cols⌉ rounds of ReLU on the pairwise differences;
//   DReLU(x + c) for public constants c from the same key and opening
//   (SignGroup::shifts): no bytes, one more DCF evaluation each.
// The opening can share one exchange with other protocols' openings
// (sign_dcf_open / sign_dcf_finish, opening.h; gelu.h does).
//
// ---- ProtocolSuite::A2B: boolean carry tree
// ---------------------------------- A2B-free MSB extraction. x = x0 + x1 with
// x0 held by the server, x1 by the client; MSB(x) = x0[63] ⊕ x1[63] ⊕ carry63,
// where carry63 is the carry into bit 63 of x0_low + x1_low. The carry is
// computed by a parallel-prefix (Kogge–Stone-style, log-depth) tree of
// (generate, propagate) pairs on boolean shares with dealer AND triples — the
// adder of CrypTen `circuit.py` / SPU's A2B, reduced to the single carry the
// sign needs and bit-packed so only the live lanes are sent:
//   round 1: g = x0_low ∧ x1_low (a "private AND": each party masks its own
//            input with a dealer mask known to it alone, 63 bits sent each);
//   rounds 2–7: six tree levels over 63 → 32 → 16 → 8 → 4 → 2 → 1 groups,
//            G = G_hi ⊕ (P_hi ∧ G_lo), P = P_hi ∧ P_lo (the P of the lowest
//            group is never needed and not computed), AND lanes per level
//            w = 61, 31, 15, 7, 3, 1; each AND opens d, e (2 bits per lane);
//   round 8: B2A of the bit with a dealer daBit (r as XOR and additive
//            shares), opening c = bit ⊕ r (1 bit).
// Only uniformly masked bits are opened. Sources: Beaver 1991 (AND triples),
// Kogge–Stone 1973, CrypTen (Knott et al. NeurIPS 2021) `circuit.py`,
// daBits: Rotaru–Wood, INDOCRYPT 2019.
// Cost per n elements (exact; ⌈·⌉ because lanes are bit-packed):
//   DReLU: 8 rounds, bytes/party ⌈63n/8⌉ + Σ_w 2⌈wn/8⌉ + ⌈n/8⌉ (≈ 37.6 n),
//          dealer ⌈63n/8⌉ + Σ_w ⌈wn/8⌉ + 8n (≈ 30.6 n).
//   ReLU = x · DReLU(x) (mul_ss): 9 rounds, + 16n bytes, + 8n dealer.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_COMPARE_H
#define MPCVIT_RUNTIME_COMPARE_H

#include "mpcvit/runtime/opening.h"
#include "mpcvit/runtime/sharing.h"

#include <utility>
#include <vector>

namespace mpcvit::rt {

/// Boolean (XOR) shares of n lanes of w bits each (low bits of each word).
struct BoolShared {
  std::vector<uint64_t> lanes;
  int width = 1;
};

/// Lane-wise x ∧ y with a dealer AND triple (Beaver over GF(2)).
/// Cost: 2⌈n·w/8⌉ bytes each, 1 round, dealer ⌈n·w/8⌉.
BoolShared and_bool(Context &ctx, const BoolShared &x, const BoolShared &y);
CommCost and_bool_cost(size_t n, int w);

/// Boolean share of MSB(x) (the sign bit) for every element (7 rounds).
BoolShared msb(Context &ctx, const Shared &x);
CommCost msb_cost(size_t n);

/// Boolean 1-bit lanes → additive shares of 0/1 (daBit). 1 round,
/// ⌈n/8⌉ bytes each, dealer 8n.
Shared b2a(Context &ctx, const BoolShared &b);
CommCost b2a_cost(size_t n);

/// DReLU(x) = [x ≥ 0] (x read as a signed 64-bit ring element) as additive
/// shares of the integer 0/1 (no fractional bits). Exact for every ring
/// value. Backend: ctx.config().protocols. Cost: drelu_cost (A2B: 8 rounds,
/// DCF: 1 round, 8n bytes/party).
Shared drelu(Context &ctx, const Shared &x);
CommCost drelu_cost(size_t n, ProtocolSuite mode = kDefaultProtocols);

/// ReLU(x) = x · DReLU(x), exact (no truncation needed). A2B: 9 rounds;
/// DCF: 1 round, 8n bytes/party.
Shared relu(Context &ctx, const Shared &x);
CommCost relu_cost(size_t n, ProtocolSuite mode = kDefaultProtocols);

/// Row-wise maximum of x[rows × cols] → [rows], exact: a tree of
/// ⌈log2 cols⌉ levels, each m = b + ReLU(a − b) (A2B: 9 rounds/level,
/// DCF: 1 round/level). Throws std::invalid_argument on a size mismatch.
Shared max_rows(Context &ctx, const Shared &x, size_t rows, size_t cols);
CommCost max_rows_cost(size_t rows, size_t cols,
                       ProtocolSuite mode = kDefaultProtocols);

// ---- Backend-explicit entry points (whatever the session's mode) ----------
/// A2B carry tree (8 rounds) / DCF (1 round) DReLU and ReLU.
Shared drelu_a2b(Context &ctx, const Shared &x);
Shared relu_a2b(Context &ctx, const Shared &x);
Shared drelu_dcf(Context &ctx, const Shared &x);
Shared relu_dcf(Context &ctx, const Shared &x);

/// One group of a batched DCF sign evaluation: DReLU of *x, and ReLU of *x
/// too when `relu` (2 DCF outputs instead of 1). `shifts`: public ring
/// constants c for which DReLU(x + c) is wanted as well. These come from
/// the SAME key and opening: x + c + r = x̂ + c is public, so party p
/// evaluates its key at (x̂ + c) mod 2^63 and applies the same formula —
/// exact for every ring value, no extra bytes (online or dealer), one more
/// DCF evaluation per element and shift. Evaluating an FSS key at more
/// public points reveals nothing more: a party's outputs are a function of
/// its key and public values (BGI16 security is a property of the key).
struct SignGroup {
  SignGroup(const Shared *x = nullptr, bool relu = false,
            std::vector<uint64_t> shifts = {})
      : x(x), relu(relu), shifts(std::move(shifts)) {}
  const Shared *x;
  bool relu;
  std::vector<uint64_t> shifts;
};
struct SignResult {
  Shared drelu;                ///< [x ≥ 0] as integer 0/1 shares, shape of x
  Shared relu;                 ///< max(x, 0) (empty unless requested)
  std::vector<Shared> shifted; ///< [x + c ≥ 0] per SignGroup::shifts entry
};
/// DCF DReLU/ReLU of several tensors with one opening (1 round for all).
/// Cost: sign_dcf_cost(Σ non-ReLU sizes, Σ ReLU sizes) (shifts are free).
std::vector<SignResult> sign_dcf(Context &ctx,
                                 const std::vector<SignGroup> &groups);

/// sign_dcf in two phases (opening.h), to open x̂ in the same exchange as
/// other protocols' masked values: sign_dcf_open draws all the correlated
/// randomness (every role, in call order) and puts this party's share of
/// x̂ = x + r (8 bytes per element) in `open`; after exchangeOpenings,
/// sign_dcf_finish evaluates the DCFs (empty-valued results on the dealer).
/// The tensors the groups point to must outlive sign_dcf_finish.
struct SignDcfOpen {
  Opening open;
  // State for sign_dcf_finish.
  std::vector<SignGroup> groups;
  std::vector<uint64_t> r, seeds, rmsb, rr, xh;
  const uint8_t *cw = nullptr;
};
SignDcfOpen sign_dcf_open(Context &ctx, const std::vector<SignGroup> &groups);
std::vector<SignResult> sign_dcf_finish(Context &ctx, SignDcfOpen &st);
/// 1 round (0 if nothing to compare), 8(nDrelu + nRelu) bytes/party,
/// dealer 3080·nDrelu + 4112·nRelu bytes (keys to both parties, shares of
/// r₆₃ and r·r₆₃).
CommCost sign_dcf_cost(size_t nDrelu, size_t nRelu);
/// Bit width of the DCF comparison (x mod 2^63 against r mod 2^63).
inline constexpr int kSignDcfBits = 63;

} // namespace mpcvit::rt

#endif
