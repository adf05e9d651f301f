//===- dpf.cpp - DPF with early termination (BGI16 Fig. 1) ----------------===//
#include "mpcvit/runtime/dpf.h"

#include "mpcvit/runtime/parallel_for.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpcvit::rt {

namespace {
constexpr uint64_t kSeedMask = ~uint64_t(3); // bits 0, 1: control bits
constexpr uint64_t kLeafTweak = 2;
constexpr size_t kChunk = 256; // elements per batch (per thread)

int log2w(int w) {
  int l = 0;
  while ((1 << l) < w)
    ++l;
  return l;
}

void check(int n, int w) {
  if (n < 1 || n > 64 || w < 1 || w > 64 || (w & (w - 1)) != 0)
    throw std::invalid_argument(
        "dpf: expected 1 <= n <= 64 and w in {1, 2, 4, ..., 64}, got n=" +
        std::to_string(n) + ", w=" + std::to_string(w));
}
void checkParty(int b) {
  if (b != 0 && b != 1)
    throw std::invalid_argument("dpf: expected party 0 or 1, got " +
                                std::to_string(b));
}

inline uint64_t ld64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void st64(uint8_t *p, uint64_t v) { std::memcpy(p, &v, 8); }

// Lane arithmetic in Z_2^w on the lanes of a 64-bit word (w | 64).
struct Lanes {
  uint64_t one, high, low; // per-lane 1, per-lane top bit, the rest
  uint64_t mask;           // one lane's value mask
  explicit Lanes(int w) {
    mask = w == 64 ? ~uint64_t(0) : (uint64_t(1) << w) - 1;
    one = w == 64 ? 1 : ~uint64_t(0) / mask;
    high = one << (w - 1);
    low = ~high;
  }
  uint64_t add(uint64_t a, uint64_t b) const {
    return ((a & low) + (b & low)) ^ ((a ^ b) & high);
  }
  uint64_t neg(uint64_t a) const { return add(~a, one); }
  uint64_t sub(uint64_t a, uint64_t b) const { return add(a, neg(b)); }
};

struct Params {
  int n, w, nu, d;
  size_t keyBytes;
  Params(int n_, int w_) : n(n_), w(w_) {
    check(n, w);
    nu = std::min(n, 7 - log2w(w));
    d = n - nu;
    keyBytes = 16 * size_t(d + 1);
  }
  uint64_t lowMask() const { return (uint64_t(1) << nu) - 1; } // nu ≤ 7
};

inline FssBlock tweak(FssBlock s, uint64_t j) {
  s.lo ^= j;
  return s;
}
inline FssBlock seedOf(FssBlock s) {
  s.lo &= kSeedMask;
  return s;
}
} // namespace

int dpf_leaf_bits(int n, int w) { return Params(n, w).nu; }
size_t dpf_key_bytes(int n, int w) { return Params(n, w).keyBytes; }
size_t dpf_eval_all_words(int n, int w) {
  Params P(n, w);
  if (n > kDpfEvalAllMaxBits)
    throw std::invalid_argument("dpf_eval_all: n=" + std::to_string(n) +
                                " above " + std::to_string(kDpfEvalAllMaxBits));
  return size_t(2) << P.d;
}

