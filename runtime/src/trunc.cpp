//===- trunc.cpp - Truncation of fixed-point products ---------------------===//
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::rt {

static void checkBits(int bits, int hi, const char *what) {
  if (bits <= 0 || bits > hi)
    throw std::invalid_argument(std::string(what) +
                                ": expected 0 < bits <= " + std::to_string(hi) +
                                ", got " + std::to_string(bits));
}

Shared trunc_local(Context &ctx, const Shared &x, int bits) {
  checkBits(bits, 63, "trunc_local");
  Shared r(x.shape);
  if (ctx.party() == 0) {
    for (size_t i = 0; i < x.size(); ++i)
      r[i] = x[i] >> bits;
  } else {
    for (size_t i = 0; i < x.size(); ++i)
      r[i] = 0 - ((0 - x[i]) >> bits);
  }
  return r;
}
CommCost trunc_local_cost(size_t) { return {}; }

Shared trunc_dealer(Context &ctx, const Shared &x, int bits) {
  checkBits(bits, 62, "trunc_dealer");
  const size_t n = x.size();
  const uint64_t low63 = (uint64_t(1) << 63) - 1;
  auto r = ctx.randShared(n);
  std::vector<uint64_t> t, msb;
  if (ctx.isDealer()) {
    t.resize(n);
    msb.resize(n);
    for (size_t i = 0; i < n; ++i) {
      t[i] = (r[i] & low63) >> bits;
      msb[i] = r[i] >> 63;
    }
  }
  t = ctx.corrShared(n, t);
  // r_msb shared arithmetically mod 2^(bits+1), which is all that
  // r_msb·2^(63−bits) mod 2^64 needs: the server's lane comes from its seed,
  // the client gets its lane (msb − s0) mod 2^(bits+1) packed in bits+1 bits.
  const int w = bits + 1;
  const uint64_t wm = laneMask(w);
  const size_t packedBytes = (n * size_t(w) + 7) / 8;
  std::vector<uint64_t> ms;
  if (ctx.isDealer()) {
    auto s0 = ctx.randPrivate(0, n);
    std::vector<uint64_t> s1(n);
    for (size_t i = 0; i < n; ++i)
      s1[i] = (msb[i] - (s0[i] & wm)) & wm;
    ctx.dealerBlob(1, packedBytes, packBits(s1.data(), n, w));
  } else if (ctx.party() == 0) {
    ms = ctx.randPrivate(0, n);
    for (auto &v : ms)
      v &= wm;
  } else {
    auto blob = ctx.dealerBlob(1, packedBytes, {});
    ms = unpackBits(blob.data(), n, w);
  }
  if (ctx.isDealer())
    return Shared(x.shape);
  const uint64_t bias = uint64_t(1) << 62;
  std::vector<uint64_t> c(n);
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < n; ++i)
    c[i] = x[i] + r[i] + (p0 ? bias : 0);
  auto peer = ctx.exchangeRing(c, "trunc_dealer");
  Shared out(x.shape);
  const int sh = 63 - bits;
  for (size_t i = 0; i < n; ++i) {
    uint64_t cc = c[i] + peer[i];
    uint64_t cmsb = cc >> 63, clow = cc & low63;
    uint64_t mterm = ms[i] << sh; // share of r_msb·2^(63−bits)
    uint64_t v = (cmsb ? 0 - mterm : mterm) - t[i];
    if (p0)
      v += (clow >> bits) + (cmsb << sh) - (uint64_t(1) << (62 - bits));
    out[i] = v;
  }
  return out;
}
CommCost trunc_dealer_cost(size_t n, int bits) {
  return CommCost::sym(8 * n, 1, 8 * n + (n * size_t(bits + 1) + 7) / 8);
}

Shared trunc(Context &ctx, const Shared &x, int bits) {
  if (bits < 0)
    bits = ctx.frac();
  return ctx.config().trunc == TruncMode::Exact ? trunc_dealer(ctx, x, bits)
                                                : trunc_local(ctx, x, bits);
}
CommCost trunc_cost(TruncMode mode, size_t n, int bits) {
  return mode == TruncMode::Exact ? trunc_dealer_cost(n, bits)
                                  : trunc_local_cost(n);
}

} // namespace mpcvit::rt
