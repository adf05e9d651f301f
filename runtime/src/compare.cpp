//===- compare.cpp - Comparison family: DReLU, ReLU, max ------------------===//
#include "mpcvit/runtime/compare.h"

#include "mpcvit/runtime/beaver.h"
#include "mpcvit/runtime/dcf.h"

namespace mpcvit::rt {

namespace {
constexpr int kLevelWidths[6] = {61, 31, 15, 7, 3, 1};

size_t nbytes(size_t n, int w) { return (n * size_t(w) + 7) / 8; }

// Compress the even-indexed bits (0, 2, 4, ...) of x into the low half.
inline uint64_t evenBits(uint64_t x) {
  x &= 0x5555555555555555ull;
  x = (x | (x >> 1)) & 0x3333333333333333ull;
  x = (x | (x >> 2)) & 0x0f0f0f0f0f0f0f0full;
  x = (x | (x >> 4)) & 0x00ff00ff00ff00ffull;
  x = (x | (x >> 8)) & 0x0000ffff0000ffffull;
  x = (x | (x >> 16)) & 0x00000000ffffffffull;
  return x;
}
inline uint64_t oddBits(uint64_t x) { return evenBits(x >> 1); }
} // namespace

BoolShared and_bool(Context &ctx, const BoolShared &x, const BoolShared &y) {
  if (x.lanes.size() != y.lanes.size() || x.width != y.width)
    throw std::invalid_argument("and_bool: expected equal lane counts/widths");
  const size_t n = x.lanes.size();
  const int w = x.width;
  auto u = ctx.randBool(n, w), v = ctx.randBool(n, w);
  std::vector<uint64_t> z;
  if (ctx.isDealer()) {
    z.resize(n);
    for (size_t i = 0; i < n; ++i)
      z[i] = u[i] & v[i];
  }
  z = ctx.corrBool(n, w, z);
  std::vector<uint64_t> d(n), e(n);
  for (size_t i = 0; i < n; ++i) {
    d[i] = x.lanes[i] ^ u[i];
    e[i] = y.lanes[i] ^ v[i];
  }
  auto msg = packBits(d.data(), n, w);
  auto pe = packBits(e.data(), n, w);
  msg.insert(msg.end(), pe.begin(), pe.end());
  auto got = ctx.exchangeBytes(msg, msg.size(), "and_bool");
  auto pd = unpackBits(got.data(), n, w);
  auto pee = unpackBits(got.data() + nbytes(n, w), n, w);
  BoolShared r;
  r.width = w;
  r.lanes.resize(n);
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t dd = d[i] ^ pd[i], ee = e[i] ^ pee[i];
    r.lanes[i] = (p0 ? (dd & ee) : 0) ^ (dd & v[i]) ^ (ee & u[i]) ^ z[i];
  }
  return r;
}
CommCost and_bool_cost(size_t n, int w) {
  return CommCost::sym(2 * nbytes(n, w), 1, nbytes(n, w));
}