void dpf_gen(int n, int w, size_t count, const uint64_t *alpha,
             const uint64_t *beta, const FssBlock *seeds0,
             const FssBlock *seeds1, uint8_t *cw, int threads) {
  const Params P(n, w);
  const Lanes Ln(w);
  parallel_for(count, threads, kChunk, [&](size_t begin, size_t end) {
    std::vector<FssBlock> s[2], in, out;
    std::vector<uint8_t> t[2];
    for (size_t e0 = begin; e0 < end; e0 += kChunk) {
      const size_t C = std::min(kChunk, end - e0);
      for (int b = 0; b < 2; ++b) {
        const FssBlock *src = b ? seeds1 : seeds0;
        s[b].resize(C);
        t[b].assign(C, uint8_t(b));
        for (size_t e = 0; e < C; ++e)
          s[b][e] = seedOf(src[e0 + e]);
      }
      in.resize(4 * C);
      out.resize(4 * C);
      for (int i = 0; i < P.d; ++i) {
        const int bit = n - 1 - i;
        for (int b = 0; b < 2; ++b)
          for (size_t e = 0; e < C; ++e) {
            in[(b * C + e) * 2] = s[b][e];
            in[(b * C + e) * 2 + 1] = tweak(s[b][e], 1);
          }
        fss_mmo(in.data(), out.data(), 4 * C);
        for (size_t e = 0; e < C; ++e) {
          const unsigned a = unsigned(alpha[e0 + e] >> bit) & 1;
          const FssBlock *o0 = &out[e * 2], *o1 = &out[(C + e) * 2];
          const unsigned keep = a, lose = 1 - a;
          const FssBlock sCW{(o0[lose].lo ^ o1[lose].lo) & kSeedMask,
                             o0[lose].hi ^ o1[lose].hi};
          const unsigned tL = unsigned(o0[0].lo ^ o1[0].lo) & 1;
          const unsigned tR = unsigned(o0[1].lo ^ o1[1].lo) & 1;
          const unsigned tLCW = tL ^ a ^ 1, tRCW = tR ^ a;
          uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(i);
          st64(k, sCW.lo | tLCW | (uint64_t(tRCW) << 1));
          st64(k + 8, sCW.hi);
          const unsigned tKeepCW = keep ? tRCW : tLCW;
          for (int b = 0; b < 2; ++b) {
            const FssBlock &ch = (b ? o1 : o0)[keep];
            const uint64_t tm = 0 - uint64_t(t[b][e]);
            s[b][e] = {(ch.lo & kSeedMask) ^ (sCW.lo & tm),
                       ch.hi ^ (sCW.hi & tm)};
            t[b][e] = uint8_t((ch.lo & 1) ^ (t[b][e] & tKeepCW));
          }
        }
      }
      // Leaf: CW = (−1)^{t₁}·(β·e_{α mod 2^ν} − Conv(s₀) + Conv(s₁)).
      for (int b = 0; b < 2; ++b)
        for (size_t e = 0; e < C; ++e)
          in[b * C + e] = tweak(s[b][e], kLeafTweak);
      fss_mmo(in.data(), out.data(), 2 * C);
      for (size_t e = 0; e < C; ++e) {
        const uint64_t pos = (alpha[e0 + e] & P.lowMask()) * uint64_t(w);
        const uint64_t bv = (beta ? beta[e0 + e] : 1) & Ln.mask;
        uint64_t E[2] = {0, 0};
        E[pos / 64] = bv << (pos % 64);
        const FssBlock &c0 = out[e], &c1 = out[C + e];
        uint64_t v[2] = {Ln.add(Ln.sub(E[0], c0.lo), c1.lo),
                         Ln.add(Ln.sub(E[1], c0.hi), c1.hi)};
        if (t[1][e]) {
          v[0] = Ln.neg(v[0]);
          v[1] = Ln.neg(v[1]);
        }
        uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(P.d);
        st64(k, v[0]);
        st64(k + 8, v[1]);
      }
    }
  });
}

void dpf_eval(int b, int n, int w, size_t count, const uint64_t *x,
              const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
              int threads) {
  const Params P(n, w);
  checkParty(b);
  const Lanes Ln(w);
  parallel_for(count, threads, kChunk, [&](size_t begin, size_t end) {
    std::vector<FssBlock> s(kChunk), in(kChunk);
    std::vector<uint8_t> t(kChunk);
    for (size_t e0 = begin; e0 < end; e0 += kChunk) {
      const size_t C = std::min(kChunk, end - e0);
      for (size_t e = 0; e < C; ++e) {
        s[e] = seedOf(seeds[e0 + e]);
        t[e] = uint8_t(b);
      }
      for (int i = 0; i < P.d; ++i) {
        const int bit = n - 1 - i;
        for (size_t e = 0; e < C; ++e)
          in[e] = tweak(s[e], (x[e0 + e] >> bit) & 1);
        fss_mmo(in.data(), in.data(), C);
        for (size_t e = 0; e < C; ++e) {
          const unsigned c = unsigned(x[e0 + e] >> bit) & 1;
          const uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(i);
          // Element-major keys: fetch the line 4 levels ahead.
          if ((i & 3) == 0 && i + 4 <= P.d)
            __builtin_prefetch(k + 64);
          const uint64_t tm = 0 - uint64_t(t[e]);
          const uint64_t c0 = ld64(k), c1 = ld64(k + 8);
          const FssBlock &o = in[e];
          s[e] = {(o.lo ^ (c0 & tm)) & kSeedMask, o.hi ^ (c1 & tm)};
          t[e] = uint8_t((o.lo ^ ((c0 >> c) & tm)) & 1);
        }
      }
      for (size_t e = 0; e < C; ++e)
        in[e] = tweak(s[e], kLeafTweak);
      fss_mmo(in.data(), in.data(), C);
      for (size_t e = 0; e < C; ++e) {
        const uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(P.d);
        const uint64_t pos = (x[e0 + e] & P.lowMask()) * uint64_t(w);
        const size_t wd = pos / 64;
        const unsigned sh = unsigned(pos % 64);
        const uint64_t conv = ((wd ? in[e].hi : in[e].lo) >> sh) & Ln.mask;
        const uint64_t corr = (ld64(k + 8 * wd) >> sh) & Ln.mask;
        uint64_t v = (conv + (corr & (0 - uint64_t(t[e])))) & Ln.mask;
        if (b)
          v = (0 - v) & Ln.mask;
        out[e0 + e] = v;
      }
    }
  });
}

