//===- dcf.cpp - Distributed comparison function (BCG+21 Fig. 1) ----------===//
#include "mpcvit/runtime/dcf.h"

#include <algorithm>
#include <cstring>
#include <openssl/evp.h>
#include <stdexcept>
#include <string>

namespace mpcvit::rt {

namespace {
// Public fixed AES key (hex digits of π): the permutation of the MMO PRG.
constexpr uint8_t kFixedKey[16] = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3,
                                   0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e,
                                   0x03, 0x70, 0x73, 0x44};
constexpr uint64_t kLeafTweak = 8; // tweaks 8.. : leaf words
constexpr size_t kChunk =
    256; // elements per batch (keys of a batch stay in L2)

struct AesCtx {
  EVP_CIPHER_CTX *ctx = nullptr;
  AesCtx() {
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx ||
        EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, kFixedKey,
                           nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
      throw std::runtime_error("dcf: EVP aes-128-ecb init failed");
  }
  ~AesCtx() {
    if (ctx)
      EVP_CIPHER_CTX_free(ctx);
  }
};

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
inline DcfSeed xorS(DcfSeed a, const DcfSeed &b) {
  a.lo ^= b.lo;
  a.hi ^= b.hi;
  return a;
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
  static_assert(sizeof(DcfSeed) == 16, "DcfSeed must be one AES block");
  thread_local AesCtx aes;
  // EVP takes an int length: go in chunks of 2^26 blocks.
  constexpr size_t kMax = size_t(1) << 26;
  for (size_t off = 0; off < count; off += kMax) {
    size_t m = std::min(kMax, count - off);
    std::vector<DcfSeed> tmp;
    const DcfSeed *src = in + off;
    if (src == out + off) { // aliasing: keep the input for the feed-forward
      tmp.assign(src, src + m);
      src = tmp.data();
    }
    int outl = 0;
    if (EVP_EncryptUpdate(aes.ctx, reinterpret_cast<uint8_t *>(out + off),
                          &outl, reinterpret_cast<const uint8_t *>(src),
                          int(m * 16)) != 1 ||
        size_t(outl) != m * 16)
      throw std::runtime_error("dcf: EVP_EncryptUpdate failed");
    for (size_t i = 0; i < m; ++i) {
      out[off + i].lo ^= src[i].lo;
      out[off + i].hi ^= src[i].hi;
    }
  }
}

size_t dcf_cw_bytes(int n, int g) {
  check(n, g);
  return Layout(n, g).total;
}

void dcf_gen(int n, int g, size_t count, const uint64_t *alpha,
             const uint64_t *beta, const DcfSeed *seeds0, const DcfSeed *seeds1,
             uint8_t *cw) {
  check(n, g);
  const Layout L(n, g);
  const size_t per = 2 + size_t(g); // blocks per node: sL, sR, g value blocks
  const size_t nLeaf = (size_t(g) + 1) / 2;
  std::vector<DcfSeed> s[2], in, out;
  std::vector<uint8_t> t[2];
  std::vector<uint64_t> va;
  for (size_t e0 = 0; e0 < count; e0 += kChunk) {
    const size_t C = std::min(kChunk, count - e0);
    for (int b = 0; b < 2; ++b) {
      s[b].assign(C, DcfSeed{});
      t[b].assign(C, uint8_t(b));
      const DcfSeed *src = b ? seeds1 : seeds0;
      for (size_t e = 0; e < C; ++e) {
        s[b][e] = src[e0 + e];
        s[b][e].lo &= ~uint64_t(1);
      }
    }
    va.assign(C * size_t(g), 0);
    in.resize(2 * C * per);
    out.resize(2 * C * per);
    for (size_t e = 0; e < C; ++e)
      std::memset(cw + (e0 + e) * L.total + L.tBits, 0, L.total - L.tBits);
    for (int i = 0; i < n; ++i) {
      const int bit = n - 1 - i;
      for (int b = 0; b < 2; ++b)
        for (size_t e = 0; e < C; ++e)
          for (size_t j = 0; j < per; ++j)
            in[(b * C + e) * per + j] = tweak(s[b][e], j);
      dcf_mmo(in.data(), out.data(), in.size());
      for (size_t e = 0; e < C; ++e) {
        uint8_t *k = cw + (e0 + e) * L.total;
        const unsigned a = unsigned(alpha[e0 + e] >> bit) & 1;
        const unsigned keep = a, lose = 1 - a;
        const DcfSeed *o0 = &out[(0 * C + e) * per];
        const DcfSeed *o1 = &out[(1 * C + e) * per];
        DcfSeed c0[2] = {o0[0], o0[1]}, c1[2] = {o1[0], o1[1]};
        unsigned t0c[2], t1c[2];
        for (int c = 0; c < 2; ++c) {
          t0c[c] = unsigned(c0[c].lo & 1);
          t1c[c] = unsigned(c1[c].lo & 1);
          c0[c].lo &= ~uint64_t(1);
          c1[c].lo &= ~uint64_t(1);
        }
        const DcfSeed sCW = xorS(c0[lose], c1[lose]);
        const uint64_t sign = t[1][e] ? ~uint64_t(0) : 1; // (−1)^{t1}
        uint64_t *V = &va[e * size_t(g)];
        for (int q = 0; q < g; ++q) {
          uint64_t vl0 = word(o0 + 2, lose * g + q);
          uint64_t vl1 = word(o1 + 2, lose * g + q);
          uint64_t vk0 = word(o0 + 2, keep * g + q);
          uint64_t vk1 = word(o1 + 2, keep * g + q);
          uint64_t vcw = sign * (vl1 - vl0 - V[q]);
          if (lose == 0) // x goes left of α here: x < α
            vcw += sign * beta[(e0 + e) * size_t(g) + q];
          V[q] = V[q] - vk1 + vk0 + sign * vcw;
          st64(k + L.vCW + (size_t(i) * g + q) * 8, vcw);
        }
        const unsigned tL = t0c[0] ^ t1c[0] ^ a ^ 1, tR = t0c[1] ^ t1c[1] ^ a;
        st64(k + L.sCW + size_t(i) * 16, sCW.lo);
        st64(k + L.sCW + size_t(i) * 16 + 8, sCW.hi);
        k[L.tBits + (2 * i) / 8] |= uint8_t(tL << ((2 * i) & 7));
        k[L.tBits + (2 * i + 1) / 8] |= uint8_t(tR << ((2 * i + 1) & 7));
        const unsigned tKeep = keep ? tR : tL;
        for (int b = 0; b < 2; ++b) {
          const DcfSeed &sk = b ? c1[keep] : c0[keep];
          const unsigned tk = b ? t1c[keep] : t0c[keep];
          const unsigned tp = t[b][e];
          const uint64_t tm = 0 - uint64_t(tp);
          s[b][e] = {sk.lo ^ (sCW.lo & tm), sk.hi ^ (sCW.hi & tm)};
          t[b][e] = uint8_t(tk ^ (tp & tKeep));
        }
      }
    }
    // Leaf correction: CW_{n+1} = (−1)^{t1}·(Convert(s1) − Convert(s0) − V).
    in.resize(2 * C * nLeaf);
    out.resize(2 * C * nLeaf);
    for (int b = 0; b < 2; ++b)
      for (size_t e = 0; e < C; ++e)
        for (size_t j = 0; j < nLeaf; ++j)
          in[(b * C + e) * nLeaf + j] = tweak(s[b][e], kLeafTweak + j);
    dcf_mmo(in.data(), out.data(), in.size());
    for (size_t e = 0; e < C; ++e) {
      uint8_t *k = cw + (e0 + e) * L.total;
      const uint64_t sign = t[1][e] ? ~uint64_t(0) : 1;
      for (int q = 0; q < g; ++q) {
        uint64_t w0 = word(&out[(0 * C + e) * nLeaf], q);
        uint64_t w1 = word(&out[(1 * C + e) * nLeaf], q);
        st64(k + L.leaf + size_t(q) * 8,
             sign * (w1 - w0 - va[e * size_t(g) + q]));
      }
    }
  }
}

void dcf_eval(int b, int n, int g, size_t count, const uint64_t *x,
              const DcfSeed *seeds, const uint8_t *cw, uint64_t *out) {
  check(n, g);
  if (b != 0 && b != 1)
    throw std::invalid_argument("dcf_eval: expected party 0 or 1, got " +
                                std::to_string(b));
  const Layout L(n, g);
  const size_t nb = (size_t(g) + 1) / 2; // value blocks per step
  const size_t per = 1 + nb;
  const uint64_t sign = b ? ~uint64_t(0) : 1; // (−1)^b
  std::vector<DcfSeed> s, in, ob;
  std::vector<uint8_t> t;
  for (size_t e0 = 0; e0 < count; e0 += kChunk) {
    const size_t C = std::min(kChunk, count - e0);
    s.resize(C);
    t.assign(C, uint8_t(b));
    for (size_t e = 0; e < C; ++e) {
      s[e] = seeds[e0 + e];
      s[e].lo &= ~uint64_t(1);
    }
    uint64_t *V = out + e0 * size_t(g);
    std::fill(V, V + C * size_t(g), 0);
    in.resize(C * per);
    ob.resize(C * per);
    for (int i = 0; i < n; ++i) {
      const int bit = n - 1 - i;
      for (size_t e = 0; e < C; ++e) {
        const uint64_t c = (x[e0 + e] >> bit) & 1;
        const uint64_t first = 2 + (c * uint64_t(g)) / 2;
        in[e * per] = tweak(s[e], c);
        for (size_t j = 0; j < nb; ++j)
          in[e * per + 1 + j] = tweak(s[e], first + j);
      }
      dcf_mmo(in.data(), ob.data(), in.size());
      for (size_t e = 0; e < C; ++e) {
        const uint8_t *k = cw + (e0 + e) * L.total;
        // Keys are element-major: fetch this element's next correction-word
        // lines ahead of time (the stride between elements defeats the
        // hardware prefetcher).
        if ((i & 3) == 0 && i + 4 < n)
          __builtin_prefetch(k + L.sCW + size_t(i + 4) * 16);
        if (i + 8 < n && ((i * g) & 7) == 0)
          __builtin_prefetch(k + L.vCW + size_t(i + 8) * g * 8);
        const unsigned c = unsigned(x[e0 + e] >> bit) & 1;
        // Branch-free correction (t is a uniformly random bit).
        const uint64_t tm = 0 - uint64_t(t[e]);
        DcfSeed sc = ob[e * per];
        const size_t tb = 2 * size_t(i) + c;
        unsigned tc =
            unsigned(sc.lo & 1) ^
            (unsigned(k[L.tBits + tb / 8] >> (tb & 7)) & 1 & unsigned(tm));
        sc.lo =
            (sc.lo & ~uint64_t(1)) ^ (ld64(k + L.sCW + size_t(i) * 16) & tm);
        sc.hi ^= ld64(k + L.sCW + size_t(i) * 16 + 8) & tm;
        const size_t w0 = (size_t(c) * size_t(g)) & 1;
        uint64_t *Ve = V + e * size_t(g);
        for (int q = 0; q < g; ++q) {
          uint64_t v = word(&ob[e * per + 1], w0 + size_t(q));
          v += ld64(k + L.vCW + (size_t(i) * g + q) * 8) & tm;
          Ve[q] += sign * v;
        }
        s[e] = sc;
        t[e] = uint8_t(tc);
      }
    }
    in.resize(C * nb);
    ob.resize(C * nb);
    for (size_t e = 0; e < C; ++e)
      for (size_t j = 0; j < nb; ++j)
        in[e * nb + j] = tweak(s[e], kLeafTweak + j);
    dcf_mmo(in.data(), ob.data(), in.size());
    for (size_t e = 0; e < C; ++e) {
      const uint8_t *k = cw + (e0 + e) * L.total;
      uint64_t *Ve = V + e * size_t(g);
      for (int q = 0; q < g; ++q) {
        uint64_t v = word(&ob[e * nb], size_t(q));
        if (t[e])
          v += ld64(k + L.leaf + size_t(q) * 8);
        Ve[q] += sign * v;
      }
    }
  }
}

} // namespace mpcvit::rt
