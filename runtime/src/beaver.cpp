//===- beaver.cpp - Beaver-triple products --------------------------------===//
#include "mpcvit/runtime/beaver.h"

#include "mpcvit/runtime/gemm.h"

#include "dealer_terms.h"

#include <stdexcept>
#include <string>

namespace mpcvit::rt {

using detail::scaledShares;

Shared mul_ss(Context &ctx, const Shared &x, const Shared &y) {
  auto [xm, ym] = open_masked_pair(ctx, x, y, "mul_ss");
  return mul_ss(ctx, xm, ym);
}
CommCost mul_ss_cost(size_t n) {
  return open_masked_pair_cost(n) + mul_ss_masked_cost(n);
}

MaskedShare open_masked(Context &ctx, const Shared &x, const char *what) {
  const size_t n = x.size();
  MaskedShare m{x, ctx.randShared(n), std::vector<uint64_t>(n), false, {}};
  for (size_t i = 0; i < n; ++i)
    m.e[i] = x[i] - m.mask[i];
  auto peer = ctx.exchangeRing(m.e, what);
  for (size_t i = 0; i < n; ++i)
    m.e[i] += peer[i];
  return m;
}
CommCost open_masked_cost(size_t n) { return CommCost::sym(8 * n, 1, 0); }

Shared square(Context &ctx, const MaskedShare &x) {
  return mul_ss(ctx, x, x); // (e + a)² = e² + 2ea + a², dealer a²
}
CommCost square_masked_cost(size_t n) { return mul_ss_masked_cost(n); }

Shared square(Context &ctx, const Shared &x) {
  return square(ctx, open_masked(ctx, x, "square"));
}
CommCost square_cost(size_t n) {
  return open_masked_cost(n) + square_masked_cost(n);
}

namespace {
void checkRows(size_t xn, size_t yn, size_t rows, size_t cols) {
  if (xn != rows * cols || yn != rows)
    throw std::invalid_argument(
        "mul_ss_rows: expected x of " + std::to_string(rows) + "x" +
        std::to_string(cols) + " and y of " + std::to_string(rows) +
        " elements, got " + std::to_string(xn) + " and " + std::to_string(yn));
}

// The broadcast triple's C = A ⊙ bcast(b) (dealer: full, party: its share),
// then z = C + e·b + f·A + e·f (party 0) from the public e = x − A and
// f = y − b.
Shared rowsProduct(Context &ctx, const Shape &shape,
                   const std::vector<uint64_t> &A, const uint64_t *e,
                   const std::vector<uint64_t> &b, const uint64_t *f,
                   size_t rows, size_t cols) {
  const size_t n = rows * cols;
  std::vector<uint64_t> C;
  if (ctx.isDealer()) {
    C.resize(n);
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j)
        C[i * cols + j] = A[i * cols + j] * b[i];
  }
  C = ctx.corrShared(n, C);
  Shared z(shape);
  const bool p0 = ctx.party() == 0;
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      const size_t t = i * cols + j;
      z[t] = C[t] + e[t] * b[i] + f[i] * A[t] + (p0 ? e[t] * f[i] : 0);
    }
  return z;
}
// Dealer, when x or y is signed (beaver.h): S = σ_x ⊙ σ_y (1 for an
// unsigned factor). Empty on the parties and for unsigned products.
std::vector<uint64_t> productSign(Context &ctx, size_t n, const MaskedShare &x,
                                  const MaskedShare &y) {
  std::vector<uint64_t> S;
  if (!ctx.isDealer() || !(x.isSigned || y.isSigned))
    return S;
  S.assign(n, 1);
  for (const MaskedShare *m : {&x, &y})
    if (m->isSigned) {
      if (m->sign.size() != n)
        throw std::logic_error("signed product: the dealer holds " +
                               std::to_string(m->sign.size()) + " signs for " +
                               std::to_string(n) + " elements");
      for (size_t i = 0; i < n; ++i)
        S[i] *= m->sign[i];
    }
  return S;
}

} // namespace

Shared mul_ss_rows(Context &ctx, const MaskedShare &x, const Shared &y,
                   size_t rows, size_t cols) {
  if (x.isSigned)
    throw std::invalid_argument("mul_ss_rows: a signed x (MaskedShare::"
                                "isSigned) needs the three-factor form");
  checkRows(x.x.size(), y.size(), rows, cols);
  auto b = ctx.randShared(rows);
  std::vector<uint64_t> f(rows);
  for (size_t i = 0; i < rows; ++i)
    f[i] = y[i] - b[i];
  auto peer = ctx.exchangeRing(f, "mul_ss_rows");
  for (size_t i = 0; i < rows; ++i)
    f[i] += peer[i];
  return rowsProduct(ctx, x.x.shape, x.mask, x.e.data(), b, f.data(), rows,
                     cols);
}
CommCost mul_ss_rows_masked_cost(size_t rows, size_t cols) {
  return CommCost::sym(rows * 8, 1, rows * cols * 8);
}

