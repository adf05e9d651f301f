//===- lut.cpp - One-round lookup table from a 64-bit-lane DPF -----------===//
#include "mpcvit/runtime/lut.h"

#include "mpcvit/runtime/dpf.h"
#include "mpcvit/runtime/parallel_for.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mpcvit::rt {

namespace {
constexpr int kLane = 64; // DPF output lanes of lut: shares in Z_2^64

void checkBits(int b, const char *who) {
  if (b < 1 || b > kLutMaxBits)
    throw std::invalid_argument(std::string(who) + ": expected 1 <= b <= " +
                                std::to_string(kLutMaxBits) +
                                ", got b=" + std::to_string(b));
}
void checkTable(int b, const std::vector<uint64_t> &table, const char *who) {
  checkBits(b, who);
  if (table.size() != (size_t(1) << b))
    throw std::invalid_argument(
        std::string(who) + ": expected a table of 2^" + std::to_string(b) +
        " = " + std::to_string(size_t(1) << b) + " entries, got " +
        std::to_string(table.size()));
}

std::vector<FssBlock> toSeeds(const std::vector<uint64_t> &v) {
  std::vector<FssBlock> s(v.size() / 2);
  for (size_t i = 0; i < s.size(); ++i)
    s[i] = {v[2 * i], v[2 * i + 1]};
  return s;
}

// The open phase on index shares: idx (party p's share; the two add up to
// the index mod 2^b; ignored on the dealer). Arguments already checked.
// gated: the DPF has b + 1 bits, bit b of its point being the gate mask m
// (the low bit of a second uniform ring mask q: additive shares of q have
// low bits that XOR to m).
// tables: one or more tables read at the same index from the same DPF
// evaluation (lut_finish_tables).
LutOpen lutOpenCore(Context &ctx, const std::vector<uint64_t> &idx,
                    const Shape &shape, int b,
                    const std::vector<const std::vector<uint64_t> *> &tables,
                    bool gated, int lane = kLane) {
  const size_t n = idx.size();
  LutOpen st;
  st.shape = shape;
  st.b = b;
  st.lane = lane;
  st.gated = gated;
  st.tables = tables.size();
  if (n == 0)
    return st;
  const size_t N = size_t(1) << b;
  const uint64_t mask = N - 1;
  const int kb = b + (gated ? 1 : 0); // DPF domain bits
  const size_t cwBytes = n * dpf_key_bytes(kb, lane);
  // Offline: mask r (and q) (both shares from the seeds), root seeds of
  // both keys from the dealer–party streams, correction words to both
  // parties.
  auto r = ctx.randShared(n);
  std::vector<uint64_t> q;
  if (gated)
    q = ctx.randShared(n);
  auto sd0 = ctx.randPrivate(0, 2 * n), sd1 = ctx.randPrivate(1, 2 * n);
  std::vector<uint8_t> blob;
  if (ctx.isDealer()) {
    std::vector<uint64_t> alpha(n);
    for (size_t i = 0; i < n; ++i)
      alpha[i] = (r[i] & mask) | (gated ? (q[i] & 1) << b : 0);
    const auto s0 = toSeeds(sd0), s1 = toSeeds(sd1);
    blob.resize(cwBytes);
    dpf_gen(kb, lane, n, alpha.data(), nullptr, s0.data(), s1.data(),
            blob.data(), ctx.gemmThreads());
    if (lane == 1) { // σ = 1 − 2·e_1(α): party 1's key at the point
      std::vector<uint64_t> e1(n);
      dpf_eval(1, kb, 1, n, alpha.data(), s1.data(), blob.data(), e1.data(),
               ctx.gemmThreads());
      st.sign.resize(n);
      for (size_t i = 0; i < n; ++i)
        st.sign[i] = 1 - 2 * (e1[i] & 1);
    }
  }
  const uint8_t *cw0 = ctx.dealerBlobView(0, cwBytes, blob);
  const uint8_t *cw1 = ctx.dealerBlobView(1, cwBytes, blob);
  if (ctx.isDealer())
    return st;
  // Online, first half: this party's share of x̂ = (x + r) mod 2^b, b bits
  // per element.
  const bool p0 = ctx.party() == 0;
  st.seeds = std::move(p0 ? sd0 : sd1);
  st.cw = p0 ? cw0 : cw1;
  st.xh.resize(n);
  for (size_t i = 0; i < n; ++i)
    st.xh[i] = (idx[i] + r[i]) & mask;
  st.open.mine = packBits(st.xh.data(), n, b);
  st.open.peerBytes = (n * size_t(b) + 7) / 8;
  if (gated) {
    st.gateMask.resize(n);
    for (size_t i = 0; i < n; ++i)
      st.gateMask[i] = q[i] & 1;
  }
  // y_p = Σ_j T[(x̂ − j) mod N]·e_p(j) = Σ_j R[(j − x̂) mod N]·e_p(j) with the
  // reversed table R[i] = T[(−i) mod N]: two contiguous segments.
  // 1-bit lanes read it from x̂ on, contiguously: R twice.
  const size_t len = lane == 1 ? 2 * N : N;
  st.rtable.resize(st.tables * len);
  for (size_t t = 0; t < st.tables; ++t)
    for (size_t i = 0; i < len; ++i)
      st.rtable[t * len + i] = (*tables[t])[(N - i) & mask];
  return st;
}
} // namespace