BoolShared msb(Context &ctx, const Shared &x) {
  const size_t n = x.size();
  const uint64_t low63 = (uint64_t(1) << 63) - 1;
  // Round 1: private AND g = x0_low ∧ x1_low. The server knows u, the
  // client v (dealer masks), z = u ∧ v is XOR-shared.
  auto u = ctx.randPrivate(0, n), v = ctx.randPrivate(1, n);
  for (size_t i = 0; i < n; ++i) {
    u[i] &= low63;
    v[i] &= low63;
  }
  std::vector<uint64_t> z;
  if (ctx.isDealer()) {
    z.resize(n);
    for (size_t i = 0; i < n; ++i)
      z[i] = u[i] & v[i];
  }
  z = ctx.corrBool(n, 63, z);
  const int p = ctx.party();
  std::vector<uint64_t> mine(n);
  for (size_t i = 0; i < n; ++i)
    mine[i] = (x[i] & low63) ^ (p == 0 ? u[i] : v[i]);
  auto got =
      ctx.exchangeBytes(packBits(mine.data(), n, 63), nbytes(n, 63), "drelu");
  auto other = unpackBits(got.data(), n, 63);
  std::vector<uint64_t> G(n), P(n);
  for (size_t i = 0; i < n; ++i) {
    // d = a ⊕ u (server's masked input), e = b ⊕ v (client's).
    uint64_t d = p == 0 ? mine[i] : other[i];
    uint64_t e = p == 0 ? other[i] : mine[i];
    G[i] = (p == 0 ? ((d & e) ^ (e & u[i])) : (d & v[i])) ^ z[i];
    P[i] = x[i] & low63; // p = a ⊕ b: each party's own bits are its share
  }
  // Tree levels.
  size_t L = 63;
  for (int lvl = 0; lvl < 6; ++lvl) {
    const size_t K = L / 2; // pairs
    const bool last = (L == 2);
    const int w = kLevelWidths[lvl];
    // X = [P_hi (K lanes) | P_hi of pairs 1.. (K−1)], Y = [G_lo | P_lo 1..]
    BoolShared X, Y;
    X.width = Y.width = w;
    X.lanes.resize(n);
    Y.lanes.resize(n);
    const uint64_t mK = laneMask(int(K));
    for (size_t i = 0; i < n; ++i) {
      uint64_t pe = evenBits(P[i]) & mK, po = oddBits(P[i]) & mK;
      uint64_t ge = evenBits(G[i]) & mK;
      X.lanes[i] = po;
      Y.lanes[i] = ge;
      if (!last) {
        X.lanes[i] |= (po >> 1) << K;
        Y.lanes[i] |= (pe >> 1) << K;
      }
    }
    BoolShared R = and_bool(ctx, X, Y);
    for (size_t i = 0; i < n; ++i) {
      uint64_t go = oddBits(G[i]) & mK;
      uint64_t g = go ^ (R.lanes[i] & mK);
      uint64_t pp = last ? 0 : ((R.lanes[i] >> K) << 1); // P of group 0 unused
      if (L & 1) { // odd group passes through as the new top group
        g |= ((G[i] >> (L - 1)) & 1) << K;
        pp |= ((P[i] >> (L - 1)) & 1) << K;
      }
      G[i] = g;
      P[i] = pp;
    }
    L = K + (L & 1);
  }
  BoolShared out;
  out.width = 1;
  out.lanes.resize(n);
  for (size_t i = 0; i < n; ++i)
    out.lanes[i] = ((x[i] >> 63) ^ G[i]) & 1;
  return out;
}
CommCost msb_cost(size_t n) {
  CommCost c = CommCost::sym(nbytes(n, 63), 1, nbytes(n, 63));
  for (int w : kLevelWidths)
    c += and_bool_cost(n, w);
  return c;
}

Shared b2a(Context &ctx, const BoolShared &b) {
  const size_t n = b.lanes.size();
  auto r = ctx.randBool(n, 1);
  std::vector<uint64_t> ra;
  if (ctx.isDealer())
    ra = r; // the full bit
  ra = ctx.corrShared(n, ra);
  std::vector<uint64_t> c(n);
  for (size_t i = 0; i < n; ++i)
    c[i] = (b.lanes[i] ^ r[i]) & 1;
  auto got = ctx.exchangeBytes(packBits(c.data(), n, 1), nbytes(n, 1), "b2a");
  auto pc = unpackBits(got.data(), n, 1);
  Shared out(Shape{int64_t(n)});
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t cc = c[i] ^ pc[i];
    // b = c ⊕ r = c + r − 2cr
    out[i] = (cc ? 0 - ra[i] : ra[i]) + (p0 ? cc : 0);
  }
  return out;
}
CommCost b2a_cost(size_t n) { return CommCost::sym(nbytes(n, 1), 1, 8 * n); }

Shared drelu_a2b(Context &ctx, const Shared &x) {
  BoolShared m = msb(ctx, x);
  if (ctx.party() == 0)
    for (auto &l : m.lanes)
      l ^= 1; // DReLU = 1 ⊕ MSB
  Shared d = b2a(ctx, m);
  d.shape = x.shape;
  return d;
}
Shared relu_a2b(Context &ctx, const Shared &x) {
  Shared d = drelu_a2b(ctx, x);
  return mul_ss(ctx, x, d);
}

// ---- DCF backend -------------------------------------------------------

namespace {
std::vector<DcfSeed> toSeeds(const std::vector<uint64_t> &v) {
  std::vector<DcfSeed> s(v.size() / 2);
  for (size_t i = 0; i < s.size(); ++i)
    s[i] = {v[2 * i], v[2 * i + 1]};
  return s;
}
} // namespace

