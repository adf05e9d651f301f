//===- dcf.cpp - Distributed comparison function (BCG+21 Fig. 1) ----------===//
#include "mpcvit/runtime/dcf.h"

#include "mpcvit/runtime/parallel_for.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mpcvit::rt {

namespace {
constexpr uint64_t kLeafTweak = 8; // tweaks 8.. : leaf words
constexpr int kAhead = 6;          // levels of correction words prefetched
constexpr size_t kChunk =
    256; // elements per batch (keys of a batch stay in L2)

void check(int n, int g) {
  if (n < 1 || n > 64 || g < 1 || g > kDcfMaxOutputs)
    throw std::invalid_argument("dcf: expected 1 <= n <= 64 and 1 <= g <= " +
                                std::to_string(kDcfMaxOutputs) + ", got n=" +
                                std::to_string(n) + ", g=" + std::to_string(g));
}

inline DcfSeed tweak(DcfSeed s, uint64_t j) {
  s.lo ^= j;
  return s;
}
// 64-bit word w of a block array (lo = word 0, hi = word 1); branch-free
// (w depends on a secret-looking path bit).
inline uint64_t word(const DcfSeed *blocks, size_t w) {
  uint64_t v;
  std::memcpy(&v, reinterpret_cast<const uint8_t *>(blocks) + 8 * w, 8);
  return v;
}

// Offsets inside one element's correction words.
struct Layout {
  size_t sCW, vCW, leaf, tBits, total;
  Layout(int n, int g) {
    sCW = 0;
    vCW = 16 * size_t(n);
    leaf = vCW + 8 * size_t(g) * size_t(n);
    tBits = leaf + 8 * size_t(g);
    total = tBits + (2 * size_t(n) + 7) / 8;
  }
};

inline uint64_t ld64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void st64(uint8_t *p, uint64_t v) { std::memcpy(p, &v, 8); }
} // namespace

void dcf_mmo(const DcfSeed *in, DcfSeed *out, size_t count) {
  fss_mmo(in, out, count);
}

size_t dcf_cw_bytes(int n, int g) {
  check(n, g);
  return Layout(n, g).total;
}

