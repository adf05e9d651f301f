//===- sigmoid.h - Logistic sigmoid and tanh --------------------*- C++ -*-===//
//
// Source: the identity σ(x) = 1/(1 + e^(−|x|)) for x ≥ 0 and
// σ(x) = 1 − 1/(1 + e^(−|x|)) for x < 0, so the exponential only ever sees
// a non-positive argument (CrypTen `approximations.py` `sigmoid`, method
// "reciprocal", Knott et al. NeurIPS 2021); the exponential is
// kernels::expNegPrecise (kernels.h: CrypTen's limit approximation
// (1 + z/2^8)^(2^8) with a second-order correction, accurate on [−16, 0]);
// the reciprocal is reciprocal_1to2 (reciprocal.h: Newton–Raphson as in
// CrypTen `approximations.py`, here from the minimax linear start on
// [1, 2], no range reduction since 1 + e ∈ (1, 2]).
// tanh(x) = 2σ(2x) − 1 (local doubling and affine map).
//
// Protocol (x shared with the session's f fractional bits, T = 16):
//   1. sign and clamp bits. A2B: one batched DReLU (compare.h) on
//      [x, x − T, x + T] → d = [x ≥ 0], c₋ = [x ≥ T], c₊ = [x ≥ −T]; then
//      a = min(|x|, T) = x·(2d − c₋ − c₊) + T·(1 − c₊ + c₋) with one
//      mul_ss (2d − c₋ − c₊ ∈ {−1, 0, 1} is an integer with 0 fractional
//      bits: no truncation). DCF: one sign_dcf round (the ReLU outputs of
//      [x, x − T, −x − T] and d = DReLU(x)) gives
//      a = 2·ReLU(x) − ReLU(x − T) − ReLU(−x − T) − x locally.
//   2. e = expNegPrecise(−a) ∈ [e^−16, 1].
//   3. r = reciprocal_1to2(1 + e) = 1/(1 + e) ∈ [0.5, 1).
//   4. σ = (1 − r) + d·(2r − 1) with one mul_ss (d is an integer bit, so
//      the product keeps f fractional bits: no truncation).
// Clamping at T keeps the exponential inside its accurate range (it is
// wrong below −256, where its base 1 + z/2^8 turns negative); for |x| ≥ T
// the result is σ(±T), within e^−16 ≈ 1.1e-7 of the saturated value.
//
// What each party learns: nothing beyond its shares — the only openings
// are the uniformly masked ones of DReLU/ReLU, mul_ss, the exact
// truncations and the sub-protocols, each with fresh dealer masks.
//
// Shapes and units: elementwise, result shape = input shape; input and
// output with the session's f fractional bits. Input range: every
// encodable value (|x| < 2^(62−f); tanh: |x| < 2^(61−f)): the comparisons
// and the clamp product are exact for any ring value, and everything after
// the clamp sees |x| ≤ 16. Under TruncMode::Probabilistic the largest
// truncated value is z² < 2^(2f+8) (expNegPrecise's correction), so the
// SecureML wrap-failure probability is ≤ 2^(2f+9−64) = 2^−23 per element at
// f = 16 (the other truncations are of values < 2^(2f+2)); Exact mode never
// fails.
// Error (measured, f = 16, test_sigmoid.cpp: 1000 inputs uniform in
// [−12, 12], 1000 in [−17, 17], ±0, ±1e-3, ±0.5, ±8, ±15.9, ±16, ±(16 + 2^−16),
// ±20, ±1000, ±2^14; both comparison backends, both truncation modes),
// against the float σ / tanh of the quantised input:
//   sigmoid: max absolute error 3.5e-5 to 4.1e-5 over 3 runs (dealer
//            randomness varies; asserted bound 2e-4),
//   tanh:    6.9e-5 to 8.4e-5 over 3 runs (asserted bound 4e-4).
// The budget behind the bounds: expNegPrecise ≤ 1e-4 on [−16, 0] (and
// |∂r/∂e| ≤ 1), reciprocal_1to2 ≤ 5e-5, σ's saturation e^−16 ≈ 1.1e-7,
// output quantisation 2^−17; tanh doubles σ's error. Beyond |x| = 16 the
// output is σ(±16) (saturated), so the bounds hold for every encodable x.
//
// Cost on n elements (exact; bytes per party, rounds, dealer bytes):
//   sigmoid = front + expNegPrecise_cost(mode, n, f)
//             + reciprocal_1to2_cost(mode, n, f) + mul_ss_cost(n),
//   front (A2B) = drelu_cost(3n) + mul_ss_cost(n),
//   front (DCF) = sign_dcf_cost(0, 3n)  (1 round, 24n B, dealer 12336n B);
//   tanh = sigmoid on the same n.
// Closed form (f = 16; D_A2B(m) = drelu_cost(m, A2B), compare.h):
//   Probabilistic, A2B: 32 rounds, D_A2B(3n).bytes + 256n bytes/party,
//     dealer D_A2B(3n).dealer + 200n + 9⌈25n/8⌉  (≈ 369n B, ≈ 320n B);
//   Probabilistic, DCF: 24 rounds, 264n bytes/party,
//     dealer 12528n + 9⌈25n/8⌉  (≈ 12556n B);
//   Exact: + 8 rounds, + 64n bytes/party, dealer + 64n + ⌈9n/8⌉ + 7⌈17n/8⌉.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SIGMOID_H
#define MPCVIT_RUNTIME_SIGMOID_H

#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

/// Clamp point of |x| (σ(16) = 1 − 1.1e-7).
inline constexpr double kSigmoidClamp = 16.0;

/// σ(x) = 1/(1 + e^(−x)) elementwise (f bits in and out).
Shared sigmoid(Context &ctx, const Shared &x);
CommCost sigmoid_cost(TruncMode mode, size_t n, int frac,
                      ProtocolSuite cmp = kDefaultProtocols);

/// tanh(x) = 2σ(2x) − 1 elementwise (f bits in and out); |x| < 2^(44−f).
Shared tanh(Context &ctx, const Shared &x);
CommCost tanh_cost(TruncMode mode, size_t n, int frac,
                   ProtocolSuite cmp = kDefaultProtocols);

} // namespace mpcvit::rt

#endif