Shared lut_finish(Context &ctx, LutOpen &st) {
  return std::move(lut_finish_tables(ctx, st)[0]);
}

std::vector<Shared> lut_finish_tables(Context &ctx, LutOpen &st) {
  std::vector<Shared> outs(std::max<size_t>(st.tables, 1), Shared(st.shape));
  const size_t n = st.xh.size();
  if (ctx.isDealer() || n == 0)
    return outs;
  if (st.gated &&
      (st.gate.peer.size() != st.gate.peerBytes || st.gate.mine.empty()))
    throw std::logic_error("lut_finish: a gated lookup needs lut_gate and "
                           "its exchange first");
  // Online, second half: x̂ opened; evaluate the DPF on the whole domain.
  const int p = ctx.party(), b = st.b;
  const size_t N = size_t(1) << b;
  const uint64_t mask = N - 1;
  const auto peer = unpackBits(st.open.peer.data(), n, b);
  auto &xh = st.xh;
  for (size_t i = 0; i < n; ++i)
    xh[i] = (xh[i] + peer[i]) & mask;
  const auto &R = st.rtable;
  const auto mySeeds = toSeeds(st.seeds);
  const uint8_t *cw = st.cw;
  const int db = b + (st.gated ? 1 : 0); // DPF domain bits
  const int lane = st.lane;
  const size_t kb = dpf_key_bytes(db, lane);
  // N lanes of `lane` bits (gated: the half-domain ĉ ⊕ 1 of 2N lanes).
  const size_t W = dpf_eval_all_words(db, lane) >> (st.gated ? 1 : 0);
  std::vector<uint8_t> top;
  if (st.gated) {
    const auto peerGate = unpackBits(st.gate.peer.data(), n, 1);
    top.resize(n);
    for (size_t i = 0; i < n; ++i) // ĉ = c ⊕ m; c = 1 iff m = ĉ ⊕ 1
      top[i] = uint8_t((st.gateBits[i] ^ peerGate[i] ^ 1) & 1);
  }
  // Elements per batch: about 2^16 lanes (512 KiB) per thread.
  const size_t E = std::max<size_t>(1, (size_t(1) << 16) >> b);
  parallel_for(n, ctx.gemmThreads(), E, [&](size_t begin, size_t end) {
    std::vector<uint64_t> e(E * W);
    for (size_t e0 = begin; e0 < end; e0 += E) {
      const size_t C = std::min(E, end - e0);
      if (st.gated)
        dpf_eval_half(p, db, lane, C, top.data() + e0, mySeeds.data() + e0,
                      cw + e0 * kb, e.data(), 1);
      else
        dpf_eval_all(p, b, lane, C, mySeeds.data() + e0, cw + e0 * kb, e.data(),
                     1);
      if (lane == 1) {
        // XOR shares: y_p = (−1)^p·Σ_{j'} R[(j' − x̂) mod N]·e_p(j'), read
        // from the doubled table R‖R at offset N − x̂ (contiguous).
        for (size_t k = 0; k < C; ++k) {
          const uint64_t *ek = e.data() + k * W;
          for (size_t tb = 0; tb < outs.size(); ++tb) {
            const uint64_t *rr =
                R.data() + tb * 2 * N + (N - size_t(xh[e0 + k]));
            uint64_t y = 0;
            for (size_t w0 = 0; w0 < N; w0 += 64) {
              const uint64_t bits = ek[w0 / 64];
              const size_t lanes = std::min<size_t>(64, N - w0);
              for (size_t t = 0; t < lanes; ++t)
                y += rr[w0 + t] & (0 - ((bits >> t) & 1));
            }
            outs[tb][e0 + k] = p == 0 ? y : 0 - y;
          }
        }
        continue;
      }
      if (lane == 32) {
        // Lanes in Z_2^32 (little-endian halves of the words): y mod 2^32.
        for (size_t k = 0; k < C; ++k) {
          const auto *ek = reinterpret_cast<const uint32_t *>(e.data() + k * W);
          const size_t m = size_t(xh[e0 + k]);
          for (size_t tb = 0; tb < outs.size(); ++tb) {
            const uint64_t *Rt = R.data() + tb * N;
            uint32_t y = 0;
            for (size_t j = 0; j < N - m; ++j)
              y += uint32_t(Rt[j]) * ek[m + j];
            for (size_t j = 0; j < m; ++j)
              y += uint32_t(Rt[N - m + j]) * ek[j];
            outs[tb][e0 + k] = y;
          }
        }
        continue;
      }
      for (size_t k = 0; k < C; ++k) {
        const uint64_t *ek = e.data() + k * W;
        const size_t m = size_t(xh[e0 + k]);
        for (size_t tb = 0; tb < outs.size(); ++tb) {
          const uint64_t *Rt = R.data() + tb * N;
          uint64_t y = 0;
          for (size_t j = 0; j < N - m; ++j) // j' = m + j: R[j]
            y += Rt[j] * ek[m + j];
          for (size_t j = 0; j < m; ++j) // j' = j < m: R[N − m + j]
            y += Rt[N - m + j] * ek[j];
          outs[tb][e0 + k] = y;
        }
      }
    }
  });
  return outs;
}