namespace {
// Key generation for elements [begin, end) with a compile-time payload width
// (keeps the per-level state in registers).
template <int G>
void genRange(int n, size_t begin, size_t end, const uint64_t *alpha,
              const uint64_t *beta, const DcfSeed *seeds0,
              const DcfSeed *seeds1, uint8_t *cw) {
  const Layout L(n, G);
  constexpr size_t per = 2 + G; // blocks per node: sL, sR, G value blocks
  constexpr size_t nLeaf = (G + 1) / 2;
  std::vector<DcfSeed> s[2], in(2 * kChunk * per);
  std::vector<uint8_t> t[2];
  std::vector<uint64_t> va;
  for (size_t e0 = begin; e0 < end; e0 += kChunk) {
    const size_t C = std::min(kChunk, end - e0);
    for (int b = 0; b < 2; ++b) {
      s[b].resize(C);
      t[b].assign(C, uint8_t(b));
      const DcfSeed *src = b ? seeds1 : seeds0;
      for (size_t e = 0; e < C; ++e) {
        s[b][e] = src[e0 + e];
        s[b][e].lo &= ~uint64_t(1);
      }
    }
    va.assign(C * G, 0);
    for (size_t e = 0; e < C; ++e)
      std::memset(cw + (e0 + e) * L.total + L.tBits, 0, L.total - L.tBits);
    for (int i = 0; i < n; ++i) {
      const int bit = n - 1 - i;
      for (int b = 0; b < 2; ++b)
        for (size_t e = 0; e < C; ++e) {
          DcfSeed *o = &in[(b * C + e) * per];
          for (size_t j = 0; j < per; ++j)
            o[j] = tweak(s[b][e], j);
        }
      fss_mmo(in.data(), in.data(), 2 * C * per);
      for (size_t e = 0; e < C; ++e) {
        uint8_t *k = cw + (e0 + e) * L.total;
        const unsigned a = unsigned(alpha[e0 + e] >> bit) & 1;
        const unsigned keep = a, lose = 1 - a;
        const DcfSeed *o0 = &in[e * per];
        const DcfSeed *o1 = &in[(C + e) * per];
        // Scalar loads straight from the PRG output (a 16-byte reload of
        // words just stored one by one would stall store forwarding).
        const DcfSeed &l0 = o0[lose], &l1 = o1[lose];
        const DcfSeed &k0 = o0[keep], &k1 = o1[keep];
        const unsigned t0c[2] = {unsigned(o0[0].lo & 1),
                                 unsigned(o0[1].lo & 1)};
        const unsigned t1c[2] = {unsigned(o1[0].lo & 1),
                                 unsigned(o1[1].lo & 1)};
        const DcfSeed sCW{(l0.lo ^ l1.lo) & ~uint64_t(1), l0.hi ^ l1.hi};
        const uint64_t sign = t[1][e] ? ~uint64_t(0) : 1; // (−1)^{t1}
        uint64_t *V = &va[e * G];
        for (int q = 0; q < G; ++q) {
          const uint64_t vl0 = word(o0 + 2, lose * G + q);
          const uint64_t vl1 = word(o1 + 2, lose * G + q);
          const uint64_t vk0 = word(o0 + 2, keep * G + q);
          const uint64_t vk1 = word(o1 + 2, keep * G + q);
          uint64_t vcw = sign * (vl1 - vl0 - V[q]);
          // α goes right here (lose = left): x going left is x < α.
          vcw += (sign * beta[(e0 + e) * G + q]) & (0 - uint64_t(a));
          V[q] = V[q] - vk1 + vk0 + sign * vcw;
          st64(k + L.vCW + (size_t(i) * G + q) * 8, vcw);
        }
        const unsigned tL = t0c[0] ^ t1c[0] ^ a ^ 1, tR = t0c[1] ^ t1c[1] ^ a;
        st64(k + L.sCW + size_t(i) * 16, sCW.lo);
        st64(k + L.sCW + size_t(i) * 16 + 8, sCW.hi);
        k[L.tBits + (2 * i) / 8] |= uint8_t(tL << ((2 * i) & 7));
        k[L.tBits + (2 * i + 1) / 8] |= uint8_t(tR << ((2 * i + 1) & 7));
        const unsigned tKeep = keep ? tR : tL;
        for (int b = 0; b < 2; ++b) {
          const DcfSeed &sk = b ? k1 : k0;
          const unsigned tk = b ? t1c[keep] : t0c[keep];
          const unsigned tp = t[b][e];
          const uint64_t tm = 0 - uint64_t(tp);
          s[b][e] = {(sk.lo & ~uint64_t(1)) ^ (sCW.lo & tm),
                     sk.hi ^ (sCW.hi & tm)};
          t[b][e] = uint8_t(tk ^ (tp & tKeep));
        }
      }
    }
    // Leaf correction: CW_{n+1} = (−1)^{t1}·(Convert(s1) − Convert(s0) − V).
    for (int b = 0; b < 2; ++b)
      for (size_t e = 0; e < C; ++e)
        for (size_t j = 0; j < nLeaf; ++j)
          in[(b * C + e) * nLeaf + j] = tweak(s[b][e], kLeafTweak + j);
    fss_mmo(in.data(), in.data(), 2 * C * nLeaf);
    for (size_t e = 0; e < C; ++e) {
      uint8_t *k = cw + (e0 + e) * L.total;
      const uint64_t sign = t[1][e] ? ~uint64_t(0) : 1;
      for (int q = 0; q < G; ++q) {
        const uint64_t w0 = word(&in[e * nLeaf], q);
        const uint64_t w1 = word(&in[(C + e) * nLeaf], q);
        st64(k + L.leaf + size_t(q) * 8, sign * (w1 - w0 - va[e * G + q]));
      }
    }
  }
}

// Evaluation by party b for elements [begin, end).
template <int G>
void evalRange(int b, int n, size_t begin, size_t end, const uint64_t *x,
               const DcfSeed *seeds, const uint8_t *cw, uint64_t *out) {
  const Layout L(n, G);
  constexpr size_t nb = (G + 1) / 2; // value blocks per step
  constexpr size_t per = 1 + nb;
  const uint64_t sign = b ? ~uint64_t(0) : 1; // (−1)^b
  std::vector<DcfSeed> s(kChunk), in(kChunk * per);
  std::vector<uint8_t> t(kChunk);
  // The chunk's control-bit corrections (2n ≤ 128 bits per element), copied
  // out of the keys once: read at every level, they stay in L1.
  std::vector<uint64_t> tw(2 * kChunk);
  const size_t tBytes = L.total - L.tBits;
  for (size_t e0 = begin; e0 < end; e0 += kChunk) {
    const size_t C = std::min(kChunk, end - e0);
    for (size_t e = 0; e < C; ++e) {
      s[e] = seeds[e0 + e];
      s[e].lo &= ~uint64_t(1);
      t[e] = uint8_t(b);
      tw[2 * e] = tw[2 * e + 1] = 0;
      const uint8_t *k = cw + (e0 + e) * L.total;
      std::memcpy(&tw[2 * e], k + L.tBits, tBytes);
      for (size_t off = 0; off < kAhead * 16; off += 64) // first levels
        __builtin_prefetch(k + L.sCW + off);
      for (size_t off = 0; off < kAhead * G * 8 + 64; off += 64)
        __builtin_prefetch(k + L.vCW + off);
    }
    uint64_t *V = out + e0 * G;
    std::fill(V, V + C * G, 0);
    for (int i = 0; i < n; ++i) {
      const int bit = n - 1 - i;
      for (size_t e = 0; e < C; ++e) {
        const uint64_t c = (x[e0 + e] >> bit) & 1;
        const uint64_t first = 2 + (c * G) / 2;
        DcfSeed *o = &in[e * per];
        o[0] = tweak(s[e], c);
        for (size_t j = 0; j < nb; ++j)
          o[1 + j] = tweak(s[e], first + j);
      }
      fss_mmo(in.data(), in.data(), C * per);
      for (size_t e = 0; e < C; ++e) {
        const uint8_t *k = cw + (e0 + e) * L.total;
        // Keys are element-major: fetch this element's correction words
        // kAhead levels ahead (the stride between elements defeats the
        // hardware prefetcher); by address, whatever the lines' alignment.
        if (i + kAhead < n) {
          __builtin_prefetch(k + L.sCW + size_t(i + kAhead) * 16);
          __builtin_prefetch(k + L.vCW + size_t(i + kAhead) * G * 8);
        }
        const unsigned c = unsigned(x[e0 + e] >> bit) & 1;
        // Branch-free correction (t is a uniformly random bit).
        const uint64_t tm = 0 - uint64_t(t[e]);
        const DcfSeed *o = &in[e * per];
        const size_t tb = 2 * size_t(i) + c;
        const unsigned tc =
            unsigned(o[0].lo & 1) ^
            (unsigned(tw[2 * e + tb / 64] >> (tb & 63)) & 1 & unsigned(tm));
        s[e] = {(o[0].lo & ~uint64_t(1)) ^
                    (ld64(k + L.sCW + size_t(i) * 16) & tm),
                o[0].hi ^ (ld64(k + L.sCW + size_t(i) * 16 + 8) & tm)};
        t[e] = uint8_t(tc);
        const size_t w0 = (size_t(c) * G) & 1;
        uint64_t *Ve = V + e * G;
        for (int q = 0; q < G; ++q) {
          uint64_t v = word(o + 1, w0 + size_t(q));
          v += ld64(k + L.vCW + (size_t(i) * G + q) * 8) & tm;
          Ve[q] += sign * v;
        }
      }
    }
    for (size_t e = 0; e < C; ++e)
      for (size_t j = 0; j < nb; ++j)
        in[e * nb + j] = tweak(s[e], kLeafTweak + j);
    fss_mmo(in.data(), in.data(), C * nb);
    for (size_t e = 0; e < C; ++e) {
      const uint8_t *k = cw + (e0 + e) * L.total;
      const uint64_t tm = 0 - uint64_t(t[e]);
      uint64_t *Ve = V + e * G;
      for (int q = 0; q < G; ++q) {
        const uint64_t v = word(&in[e * nb], size_t(q)) +
                           (ld64(k + L.leaf + size_t(q) * 8) & tm);
        Ve[q] += sign * v;
      }
    }
  }
}
} // namespace

