//===- gelu.h - GeLU and its MPC-friendly replacements ---------*- C++ -*-===//
//
// gelu: GeLU(x) = x·Φ(x) = ReLU(x) − δ(x) with δ(x) = |x|·Φ(−|x|), an even,
//   fast-decaying correction (δ(4) = 1.3e-4, max|δ'| = 1/2 at 0±), the
//   decomposition of SIGMA (Gupta et al., PETS 2024, §5 `gelu`: ReLU minus
//   a small correction on a clipped interval, δ from a table). Two backends,
//   by SessionConfig::protocols:
//
// ---- ProtocolSuite::FSS: 2 online rounds, δ from a public table ------------
//   GeLU(x) ≈ ReLU(x) − [−4 ≤ x < 4]·T[i],  T[i] = δ(i·2^−7 − 4), i < 2^10,
//   i ∈ {⌊128(x + 4)⌋, ⌈128(x + 4)⌉} mod 2^10 (lutIndexed, lut.h: shift
//   s = f − 7, grid 2^−7, x offset by +4 so [−4, 4) starts at index 0; the
//   round-up at the top gives i = 2^10 ≡ 0 and T[0] = δ(−4) = δ(4) as δ is
//   even, so the wrap is harmless).
//     round 1  ONE exchange (opening.h) of
//              · x̂ = x + r for a 63-bit DCF sign key with the ReLU payload
//                (sign_dcf, compare.h): exact ReLU(x), and [x ≥ −4],
//                [x ≥ 4] from the SAME key evaluated at x̂ ± 4 (SignGroup::
//                shifts: no extra key, no extra bytes);
//              · the masked 10-bit table index of a signed lookup with
//                1-bit DPF lanes (lutIndexedSigned_open, lut.h; SIGMA's
//                LUT): shares of σ·T[i], σ ∈ {±1} known to the dealer only.
//     round 2  a signed select (select.h) of the indicator [−4 ≤ x < 4]
//              and σ·T[i]: the bit opened as one bit XOR a dealer bit, σ·T[i]
//              under a Beaver mask (8 bytes); the dealer folds σ into the
//              select's correlated terms, so the result is [−4 ≤ x < 4]·T[i]
//              as plain shares (fc2 multiplies it by the server's weights,
//              which cannot absorb σ).
//   Cost for n elements (exact, gelu_cost; independent of the truncation
//   mode and of f):
//     rounds   2 (0 + 1 when n = 0);
//     online   8n + ⌈10n/8⌉ + ⌈n/8⌉ + 8n ≈ 17.4n bytes per party;
//     dealer   sign_dcf_cost(0, n) + lut_signed_cost(n, 10) +
//              select_cost(n, true) = 4112n + 128n + 32n = 4272n bytes.
//   History: a gated 64-bit-lane lookup (11-bit DPF, gate opened in round
//   2) sent 9.4n bytes and 4464n dealer bytes but evaluated 1534 AES blocks
//   and 1024 multiply-adds per element and party (the 1-bit-lane key: 22
//   blocks and masked adds): the runtime bench's FSS GeLU on 65 × 512 went
//   from 235 to 75 ms.
//   Range: −2^63 + 4·2^f ≤ x < 2^63 − 4·2^f ring units (|x| < 2^47 − 4 at
//   f = 16: no practical limit; no reduced-width comparison is needed, as
//   the two comparisons cost no key). There ReLU and both comparisons are
//   exact (x ± 4 does not wrap); the table index is only used where
//   −4 ≤ x < 4 (lutIndexed has no wrap failure). Beyond, x ± 4 wraps, the
//   indicator is −1 (the select reads its low bit, 1), and the result
//   ReLU(x) − T[i] with T[i] of a wrapped index, off by < max δ = 0.17
//   (test GeluFss.EndsOfTheRingRange checks both sides).
//   Error: |GeLU − out| ≤ max|δ'|·2^−7 + 2^−f = 2^−8 + 2^−f ≈ 0.0039 on
//   [−4, 4) (worst case; the index is rounded stochastically, E[i] =
//   128(x + 4), and |δ'| ≤ 0.13 for |x| ≥ 0.5: the worst cases sit near 0,
//   at the kink of δ); outside [−4, 4) the result is exactly ReLU(x)
//   (GeLU − ReLU ≤ δ(4) = 1.3e-4). Measured at f = 16 (test_gelu_fss.cpp,
//   GeluFss.GridAndLargeValues / RecordedTeacherActivations print them):
//   on a 2^−9 grid over [−8, 8] plus ±100, ±1000, ±30000, and on the 16383
//   recorded GeLU inputs of the trained fmnist teacher (|x| mostly < 1).
//   b = 10, not SIGMA's 8: the 8-bit table (grid 2^−5) gave 0.0149 on the
//   recorded inputs; the 9-bit one 0.0075, and the teacher's logits under
//   FSS then differed from PyTorch's by 1.54e-2 on 1000 test images, over
//   the 1e-2 the project asks (a float simulation of the table alone, 1000
//   images: 1.09e-2 at 9 bits, 4.8e-3 at 10). Each bit costs +32 dealer
//   bytes and ⌈n/8⌉ online bytes per element and twice the inner product. Needs f ≥ 7 for the 2^−7 grid (smaller f: grid 2^−f, the table
//   spans [−4, 2^(10−f) − 4) ⊇ [−4, 4)).
//
// ---- ProtocolSuite::A2B: degree-7 polynomial for δ
// ---------------------------
//   δ is a degree-7 polynomial in u = (|x| − 2)/2 ∈ [−1, 1] (least-squares
//   on Chebyshev nodes; centred so fixed-point powers stay ≤ 1 and well
//   conditioned), applied only where |x| < 4:
//     1. one batched DReLU on [x, x + 4, x − 4]           (8 rounds)
//     2. |x| = x·(2·[x ≥ 0] − 1)  (exact, mul_ss)         (1 round)
//     3. ReLU = (x + |x|)/2       (truncation by 1 bit)
//     4. powers u², u³..u⁴, u⁵..u⁷ (products of opened     (3 rounds)
//        values, beaver.h MaskedShare: u, u², u³, u⁴ each opened once,
//        32 bytes per element; with a fresh Beaver pair per product 88)
//     5. GeLU = ReLU − [−4 ≤ x < 4]·p(u)                  (1 round)
//   Max error (measured, f = 16): 2.5e-4 on all inputs (≤ 1e-3 required on
//   [−8, 8]); exact ReLU beyond ±4 for any magnitude in range.
// quad_gelu: 0.125x² + 0.25x + 0.5 (MPCFormer "Quad", Li et al. ICLR 2023):
//   one square, one truncation by f + 3 bits of x² + 2x·2^f.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_GELU_H
#define MPCVIT_RUNTIME_GELU_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// Index bits b of the FSS backend's δ table: 2^b entries on [−4, 4), grid
/// 2^(3−b) (b = 10: 2^−7).
inline constexpr int kGeluLutBits = 10;

Shared gelu(Context &ctx, const Shared &x);
CommCost gelu_cost(TruncMode mode, size_t n, int frac,
                   ProtocolSuite cmp = kDefaultProtocols);

Shared quad_gelu(Context &ctx, const Shared &x);
CommCost quad_gelu_cost(TruncMode mode, size_t n, int frac);

} // namespace mpcvit::rt

#endif