namespace {
// The index of lut / lutSigned: the low b bits of each share.
std::vector<uint64_t> lowBits(Context &ctx, const Shared &x, int b) {
  const uint64_t mask = laneMask(b);
  std::vector<uint64_t> idx(x.size());
  if (!ctx.isDealer())
    for (size_t i = 0; i < idx.size(); ++i)
      idx[i] = x[i] & mask;
  return idx;
}
} // namespace

LutOpen lut_open(Context &ctx, const Shared &x, int b,
                 const std::vector<uint64_t> &table) {
  checkTable(b, table, "lut");
  return lutOpenCore(ctx, lowBits(ctx, x, b), x.shape, b, {&table}, false);
}

LutOpen lutSigned_open(Context &ctx, const Shared &x, int b,
                       const std::vector<uint64_t> &table) {
  checkTable(b, table, "lutSigned");
  return lutOpenCore(ctx, lowBits(ctx, x, b), x.shape, b, {&table}, false, 1);
}

CommCost lut_signed_cost(size_t n, int b) {
  checkBits(b, "lut_signed_cost");
  return CommCost::sym((n * size_t(b) + 7) / 8, n ? 1 : 0,
                       2 * n * dpf_key_bytes(b, 1));
}

namespace {
std::vector<uint64_t> gridIndex(Context &ctx, const Shared &x, int shift, int b,
                                const std::vector<uint64_t> &table,
                                const char *who) {
  checkTable(b, table, who);
  if (shift < 0 || shift > 64 - b)
    throw std::invalid_argument(
        std::string(who) + ": expected 0 <= shift <= 64 - b = " +
        std::to_string(64 - b) + ", got shift=" + std::to_string(shift));
  const uint64_t mask = laneMask(b);
  std::vector<uint64_t> idx(x.size());
  if (!ctx.isDealer()) {
    // Party 0: ⌊x₀/2^s⌋; party 1: ⌈x₁/2^s⌉ = −⌊−x₁/2^s⌋ (logical shifts,
    // mod 2^b): the sum is ⌊x/2^s⌋ or ⌈x/2^s⌉ mod 2^b (lut.h).
    const bool p0 = ctx.party() == 0;
    for (size_t i = 0; i < idx.size(); ++i)
      idx[i] = (p0 ? x[i] >> shift : 0 - ((0 - x[i]) >> shift)) & mask;
  }
  return idx;
}
} // namespace

