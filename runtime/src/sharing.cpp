//===- sharing.cpp - Input sharing, output reveal, local linear ops -------===//
#include "mpcvit/runtime/sharing.h"

namespace mpcvit::rt {

Shared share(Context &ctx, int owner, const RingTensor &x) {
  if (owner != 0 && owner != 1)
    throw std::invalid_argument("share: expected owner 0 (server) or 1 "
                                "(client), got " +
                                std::to_string(owner));
  if (ctx.isDealer())
    return RingTensor(x.shape);
  auto r = ctx.przs(x.size());
  RingTensor s(x.shape);
  if (ctx.party() == owner)
    for (size_t i = 0; i < s.size(); ++i)
      s[i] = x[i] - r[i];
  else
    s.data = std::move(r);
  return s;
}
CommCost share_cost(size_t) { return {}; }

RingTensor reveal_to_client(Context &ctx, const Shared &x) {
  if (ctx.isDealer())
    return RingTensor(x.shape);
  if (ctx.party() == 0) {
    ctx.sendRing(x.data, "reveal");
    return RingTensor(x.shape);
  }
  auto other = ctx.recvRing(x.size(), "reveal");
  RingTensor r(x.shape);
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = x[i] + other[i];
  return r;
}
CommCost reveal_cost(size_t n) { return {n * 8, 0, 1, 0}; }

CommCost local_cost() { return {}; }
Shared add(const Shared &x, const Shared &y) { return x + y; }
Shared sub(const Shared &x, const Shared &y) { return x - y; }
Shared add_public(Context &ctx, const Shared &x, const RingTensor &c) {
  checkSameShape(x, c, "add_public");
  return ctx.party() == 0 ? x + c : x;
}
Shared add_public(Context &ctx, const Shared &x, uint64_t c) {
  return ctx.party() == 0 ? addScalar(x, c) : x;
}
Shared mul_public(const Shared &x, const RingTensor &c) { return x * c; }
Shared mul_public(const Shared &x, uint64_t c) { return scale(x, c); }

Shared row_sum(const Shared &x, size_t rows, size_t cols) {
  if (x.size() != rows * cols)
    throw std::invalid_argument("row_sum: expected " + std::to_string(rows) +
                                "x" + std::to_string(cols) + " elements, got " +
                                std::to_string(x.size()));
  RingTensor r(Shape{int64_t(rows)});
  for (size_t i = 0; i < rows; ++i) {
    uint64_t s = 0;
    for (size_t j = 0; j < cols; ++j)
      s += x[i * cols + j];
    r[i] = s;
  }
  return r;
}
Shared bcast_rows(const Shared &v, size_t rows, size_t cols) {
  if (v.size() != rows)
    throw std::invalid_argument("bcast_rows: expected " + std::to_string(rows) +
                                " elements, got " + std::to_string(v.size()));
  RingTensor r(Shape{int64_t(rows), int64_t(cols)});
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j)
      r[i * cols + j] = v[i];
  return r;
}

} // namespace mpcvit::rt
