//===- parallel_for.h - Split an element range over threads ----*- C++ -*-===//
//
// parallel_for(count, threads, grain, fn) calls fn(begin, end) on disjoint
// contiguous ranges covering [0, count), each a multiple of `grain` long
// (except the last), one range per thread: the calling thread takes the
// first, std::thread workers the others (joined before returning). Used by
// the FSS gates (dcf.h, dpf.h) to split key generation and evaluation over
// elements; the thread count is the session's (Context::gemmThreads()).
// threads ≤ 1 or a single grain runs fn(0, count) inline. An exception in
// any range is rethrown (the first one) after all threads have joined.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_PARALLEL_FOR_H
#define MPCVIT_RUNTIME_PARALLEL_FOR_H

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace mpcvit::rt {

template <class F>
void parallel_for(size_t count, int threads, size_t grain, F &&fn) {
  if (count == 0)
    return;
  grain = std::max<size_t>(grain, 1);
  const size_t grains = (count + grain - 1) / grain;
  const size_t t = std::min<size_t>(size_t(std::max(threads, 1)), grains);
  if (t <= 1) {
    fn(size_t(0), count);
    return;
  }
  const size_t per = (grains + t - 1) / t * grain;
  std::vector<std::exception_ptr> errs(t);
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (size_t w = 1; w < t; ++w) {
    const size_t b = std::min(count, w * per), e = std::min(count, b + per);
    if (b < e)
      pool.emplace_back([&fn, &errs, w, b, e] {
        try {
          fn(b, e);
        } catch (...) {
          errs[w] = std::current_exception();
        }
      });
  }
  try {
    fn(size_t(0), std::min(count, per));
  } catch (...) {
    errs[0] = std::current_exception();
  }
  for (auto &th : pool)
    th.join();
  for (auto &e : errs)
    if (e)
      std::rethrow_exception(e);
}

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_PARALLEL_FOR_H
