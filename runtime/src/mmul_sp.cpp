//===- mmul_sp.cpp - Secret × server-private weights ----------------------===//
#include "mpcvit/runtime/mmul_sp.h"

#include "mpcvit/runtime/gemm.h"

namespace mpcvit::rt {

ServerWeight deploy_weight(Context &ctx, uint64_t id, const RingTensor &W) {
  if (W.shape.size() != 2)
    throw std::invalid_argument("deploy_weight: expected a 2-D weight [k x n]"
                                ", got shape " +
                                shapeStr(W.shape));
  ServerWeight w;
  w.id = id;
  w.k = size_t(W.shape[0]);
  w.n = size_t(W.shape[1]);
  const size_t kn = w.k * w.n;
  if (ctx.role() != Role::Client) {
    w.B = RingTensor(W.shape, ctx.weightPrg(id).next(kn));
  }
  if (ctx.role() == Role::Server) {
    w.W = W;
    RingTensor F = W - w.B;
    ctx.sendRing(F.data, "deploy_weight");
  } else if (ctx.role() == Role::Client) {
    w.F = RingTensor(W.shape, ctx.recvRing(kn, "deploy_weight"));
  }
  return w;
}
CommCost deploy_weight_cost(size_t k, size_t n) { return {k * n * 8, 0, 1, 0}; }

Shared mmul_sp(Context &ctx, const Shared &X, const ServerWeight &w, size_t m) {
  if (X.size() != m * w.k)
    throw std::invalid_argument("mmul_sp: expected X of " + std::to_string(m) +
                                "x" + std::to_string(w.k) + " = " +
                                std::to_string(m * w.k) +
                                " elements for weight " + std::to_string(w.id) +
                                ", got " + std::to_string(X.size()));
  const size_t mk = m * w.k, mn = m * w.n;
  const int th = ctx.gemmThreads();
  auto A = ctx.randPrivate(1, mk); // client + dealer
  std::vector<uint64_t> C;
  if (ctx.isDealer()) {
    C.resize(mn);
    gemm_u64(A.data(), w.B.ptr(), C.data(), m, w.k, w.n, false, th);
  }
  C = ctx.corrShared(mn, C, /*corrParty=*/0);
  Shared Z(Shape{int64_t(m), int64_t(w.n)});
  switch (ctx.role()) {
  case Role::Dealer:
    return Z;
  case Role::Client: {
    std::vector<uint64_t> E(mk);
    for (size_t i = 0; i < mk; ++i)
      E[i] = X[i] - A[i];
    ctx.sendRing(E, "mmul_sp");
    std::copy(C.begin(), C.end(), Z.ptr());
    gemm_u64(A.data(), w.F.ptr(), Z.ptr(), m, w.k, w.n, true, th);
    return Z;
  }
  case Role::Server: {
    auto E = ctx.recvRing(mk, "mmul_sp");
    for (size_t i = 0; i < mk; ++i)
      E[i] += X[i];
    std::copy(C.begin(), C.end(), Z.ptr());
    gemm_u64(E.data(), w.W.ptr(), Z.ptr(), m, w.k, w.n, true, th);
    return Z;
  }
  }
  return Z;
}
CommCost mmul_sp_cost(size_t m, size_t k, size_t n) {
  return {0, m * k * 8, 1, m * n * 8};
}

Shared add_server_private(Context &ctx, const Shared &x, const RingTensor &b) {
  if (ctx.party() != 0)
    return x;
  Shared r = x;
  if (b.size() == x.size()) {
    r += b.reshaped(x.shape);
    return r;
  }
  if (b.size() == 0 || x.size() % b.size() != 0)
    throw std::invalid_argument(
        "add_server_private: bias of " + std::to_string(b.size()) +
        " elements does not broadcast over " + shapeStr(x.shape));
  for (size_t i = 0; i < x.size(); ++i)
    r[i] += b[i % b.size()];
  return r;
}

} // namespace mpcvit::rt
