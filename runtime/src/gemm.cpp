//===- gemm.cpp - Blocked, vectorised, multi-threaded uint64 GEMM ---------===//
#include "mpcvit/runtime/gemm.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace mpcvit::rt {

namespace {
typedef uint64_t v8 __attribute__((vector_size(64)));

inline v8 load8(const uint64_t *p) {
  v8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store8(uint64_t *p, v8 v) { std::memcpy(p, &v, sizeof(v)); }

constexpr size_t MR = 4, NR = 16, KC = 256;

// Rows [r0, r1) of C.
void gemmRows(const uint64_t *A, const uint64_t *B, uint64_t *C, size_t r0,
              size_t r1, size_t k, size_t n, bool acc) {
  if (!acc)
    for (size_t i = r0; i < r1; ++i)
      std::memset(C + i * n, 0, n * sizeof(uint64_t));
  const size_t nFull = n / NR * NR;
  for (size_t p0 = 0; p0 < k; p0 += KC) {
    const size_t p1 = std::min(k, p0 + KC);
    for (size_t j0 = 0; j0 < nFull; j0 += NR) {
      size_t i = r0;
      for (; i + MR <= r1; i += MR) {
        v8 c00 = load8(C + (i + 0) * n + j0),
           c01 = load8(C + (i + 0) * n + j0 + 8);
        v8 c10 = load8(C + (i + 1) * n + j0),
           c11 = load8(C + (i + 1) * n + j0 + 8);
        v8 c20 = load8(C + (i + 2) * n + j0),
           c21 = load8(C + (i + 2) * n + j0 + 8);
        v8 c30 = load8(C + (i + 3) * n + j0),
           c31 = load8(C + (i + 3) * n + j0 + 8);
        const uint64_t *a0 = A + (i + 0) * k, *a1 = A + (i + 1) * k,
                       *a2 = A + (i + 2) * k, *a3 = A + (i + 3) * k;
        for (size_t p = p0; p < p1; ++p) {
          v8 b0 = load8(B + p * n + j0), b1 = load8(B + p * n + j0 + 8);
          v8 x0 = b0 * 0 + a0[p], x1 = b0 * 0 + a1[p];
          v8 x2 = b0 * 0 + a2[p], x3 = b0 * 0 + a3[p];
          c00 += x0 * b0;
          c01 += x0 * b1;
          c10 += x1 * b0;
          c11 += x1 * b1;
          c20 += x2 * b0;
          c21 += x2 * b1;
          c30 += x3 * b0;
          c31 += x3 * b1;
        }
        store8(C + (i + 0) * n + j0, c00);
        store8(C + (i + 0) * n + j0 + 8, c01);
        store8(C + (i + 1) * n + j0, c10);
        store8(C + (i + 1) * n + j0 + 8, c11);
        store8(C + (i + 2) * n + j0, c20);
        store8(C + (i + 2) * n + j0 + 8, c21);
        store8(C + (i + 3) * n + j0, c30);
        store8(C + (i + 3) * n + j0 + 8, c31);
      }
      for (; i < r1; ++i) {
        v8 c0 = load8(C + i * n + j0), c1 = load8(C + i * n + j0 + 8);
        const uint64_t *a = A + i * k;
        for (size_t p = p0; p < p1; ++p) {
          v8 x = load8(B + p * n + j0) * 0 + a[p];
          c0 += x * load8(B + p * n + j0);
          c1 += x * load8(B + p * n + j0 + 8);
        }
        store8(C + i * n + j0, c0);
        store8(C + i * n + j0 + 8, c1);
      }
    }
    if (nFull < n)
      for (size_t i = r0; i < r1; ++i)
        for (size_t p = p0; p < p1; ++p) {
          uint64_t a = A[i * k + p];
          for (size_t j = nFull; j < n; ++j)
            C[i * n + j] += a * B[p * n + j];
        }
  }
}
} // namespace

void gemm_u64(const uint64_t *A, const uint64_t *B, uint64_t *C, size_t m,
              size_t k, size_t n, bool accumulate, int threads) {
  if (m == 0 || n == 0)
    return;
  if (threads <= 0) {
    unsigned h = std::thread::hardware_concurrency();
    threads = h ? int(h) : 1;
  }
  const double work = double(m) * double(k) * double(n);
  size_t blocks = (m + MR - 1) / MR;
  int t = int(std::min<size_t>(size_t(threads), blocks));
  if (work < 2e6 || t <= 1) {
    gemmRows(A, B, C, 0, m, k, n, accumulate);
    return;
  }
  std::vector<std::thread> pool;
  size_t per = (blocks + size_t(t) - 1) / size_t(t);
  for (int w = 1; w < t; ++w) {
    size_t r0 = std::min(m, size_t(w) * per * MR),
           r1 = std::min(m, size_t(w + 1) * per * MR);
    if (r0 < r1)
      pool.emplace_back(gemmRows, A, B, C, r0, r1, k, n, accumulate);
  }
  gemmRows(A, B, C, 0, std::min(m, per * MR), k, n, accumulate);
  for (auto &th : pool)
    th.join();
}

void gemm_u64_naive(const uint64_t *A, const uint64_t *B, uint64_t *C, size_t m,
                    size_t k, size_t n) {
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      uint64_t s = 0;
      for (size_t p = 0; p < k; ++p)
        s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
}

} // namespace mpcvit::rt