namespace {
// dpf_eval_all and dpf_eval_half: with `top`, level 0 keeps only the child
// top[i] of element i, so the leaves cover the half with bit n − 1 = top[i].
void evalAllCore(int b, int n, int w, size_t count, const uint8_t *top,
                 const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
                 int threads) {
  const Params P(n, w);
  checkParty(b);
  const int cut = top ? 1 : 0; // levels collapsed to one node per element
  const size_t words = dpf_eval_all_words(n, w) >> cut;
  const size_t leaves = size_t(1) << (P.d - cut);
  const Lanes Ln(w);
  // Elements per batch: about 4096 leaves in flight.
  const size_t E = std::max<size_t>(1, 4096 >> std::min(P.d, 12));
  parallel_for(count, threads, E, [&](size_t begin, size_t end) {
    const size_t nodes = E * std::max<size_t>(leaves, 2); // level 0: 2/element
    std::vector<FssBlock> cur(nodes), nxt(nodes);
    std::vector<uint8_t> t(nodes), tn(nodes);
    for (size_t e0 = begin; e0 < end; e0 += E) {
      const size_t C = std::min(E, end - e0);
      for (size_t e = 0; e < C; ++e) {
        cur[e] = seedOf(seeds[e0 + e]);
        t[e] = uint8_t(b);
      }
      for (int i = 0; i < P.d; ++i) {
        // Nodes per element at level i.
        const size_t per = size_t(1) << (i > 0 ? i - cut : 0);
        for (size_t k = 0; k < C * per; ++k) {
          nxt[2 * k] = cur[k];
          nxt[2 * k + 1] = tweak(cur[k], 1);
        }
        fss_mmo(nxt.data(), nxt.data(), 2 * C * per);
        for (size_t e = 0; e < C; ++e) {
          const uint8_t *kw = cw + (e0 + e) * P.keyBytes + 16 * size_t(i);
          const uint64_t c0 = ld64(kw), c1 = ld64(kw + 8);
          for (size_t k = e * per; k < (e + 1) * per; ++k) {
            const uint64_t tm = 0 - uint64_t(t[k]);
            const uint64_t s0 = c0 & tm & kSeedMask, s1 = c1 & tm;
            FssBlock &l = nxt[2 * k], &r = nxt[2 * k + 1];
            tn[2 * k] = uint8_t((l.lo ^ (c0 & tm)) & 1);
            tn[2 * k + 1] = uint8_t((r.lo ^ ((c0 >> 1) & tm)) & 1);
            l = {(l.lo & kSeedMask) ^ s0, l.hi ^ s1};
            r = {(r.lo & kSeedMask) ^ s0, r.hi ^ s1};
          }
        }
        cur.swap(nxt);
        t.swap(tn);
        if (top && i == 0)
          for (size_t e = 0; e < C; ++e) { // ascending: reads stay ahead
            const size_t k = 2 * e + (top[e0 + e] & 1);
            cur[e] = cur[k];
            t[e] = t[k];
          }
      }
      // Leaves: Conv(s) computed in place in the output, then corrected.
      for (size_t e = 0; e < C; ++e) {
        FssBlock *o = reinterpret_cast<FssBlock *>(out + (e0 + e) * words);
        for (size_t l = 0; l < leaves; ++l)
          o[l] = tweak(cur[e * leaves + l], kLeafTweak);
      }
      static_assert(sizeof(FssBlock) == 16, "a leaf is two words");
      FssBlock *o0 = reinterpret_cast<FssBlock *>(out + e0 * words);
      fss_mmo(o0, o0, C * leaves);
      for (size_t e = 0; e < C; ++e) {
        const uint8_t *kw = cw + (e0 + e) * P.keyBytes + 16 * size_t(P.d);
        const uint64_t c0 = ld64(kw), c1 = ld64(kw + 8);
        uint64_t *o = out + (e0 + e) * words;
        for (size_t l = 0; l < leaves; ++l) {
          const uint64_t tm = 0 - uint64_t(t[e * leaves + l]);
          uint64_t v0 = Ln.add(o[2 * l], c0 & tm);
          uint64_t v1 = Ln.add(o[2 * l + 1], c1 & tm);
          if (b) {
            v0 = Ln.neg(v0);
            v1 = Ln.neg(v1);
          }
          o[2 * l] = v0;
          o[2 * l + 1] = v1;
        }
      }
    }
  });
}

} // namespace