Shared mul_ss_rows(Context &ctx, const Shared &x, const Shared &y, size_t rows,
                   size_t cols) {
  checkRows(x.size(), y.size(), rows, cols);
  const size_t n = rows * cols;
  auto A = ctx.randShared(n), b = ctx.randShared(rows);
  std::vector<uint64_t> ef(n + rows);
  for (size_t i = 0; i < n; ++i)
    ef[i] = x[i] - A[i];
  for (size_t i = 0; i < rows; ++i)
    ef[n + i] = y[i] - b[i];
  auto peer = ctx.exchangeRing(ef, "mul_ss_rows");
  for (size_t i = 0; i < n + rows; ++i)
    ef[i] += peer[i];
  return rowsProduct(ctx, x.shape, A, ef.data(), b, ef.data() + n, rows, cols);
}
CommCost mul_ss_rows_cost(size_t rows, size_t cols) {
  return CommCost::sym((rows * cols + rows) * 8, 1, rows * cols * 8);
}

Shared mul_ss(Context &ctx, const MaskedShare &x, const MaskedShare &y) {
  checkSameShape(x.x, y.x, "mul_ss");
  const size_t n = x.x.size();
  const auto &a = x.mask, &b = y.mask;
  // z = S·(e + a)(f + b) = [S·a·b] + e·[S·b] + f·[S·a] + e·f·[S]. Unsigned
  // (S = 1): [b], [a] are the masks' own shares and [1] is party 0's 1.
  const bool sgn = x.isSigned || y.isSigned;
  const auto S = productSign(ctx, n, x, y);
  auto c = scaledShares(ctx, n, S, [&](size_t i) { return a[i] * b[i]; });
  std::vector<uint64_t> s1, sa, sb;
  if (sgn) {
    s1 = scaledShares(ctx, n, S, [](size_t) { return uint64_t(1); });
    sa = scaledShares(ctx, n, S, [&](size_t i) { return a[i]; });
    sb = scaledShares(ctx, n, S, [&](size_t i) { return b[i]; });
  }
  const uint64_t *pa = sgn ? sa.data() : a.data();
  const uint64_t *pb = sgn ? sb.data() : b.data();
  const uint64_t one = ctx.party() == 0 ? 1 : 0;
  Shared z(x.x.shape);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t e = x.e[i], f = y.e[i];
    z[i] = c[i] + e * pb[i] + f * pa[i] + e * f * (sgn ? s1[i] : one);
  }
  return z;
}
CommCost mul_ss_masked_cost(size_t n, bool isSigned) {
  return CommCost::sym(0, 0, (isSigned ? 32 : 8) * n);
}

std::pair<MaskedShare, MaskedShare> open_masked_pair(Context &ctx,
                                                     const Shared &x,
                                                     const Shared &y,
                                                     const char *what) {
  checkSameShape(x, y, "open_masked_pair");
  const size_t n = x.size();
  MaskedShare mx{x, ctx.randShared(n), {}, false, {}},
      my{y, ctx.randShared(n), {}, false, {}};
  std::vector<uint64_t> ef(2 * n);
  for (size_t i = 0; i < n; ++i) {
    ef[i] = x[i] - mx.mask[i];
    ef[n + i] = y[i] - my.mask[i];
  }
  auto peer = ctx.exchangeRing(ef, what);
  mx.e.resize(n);
  my.e.resize(n);
  for (size_t i = 0; i < n; ++i) {
    mx.e[i] = ef[i] + peer[i];
    my.e[i] = ef[n + i] + peer[n + i];
  }
  return {std::move(mx), std::move(my)};
}
CommCost open_masked_pair_cost(size_t n) { return CommCost::sym(16 * n, 1, 0); }