void dcf_gen(int n, int g, size_t count, const uint64_t *alpha,
             const uint64_t *beta, const DcfSeed *seeds0, const DcfSeed *seeds1,
             uint8_t *cw, int threads) {
  check(n, g);
  parallel_for(count, threads, kChunk, [&](size_t begin, size_t end) {
    switch (g) {
    case 1:
      return genRange<1>(n, begin, end, alpha, beta, seeds0, seeds1, cw);
    case 2:
      return genRange<2>(n, begin, end, alpha, beta, seeds0, seeds1, cw);
    case 3:
      return genRange<3>(n, begin, end, alpha, beta, seeds0, seeds1, cw);
    default:
      return genRange<4>(n, begin, end, alpha, beta, seeds0, seeds1, cw);
    }
  });
}

void dcf_eval(int b, int n, int g, size_t count, const uint64_t *x,
              const DcfSeed *seeds, const uint8_t *cw, uint64_t *out,
              int threads) {
  check(n, g);
  if (b != 0 && b != 1)
    throw std::invalid_argument("dcf_eval: expected party 0 or 1, got " +
                                std::to_string(b));
  parallel_for(count, threads, kChunk, [&](size_t begin, size_t end) {
    switch (g) {
    case 1:
      return evalRange<1>(b, n, begin, end, x, seeds, cw, out);
    case 2:
      return evalRange<2>(b, n, begin, end, x, seeds, cw, out);
    case 3:
      return evalRange<3>(b, n, begin, end, x, seeds, cw, out);
    default:
      return evalRange<4>(b, n, begin, end, x, seeds, cw, out);
    }
  });
}

} // namespace mpcvit::rt