void dpf_eval_all(int b, int n, int w, size_t count, const FssBlock *seeds,
                  const uint8_t *cw, uint64_t *out, int threads) {
  evalAllCore(b, n, w, count, nullptr, seeds, cw, out, threads);
}

void dpf_eval_half(int b, int n, int w, size_t count, const uint8_t *top,
                   const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
                   int threads) {
  if (Params(n, w).d < 1)
    throw std::invalid_argument(
        "dpf_eval_half: the tree of n=" + std::to_string(n) +
        ", w=" + std::to_string(w) + " has no level above the leaves");
  evalAllCore(b, n, w, count, top, seeds, cw, out, threads);
}

void dpf_eval_lt(int b, int n, size_t count, const uint64_t *x,
                 const FssBlock *seeds, const uint8_t *cw, uint64_t *out,
                 int threads) {
  const Params P(n, 1);
  checkParty(b);
  parallel_for(count, threads, kChunk, [&](size_t begin, size_t end) {
    std::vector<FssBlock> s(kChunk), in(2 * kChunk);
    std::vector<uint8_t> t(kChunk), acc(kChunk);
    std::vector<uint32_t> pos(kChunk);
    for (size_t e0 = begin; e0 < end; e0 += kChunk) {
      const size_t C = std::min(kChunk, end - e0);
      for (size_t e = 0; e < C; ++e) {
        s[e] = seedOf(seeds[e0 + e]);
        t[e] = uint8_t(b);
        acc[e] = 0;
      }
      for (int i = 0; i < P.d; ++i) {
        const int bit = n - 1 - i;
        // x goes left: both children (the right sibling's control bit);
        // x goes right: the right child only.
        size_t m = 0;
        for (size_t e = 0; e < C; ++e) {
          const unsigned c = unsigned(x[e0 + e] >> bit) & 1;
          pos[e] = uint32_t(m);
          in[m] = s[e]; // kept only when c = 0 (branch-free)
          m += c ^ 1;
          in[m++] = tweak(s[e], 1);
        }
        fss_mmo(in.data(), in.data(), m);
        for (size_t e = 0; e < C; ++e) {
          const unsigned c = unsigned(x[e0 + e] >> bit) & 1;
          const uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(i);
          if ((i & 3) == 0 && i + 4 <= P.d)
            __builtin_prefetch(k + 64);
          const uint64_t tm = 0 - uint64_t(t[e]);
          const uint64_t c0 = ld64(k), c1 = ld64(k + 8);
          const FssBlock &R = in[pos[e] + (c ^ 1)];
          const FssBlock &o = in[pos[e]]; // the child on x's path
          const unsigned tR = unsigned(R.lo ^ ((c0 >> 1) & tm)) & 1;
          acc[e] ^= uint8_t(tR & (c ^ 1));
          s[e] = {(o.lo ^ (c0 & tm)) & kSeedMask, o.hi ^ (c1 & tm)};
          t[e] = uint8_t((o.lo ^ ((c0 >> c) & tm)) & 1);
        }
      }
      for (size_t e = 0; e < C; ++e)
        in[e] = tweak(s[e], kLeafTweak);
      fss_mmo(in.data(), in.data(), C);
      for (size_t e = 0; e < C; ++e) {
        const uint8_t *k = cw + (e0 + e) * P.keyBytes + 16 * size_t(P.d);
        const uint64_t tm = 0 - uint64_t(t[e]);
        const uint64_t l0 = in[e].lo ^ (ld64(k) & tm);
        const uint64_t l1 = in[e].hi ^ (ld64(k + 8) & tm);
        // Lanes above p = x mod 2^ν (p ≤ 127).
        const unsigned p1 = unsigned(x[e0 + e] & P.lowMask()) + 1;
        const uint64_t m0 = p1 >= 64 ? 0 : ~uint64_t(0) << p1;
        const uint64_t m1 = p1 <= 64
                                ? ~uint64_t(0)
                                : (p1 >= 128 ? 0 : ~uint64_t(0) << (p1 - 64));
        const unsigned par =
            unsigned(__builtin_popcountll((l0 & m0) ^ (l1 & m1))) & 1;
        out[e0 + e] = uint64_t(acc[e] ^ par);
      }
    }
  });
}

} // namespace mpcvit::rt
