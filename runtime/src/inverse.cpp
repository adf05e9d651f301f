//===- inverse.cpp - 1/s on a bounded range from lookup tables ------------===//
#include "mpcvit/runtime/inverse.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/lut.h"

#include "fss_index.h"

#include <cmath>
#include <string>

namespace mpcvit::rt {

namespace {
constexpr int kBits = 13;   // table index bits
constexpr int kLoBits = 12; // bits kept of the residual

struct Grid {
  int sh = 0, k = 0;
  uint64_t c = 1;
  double delta = 0; // grid step (real)
};

Grid gridFor(int inFrac, double maxValue, int outFrac) {
  if (!(maxValue >= 1.0 && maxValue <= kInverseLutMaxValue) || inFrac < 0 ||
      inFrac > 40 || outFrac < 0 || outFrac > 40)
    throw std::invalid_argument(
        "inverse_lut: expected 1 <= maxValue <= 256, 0 <= inFrac, outFrac <= "
        "40, got maxValue=" +
        std::to_string(maxValue) + " inFrac=" + std::to_string(inFrac) +
        " outFrac=" + std::to_string(outFrac));
  const double top = double((1 << kBits) - 1); // index of maxValue at most
  Grid g;
  for (g.sh = 0; g.sh <= 64 - kBits; ++g.sh) {
    double c = std::floor(std::ldexp(top / maxValue, g.sh - inFrac));
    if (c >= 1024.0) {
      g.c = uint64_t(c);
      break;
    }
  }
  if (g.sh > 64 - kBits ||
      std::ldexp(maxValue * double(g.c), inFrac) >= std::ldexp(1.0, 52))
    throw std::invalid_argument("inverse_lut: no grid for inFrac=" +
                                std::to_string(inFrac));
  g.k = std::max(0, g.sh - kLoBits);
  g.delta = std::ldexp(1.0, g.sh - inFrac) / double(g.c);
  return g;
}
} // namespace

SignedInverse inverse_lut(Context &ctx, const Shared &s, int inFrac,
                          double maxValue, int outFrac) {
  const Grid g = gridFor(inFrac, maxValue, outFrac);
  detail::IndexSplit sp = detail::splitIndex(ctx, mul_public(s, g.c), g.sh);
  Shared lo = detail::shiftSmall(ctx, sp.lo, g.k);
  std::vector<std::vector<uint64_t>> t(
      2, std::vector<uint64_t>(size_t(1) << kBits));
  const double t2Scale = std::ldexp(1.0, g.k + outFrac - inFrac) / double(g.c);
  for (size_t i = 0; i < t[0].size(); ++i) {
    // s ≥ 1 means g ≥ 1 − δ; grid points below 1/2 are never used.
    const double x = std::max(double(i) * g.delta, 0.5);
    t[0][i] = encodeFixed(1.0 / x, outFrac);
    t[1][i] = uint64_t(std::llround(t2Scale / (x * x)));
  }
  // Round 1: σ·T1[i] and σ·T2[i] from one 1-bit-lane DPF (lut.h).
  LutOpen lt = lutSignedTables_open(ctx, sp.idx, kBits, t);
  exchangeOpenings(ctx, {&lt.open}, "inverse_lut");
  std::vector<Shared> y = lut_finish_tables(ctx, lt);
  // Round 2: σ·(T1 − lo'·T2); the product does not see σ.
  SignedInverse r{y[0] - mul_ss(ctx, lo, y[1]), std::move(lt.sign)};
  r.y.shape = s.shape;
  return r;
}

CommCost inverse_lut_cost(size_t n, int inFrac, double maxValue, int outFrac) {
  gridFor(inFrac, maxValue, outFrac);
  return lut_signed_cost(n, kBits) + mul_ss_cost(n);
}

} // namespace mpcvit::rt