SignDcfOpen sign_dcf_open(Context &ctx, const std::vector<SignGroup> &groups) {
  constexpr int nb = kSignDcfBits;
  const uint64_t low = laneMask(nb);
  SignDcfOpen st;
  st.groups = groups;
  size_t N = 0, NR = 0, cwBytes = 0;
  for (const auto &g : groups) {
    if (!g.x)
      throw std::invalid_argument("sign_dcf: null input tensor");
    N += g.x->size();
    NR += g.relu ? g.x->size() : 0;
    cwBytes += g.x->size() * dcf_cw_bytes(nb, g.relu ? 2 : 1);
  }
  if (N == 0)
    return st;
  // Offline: fresh mask r per element (shares from the seeds), root seeds
  // of both keys from the dealer–party streams, correction words to both.
  st.r = ctx.randShared(N);
  auto sd0 = ctx.randPrivate(0, 2 * N), sd1 = ctx.randPrivate(1, 2 * N);
  std::vector<uint8_t> blob;
  if (ctx.isDealer()) {
    auto s0 = toSeeds(sd0), s1 = toSeeds(sd1);
    blob.resize(cwBytes);
    st.rmsb.resize(N);
    st.rr.reserve(NR);
    size_t off = 0, bo = 0;
    std::vector<uint64_t> alpha, beta;
    for (const auto &g : groups) {
      const size_t cnt = g.x->size();
      const int w = g.relu ? 2 : 1;
      alpha.resize(cnt);
      beta.resize(cnt * size_t(w));
      for (size_t e = 0; e < cnt; ++e) {
        const uint64_t R = st.r[off + e], m = R >> 63, sgn = 1 - 2 * m;
        alpha[e] = R & low;
        st.rmsb[off + e] = m;
        beta[e * w] = sgn; // c·(1 − 2r₆₃)
        if (g.relu) {
          beta[e * w + 1] = R * sgn; // c·r·(1 − 2r₆₃)
          st.rr.push_back(R * m);
        }
      }
      if (cnt)
        dcf_gen(nb, w, cnt, alpha.data(), beta.data(), s0.data() + off,
                s1.data() + off, blob.data() + bo, ctx.gemmThreads());
      off += cnt;
      bo += cnt * dcf_cw_bytes(nb, w);
    }
  }
  const uint8_t *cw0 = ctx.dealerBlobView(0, cwBytes, blob);
  const uint8_t *cw1 = ctx.dealerBlobView(1, cwBytes, blob);
  st.rmsb = ctx.corrShared(N, st.rmsb);
  st.rr = ctx.corrShared(NR, st.rr);
  if (ctx.isDealer())
    return st;
  // Online, first half: this party's share of x̂ = x + r.
  const bool p0 = ctx.party() == 0;
  st.seeds = std::move(p0 ? sd0 : sd1);
  st.cw = p0 ? cw0 : cw1;
  st.xh.resize(N);
  size_t off = 0;
  for (const auto &g : groups) {
    for (size_t e = 0; e < g.x->size(); ++e)
      st.xh[off + e] = (*g.x)[e] + st.r[off + e];
    off += g.x->size();
  }
  st.open.mine = packBits(st.xh.data(), N, 64);
  st.open.peerBytes = 8 * N;
  return st;
}

std::vector<SignResult> sign_dcf_finish(Context &ctx, SignDcfOpen &st) {
  constexpr int nb = kSignDcfBits;
  const auto &groups = st.groups;
  std::vector<SignResult> res(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    res[i].drelu = Shared(groups[i].x->shape);
    if (groups[i].relu)
      res[i].relu = Shared(groups[i].x->shape);
    res[i].shifted.assign(groups[i].shifts.size(), Shared(groups[i].x->shape));
  }
  const size_t N = st.xh.size();
  if (ctx.isDealer() || N == 0)
    return res;
  // Online, second half: x̂ opened; evaluate the DCF on x̂ mod 2^63.
  const int p = ctx.party();
  const bool p0 = p == 0;
  auto &xh = st.xh;
  const auto peer = unpackBits(st.open.peer.data(), N, 64);
  for (size_t i = 0; i < N; ++i)
    xh[i] += peer[i];
  const auto mySeeds = toSeeds(st.seeds);
  // Share of DReLU from the DCF lane y (share of β₁·c) at a point whose
  // opened value is xhat: 1 − MSB with MSB = xhat₆₃ ⊕ (r₆₃ ⊕ c).
  auto dreluShare = [p0](uint64_t xhat, uint64_t rmsb, uint64_t y) {
    const uint64_t c1 = rmsb + y; // share of r₆₃ ⊕ c
    return (xhat >> 63) ? c1 : (p0 ? 1 : 0) - c1;
  };
  std::vector<uint64_t> y, xs;
  size_t off = 0, bo = 0, ro = 0;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const auto &g = groups[gi];
    const size_t cnt = g.x->size();
    const int w = g.relu ? 2 : 1;
    y.resize(cnt * size_t(w));
    if (cnt)
      dcf_eval(p, nb, w, cnt, xh.data() + off, mySeeds.data() + off, st.cw + bo,
               y.data(), ctx.gemmThreads());
    for (size_t e = 0; e < cnt; ++e) {
      const uint64_t xhat = xh[off + e];
      const uint64_t d = dreluShare(xhat, st.rmsb[off + e], y[e * w]);
      res[gi].drelu[e] = d;
      if (g.relu) {
        const uint64_t rc = st.rr[ro + e] + y[e * w + 1]; // r·(r₆₃ ⊕ c)
        const uint64_t rd = (xhat >> 63) ? rc : st.r[off + e] - rc; // r·DReLU
        res[gi].relu[e] = xhat * d - rd;
      }
    }
    // DReLU(x + c): the same key at x̂ + c (SignGroup).
    for (size_t k = 0; k < g.shifts.size(); ++k) {
      xs.resize(cnt);
      for (size_t e = 0; e < cnt; ++e)
        xs[e] = xh[off + e] + g.shifts[k];
      if (cnt)
        dcf_eval(p, nb, w, cnt, xs.data(), mySeeds.data() + off, st.cw + bo,
                 y.data(), ctx.gemmThreads());
      for (size_t e = 0; e < cnt; ++e)
        res[gi].shifted[k][e] = dreluShare(xs[e], st.rmsb[off + e], y[e * w]);
    }
    if (g.relu)
      ro += cnt;
    off += cnt;
    bo += cnt * dcf_cw_bytes(nb, w);
  }
  return res;
}