LutOpen lutIndexed_open(Context &ctx, const Shared &x, int shift, int b,
                        const std::vector<uint64_t> &table) {
  return lutOpenCore(ctx, gridIndex(ctx, x, shift, b, table, "lutIndexed"),
                     x.shape, b, {&table}, false);
}

LutOpen lutIndexed32_open(Context &ctx, const Shared &x, int shift, int b,
                          const std::vector<uint64_t> &table) {
  return lutOpenCore(ctx, gridIndex(ctx, x, shift, b, table, "lutIndexed32"),
                     x.shape, b, {&table}, false, 32);
}

CommCost lut32_cost(size_t n, int b) {
  checkBits(b, "lut32_cost");
  return CommCost::sym((n * size_t(b) + 7) / 8, n ? 1 : 0,
                       2 * n * dpf_key_bytes(b, 32));
}

LutOpen lutIndexedGated_open(Context &ctx, const Shared &x, int shift, int b,
                             const std::vector<uint64_t> &table) {
  return lutOpenCore(ctx, gridIndex(ctx, x, shift, b, table, "lutIndexedGated"),
                     x.shape, b, {&table}, true);
}

LutOpen lutIndexedSigned_open(Context &ctx, const Shared &x, int shift, int b,
                              const std::vector<uint64_t> &table) {
  return lutOpenCore(ctx,
                     gridIndex(ctx, x, shift, b, table, "lutIndexedSigned"),
                     x.shape, b, {&table}, false, 1);
}

LutOpen lutSignedTables_open(Context &ctx, const Shared &x, int b,
                             const std::vector<std::vector<uint64_t>> &tables) {
  if (tables.empty())
    throw std::invalid_argument("lutSignedTables: expected at least one table");
  std::vector<const std::vector<uint64_t> *> ts;
  for (const auto &t : tables) {
    checkTable(b, t, "lutSignedTables");
    ts.push_back(&t);
  }
  return lutOpenCore(ctx, lowBits(ctx, x, b), x.shape, b, ts, false, 1);
}

void lut_gate(Context &ctx, LutOpen &st, const Shared &c) {
  if (!st.gated)
    throw std::invalid_argument("lut_gate: the lookup was not opened gated");
  const size_t n = st.gateMask.size();
  if (ctx.isDealer() || st.xh.empty())
    return;
  if (c.size() != n)
    throw std::invalid_argument("lut_gate: expected " + std::to_string(n) +
                                " gate bits, got " + std::to_string(c.size()));
  // This party's XOR share of ĉ = c ⊕ m: the low bits of additive shares of
  // a bit XOR to the bit.
  st.gateBits.resize(n);
  for (size_t i = 0; i < n; ++i)
    st.gateBits[i] = (c[i] ^ st.gateMask[i]) & 1;
  st.gate.mine = packBits(st.gateBits.data(), n, 1);
  st.gate.peerBytes = (n + 7) / 8;
}

Shared lut(Context &ctx, const Shared &x, int b,
           const std::vector<uint64_t> &table) {
  LutOpen st = lut_open(ctx, x, b, table);
  exchangeOpenings(ctx, {&st.open}, "lut");
  return lut_finish(ctx, st);
}

Shared lutIndexed(Context &ctx, const Shared &x, int shift, int b,
                  const std::vector<uint64_t> &table) {
  LutOpen st = lutIndexed_open(ctx, x, shift, b, table);
  exchangeOpenings(ctx, {&st.open}, "lut");
  return lut_finish(ctx, st);
}

CommCost lut_gated_cost(size_t n, int b) {
  checkBits(b, "lut_gated_cost");
  return CommCost::sym((n * size_t(b) + 7) / 8 + (n + 7) / 8, n ? 2 : 0,
                       2 * n * dpf_key_bytes(b + 1, kLane));
}

CommCost lut_cost(size_t n, int b) {
  checkBits(b, "lut_cost");
  return CommCost::sym((n * size_t(b) + 7) / 8, n ? 1 : 0,
                       2 * n * dpf_key_bytes(b, kLane));
}

} // namespace mpcvit::rt
