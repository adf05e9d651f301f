//===- gemm.h - Blocked, vectorised, multi-threaded uint64 GEMM -*- C++ -*-===//
//
// Local compute of the linear-algebra protocols: C = A·B over Z_2^64
// (row-major). Register-blocked 4×16 micro-kernel written with GCC vector
// extensions (AVX-512 vpmullq when built with -march=native on a CPU that has
// AVX512DQ, 3-multiply emulation on AVX2), split over threads by row blocks.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_GEMM_H
#define MPCVIT_RUNTIME_GEMM_H

#include <cstddef>
#include <cstdint>

namespace mpcvit::rt {

/// C[m×n] (+)= A[m×k] · B[k×n] mod 2^64, all row-major with leading
/// dimensions k, n, n. `accumulate` adds into C instead of overwriting.
/// `threads` ≤ 0 means one thread per hardware core. Small products run on
/// the calling thread.
void gemm_u64(const uint64_t *A, const uint64_t *B, uint64_t *C, size_t m,
              size_t k, size_t n, bool accumulate = false, int threads = 0);

/// Reference triple loop (tests).
void gemm_u64_naive(const uint64_t *A, const uint64_t *B, uint64_t *C, size_t m,
                    size_t k, size_t n);

} // namespace mpcvit::rt

#endif