std::vector<SignResult> sign_dcf(Context &ctx,
                                 const std::vector<SignGroup> &groups) {
  SignDcfOpen st = sign_dcf_open(ctx, groups);
  exchangeOpenings(ctx, {&st.open}, "dcf_sign");
  return sign_dcf_finish(ctx, st);
}
CommCost sign_dcf_cost(size_t nDrelu, size_t nRelu) {
  const size_t n = nDrelu + nRelu;
  const uint64_t dealer = 2 * (nDrelu * dcf_cw_bytes(kSignDcfBits, 1) +
                               nRelu * dcf_cw_bytes(kSignDcfBits, 2)) +
                          8 * n + 8 * nRelu;
  return CommCost::sym(8 * n, n ? 1 : 0, dealer);
}

Shared drelu_dcf(Context &ctx, const Shared &x) {
  return std::move(sign_dcf(ctx, {{&x, false}})[0].drelu);
}
Shared relu_dcf(Context &ctx, const Shared &x) {
  return std::move(sign_dcf(ctx, {{&x, true}})[0].relu);
}

// ---- dispatch ------------------------------------------------------------

Shared drelu(Context &ctx, const Shared &x) {
  return ctx.config().protocols == ProtocolSuite::FSS ? drelu_dcf(ctx, x)
                                                      : drelu_a2b(ctx, x);
}
CommCost drelu_cost(size_t n, ProtocolSuite mode) {
  return mode == ProtocolSuite::FSS ? sign_dcf_cost(n, 0)
                                    : msb_cost(n) + b2a_cost(n);
}

Shared relu(Context &ctx, const Shared &x) {
  return ctx.config().protocols == ProtocolSuite::FSS ? relu_dcf(ctx, x)
                                                      : relu_a2b(ctx, x);
}
CommCost relu_cost(size_t n, ProtocolSuite mode) {
  return mode == ProtocolSuite::FSS
             ? sign_dcf_cost(0, n)
             : drelu_cost(n, ProtocolSuite::A2B) + mul_ss_cost(n);
}

Shared max_rows(Context &ctx, const Shared &x, size_t rows, size_t cols) {
  if (x.size() != rows * cols || cols == 0)
    throw std::invalid_argument("max_rows: expected " + std::to_string(rows) +
                                "x" + std::to_string(cols) + " elements, got " +
                                std::to_string(x.size()));
  const bool dcf = ctx.config().protocols == ProtocolSuite::FSS;
  std::vector<uint64_t> cur = x.data;
  size_t L = cols;
  while (L > 1) {
    const size_t K = L / 2, L2 = K + (L & 1);
    Shared diff(Shape{int64_t(rows * K)}), b(Shape{int64_t(rows * K)});
    for (size_t r = 0; r < rows; ++r)
      for (size_t k = 0; k < K; ++k) {
        uint64_t a0 = cur[r * L + 2 * k], b0 = cur[r * L + 2 * k + 1];
        diff[r * K + k] = a0 - b0;
        b[r * K + k] = b0;
      }
    // max(a, b) = b + ReLU(a − b)
    Shared sel = dcf ? relu_dcf(ctx, diff) : relu_a2b(ctx, diff);
    std::vector<uint64_t> nxt(rows * L2);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t k = 0; k < K; ++k)
        nxt[r * L2 + k] = b[r * K + k] + sel[r * K + k];
      if (L & 1)
        nxt[r * L2 + K] = cur[r * L + L - 1];
    }
    cur.swap(nxt);
    L = L2;
  }
  return Shared(Shape{int64_t(rows)}, std::move(cur));
}
CommCost max_rows_cost(size_t rows, size_t cols, ProtocolSuite mode) {
  CommCost c;
  size_t L = cols;
  while (L > 1) {
    size_t K = L / 2;
    c += relu_cost(rows * K, mode);
    L = K + (L & 1);
  }
  return c;
}

} // namespace mpcvit::rt