Shared mul_ss_rows(Context &ctx, const MaskedShare &x, const MaskedShare &y,
                   const Shared &z, size_t rows, size_t cols, bool zSigned,
                   const std::vector<uint64_t> &zSign) {
  checkRows(x.x.size(), z.size(), rows, cols);
  checkSameShape(x.x, y.x, "mul_ss_rows");
  const size_t n = rows * cols;
  const auto &A = x.mask, &B = y.mask;
  auto c = ctx.randShared(rows);
  auto row = [cols](size_t t) { return t / cols; };
  // Dealer: S⊙A⊙B, S⊙A⊙c, S⊙B⊙c, S⊙A⊙B⊙c (c broadcast along each row; S = 1
  // unless a factor is signed), one correction each; signed factors also
  // S, S⊙A, S⊙B, S⊙c, which are otherwise party 0's 1 and the masks' own
  // shares.
  const bool sgn = x.isSigned || y.isSigned || zSigned;
  auto S = productSign(ctx, n, x, y);
  if (zSigned && ctx.isDealer()) {
    if (zSign.size() != rows)
      throw std::logic_error("signed product: the dealer holds " +
                             std::to_string(zSign.size()) + " signs for " +
                             std::to_string(rows) + " rows");
    if (S.empty())
      S.assign(n, 1);
    for (size_t t = 0; t < n; ++t)
      S[t] *= zSign[row(t)];
  }
  auto ab = scaledShares(ctx, n, S, [&](size_t t) { return A[t] * B[t]; });
  auto ac = scaledShares(ctx, n, S, [&](size_t t) { return A[t] * c[row(t)]; });
  auto bc = scaledShares(ctx, n, S, [&](size_t t) { return B[t] * c[row(t)]; });
  auto abc = scaledShares(ctx, n, S,
                          [&](size_t t) { return A[t] * B[t] * c[row(t)]; });
  std::vector<uint64_t> s1, sA, sB, sc;
  if (sgn) {
    s1 = scaledShares(ctx, n, S, [](size_t) { return uint64_t(1); });
    sA = scaledShares(ctx, n, S, [&](size_t t) { return A[t]; });
    sB = scaledShares(ctx, n, S, [&](size_t t) { return B[t]; });
    sc = scaledShares(ctx, n, S, [&](size_t t) { return c[row(t)]; });
  }
  const uint64_t *pA = sgn ? sA.data() : A.data();
  const uint64_t *pB = sgn ? sB.data() : B.data();
  const uint64_t one = ctx.party() == 0 ? 1 : 0;
  std::vector<uint64_t> f(rows);
  for (size_t i = 0; i < rows; ++i)
    f[i] = z[i] - c[i];
  auto peer = ctx.exchangeRing(f, "mul_ss_rows3");
  Shared out(x.x.shape);
  for (size_t i = 0; i < rows; ++i) {
    const uint64_t fi = f[i] + peer[i];
    for (size_t j = 0; j < cols; ++j) {
      const size_t t = i * cols + j;
      const uint64_t ex = x.e[t], ey = y.e[t];
      // S·(ex + A)(ey + B)(fi + c) expanded.
      out[t] = abc[t] + ex * bc[t] + ey * ac[t] + fi * ab[t] +
               ex * ey * (sgn ? sc[t] : c[i]) + ex * fi * pB[t] +
               ey * fi * pA[t] + ex * ey * fi * (sgn ? s1[t] : one);
    }
  }
  return out;
}
CommCost mul_ss_rows3_cost(size_t rows, size_t cols, bool isSigned) {
  return CommCost::sym(rows * 8, 1, (isSigned ? 8 : 4) * rows * cols * 8);
}

Shared mmul_ss(Context &ctx, const Shared &X, const Shared &Y, size_t m,
               size_t k, size_t n, size_t batch) {
  if (X.size() != batch * m * k || Y.size() != batch * k * n)
    throw std::invalid_argument(
        "mmul_ss: expected X of " + std::to_string(batch * m * k) +
        " and Y of " + std::to_string(batch * k * n) +
        " elements (b=" + std::to_string(batch) + ", m=" + std::to_string(m) +
        ", k=" + std::to_string(k) + ", n=" + std::to_string(n) + "), got " +
        std::to_string(X.size()) + " and " + std::to_string(Y.size()));
  const size_t sa = m * k, sb = k * n, sc = m * n;
  const int th = ctx.gemmThreads();
  auto A = ctx.randShared(batch * sa), B = ctx.randShared(batch * sb);
  std::vector<uint64_t> C;
  if (ctx.isDealer()) {
    C.resize(batch * sc);
    for (size_t t = 0; t < batch; ++t)
      gemm_u64(A.data() + t * sa, B.data() + t * sb, C.data() + t * sc, m, k, n,
               false, th);
  }
  C = ctx.corrShared(batch * sc, C);
  std::vector<uint64_t> ef(batch * (sa + sb));
  for (size_t i = 0; i < batch * sa; ++i)
    ef[i] = X[i] - A[i];
  for (size_t i = 0; i < batch * sb; ++i)
    ef[batch * sa + i] = Y[i] - B[i];
  auto peer = ctx.exchangeRing(ef, "mmul_ss");
  Shared Z(Shape{int64_t(batch), int64_t(m), int64_t(n)});
  if (batch == 1)
    Z.shape = Shape{int64_t(m), int64_t(n)};
  if (ctx.isDealer())
    return Z;
  for (size_t i = 0; i < ef.size(); ++i)
    ef[i] += peer[i]; // E | F public now
  const bool p0 = ctx.party() == 0;
  std::vector<uint64_t> FB(sb);
  for (size_t t = 0; t < batch; ++t) {
    const uint64_t *E = ef.data() + t * sa;
    const uint64_t *F = ef.data() + batch * sa + t * sb;
    const uint64_t *Bt = B.data() + t * sb;
    // Z_i = E·(B_i + [i=0]F) + A_i·F + C_i
    for (size_t i = 0; i < sb; ++i)
      FB[i] = Bt[i] + (p0 ? F[i] : 0);
    uint64_t *Zt = Z.ptr() + t * sc;
    std::copy(C.begin() + t * sc, C.begin() + (t + 1) * sc, Zt);
    gemm_u64(E, FB.data(), Zt, m, k, n, true, th);
    gemm_u64(A.data() + t * sa, F, Zt, m, k, n, true, th);
  }
  return Z;
}
CommCost mmul_ss_cost(size_t m, size_t k, size_t n, size_t batch) {
  return CommCost::sym(batch * (m * k + k * n) * 8, 1, batch * m * n * 8);
}

} // namespace mpcvit::rt
