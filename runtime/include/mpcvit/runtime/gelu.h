//===- gelu.h - GeLU and its MPC-friendly replacements ---------*- C++ -*-===//
//
// gelu: GeLU(x) = x·Φ(x) = ReLU(x) − δ(|x|) with δ(t) = t·Φ(−t), an even,
//   fast-decaying correction (δ(4) = 1.3e-4), the decomposition of SIGMA
//   (Gupta et al., PETS 2024, §5 `gelu`: ReLU minus a small correction on
//   a clipped interval). Here δ is a degree-7 polynomial in
//   u = (|x| − 2)/2 ∈ [−1, 1] (least-squares on Chebyshev nodes; centred
//   so fixed-point powers stay ≤ 1 and well conditioned), applied only where
//   |x| < 4:
//     1. one batched DReLU on [x, x + 4, x − 4]           (8 rounds)
//     2. |x| = x·(2·[x ≥ 0] − 1)  (exact, mul_ss)         (1 round)
//     3. ReLU = (x + |x|)/2       (truncation by 1 bit)
//     (CompareMode::DCF instead: one sign_dcf round gives the exact ReLU(x)
//      and [x ≥ −4], [x ≥ 4]; |x| = 2·ReLU(x) − x locally — steps 1–3 in
//      1 round, 8·3n bytes/party, dealer 4112n + 2·3080n bytes)
//     4. powers u², u³..u⁴, u⁵..u⁷ (batched mul_ss)      (3 rounds)
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

Shared gelu(Context &ctx, const Shared &x);
CommCost gelu_cost(TruncMode mode, size_t n, int frac,
                   CompareMode cmp = kDefaultCompareMode);

Shared quad_gelu(Context &ctx, const Shared &x);
CommCost quad_gelu_cost(TruncMode mode, size_t n, int frac);

} // namespace mpcvit::rt

#endif
