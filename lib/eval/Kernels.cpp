//===- Kernels.cpp - plaintext kernels of the vit ops -----------*- C++ -*-===//
//
// Reference implementations: clarity over speed, double accumulation.
// Linear, matmul and convolution use i-k-j loop order so that ViT-sized
// models evaluate in seconds.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/eval/Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mpcvit::eval {

bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     std::vector<int64_t> &out) {
  size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

/// Strides of `shape` seen through a broadcast to rank `r` (0 on broadcast
/// axes).
static std::vector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> shape,
                                             llvm::ArrayRef<int64_t> out) {
  std::vector<int64_t> s = Tensor::stridesOf(shape);
  std::vector<int64_t> r(out.size(), 0);
  size_t off = out.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    r[off + i] = shape[i] == 1 ? 0 : s[i];
  return r;
}

Tensor broadcastBinary(const Tensor &a, const Tensor &b,
                       llvm::function_ref<double(double, double)> f) {
  std::vector<int64_t> shape;
  broadcastShapes(a.shape, b.shape, shape);
  Tensor out(shape);
  if (a.shape == b.shape) {
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = f(a.data[i], b.data[i]);
    return out;
  }
  std::vector<int64_t> sa = broadcastStrides(a.shape, shape),
                       sb = broadcastStrides(b.shape, shape);
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0, n = out.numElements(); i < n; ++i) {
    out.data[i] = f(a.data[ia], b.data[ib]);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      ia += sa[d];
      ib += sb[d];
      if (++idx[d] < shape[d])
        break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

Tensor unary(const Tensor &x, llvm::function_ref<double(double)> f) {
  Tensor out(x.shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    out.data[i] = f(x.data[i]);
  return out;
}

Tensor linear(const Tensor &x, const Tensor &w, const Tensor *b) {
  int64_t n = w.shape[0], k = w.shape[1];
  int64_t rows = x.numElements() / k;
  std::vector<int64_t> shape = x.shape;
  shape.back() = n;
  Tensor out(shape);
  for (int64_t r = 0; r < rows; ++r) {
    const double *xr = &x.data[r * k];
    double *o = &out.data[r * n];
    for (int64_t j = 0; j < n; ++j) {
      const double *wj = &w.data[j * k];
      double acc = b ? b->data[j] : 0.0;
      for (int64_t t = 0; t < k; ++t)
        acc += xr[t] * wj[t];
      o[j] = acc;
    }
  }
  return out;
}

Tensor matmul(const Tensor &a, const Tensor &b) {
  int64_t m = a.shape[a.rank() - 2], k = a.shape.back(), n = b.shape.back();
  llvm::ArrayRef<int64_t> ba(a.shape.data(), a.shape.size() - 2),
      bb(b.shape.data(), b.shape.size() - 2);
  std::vector<int64_t> batch;
  broadcastShapes(ba, bb, batch);
  std::vector<int64_t> shape = batch;
  shape.push_back(m);
  shape.push_back(n);
  Tensor out(shape);
  std::vector<int64_t> sa = broadcastStrides(ba, batch),
                       sb = broadcastStrides(bb, batch);
  int64_t nb = Tensor::numElementsOf(batch);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t i = 0; i < nb; ++i) {
    int64_t oa = 0, ob = 0, rem = i;
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      int64_t c = rem % batch[d];
      rem /= batch[d];
      oa += c * sa[d];
      ob += c * sb[d];
    }
    const double *pa = &a.data[oa * m * k];
    const double *pb = &b.data[ob * k * n];
    double *po = &out.data[i * m * n];
    for (int64_t r = 0; r < m; ++r)
      for (int64_t t = 0; t < k; ++t) {
        double av = pa[r * k + t];
        const double *brow = pb + t * n;
        double *orow = po + r * n;
        for (int64_t c = 0; c < n; ++c)
          orow[c] += av * brow[c];
      }
  }
  return out;
}

Tensor convPatch(const Tensor &x, const Tensor &w, const Tensor *b,
                 llvm::ArrayRef<int64_t> strides,
                 llvm::ArrayRef<int64_t> pads) {
  int64_t B = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t D = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  int64_t Ho = (H + pads[0] + pads[2] - kh) / strides[0] + 1;
  int64_t Wo = (W + pads[1] + pads[3] - kw) / strides[1] + 1;
  Tensor out({B, D, Ho, Wo});
  for (int64_t n = 0; n < B; ++n)
    for (int64_t d = 0; d < D; ++d)
      for (int64_t oy = 0; oy < Ho; ++oy)
        for (int64_t ox = 0; ox < Wo; ++ox) {
          double acc = b ? b->data[d] : 0.0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t ky = 0; ky < kh; ++ky) {
              int64_t iy = oy * strides[0] - pads[0] + ky;
              if (iy < 0 || iy >= H)
                continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t ix = ox * strides[1] - pads[1] + kx;
                if (ix < 0 || ix >= W)
                  continue;
                acc += x.data[((n * C + c) * H + iy) * W + ix] *
                       w.data[((d * C + c) * kh + ky) * kw + kx];
              }
            }
          out.data[((n * D + d) * Ho + oy) * Wo + ox] = acc;
        }
  return out;
}

/// Calls f(base, stride, len) for every 1-D line of `shape` along `axis`.
template <typename F>
static void forEachLine(llvm::ArrayRef<int64_t> shape, int64_t axis, F f) {
  int64_t len = shape[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  int64_t outer =
      Tensor::numElementsOf(shape) / std::max<int64_t>(len * inner, 1);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      f(o * len * inner + i, inner, len);
}

Tensor softmax(const Tensor &x, int64_t axis) {
  Tensor out(x.shape);
  forEachLine(x.shape, axis, [&](int64_t base, int64_t stride, int64_t len) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < len; ++j)
      mx = std::max(mx, x.data[base + j * stride]);
    double sum = 0;
    for (int64_t j = 0; j < len; ++j) {
      double e = std::exp(x.data[base + j * stride] - mx);
      out.data[base + j * stride] = e;
      sum += e;
    }
    for (int64_t j = 0; j < len; ++j)
      out.data[base + j * stride] /= sum;
  });
  return out;
}

Tensor attentionNorm(const Tensor &x, llvm::ArrayRef<HeadKind> kinds,
                     int64_t headAxis, double epsilon) {
  Tensor out(x.shape);
  int64_t len = x.shape.back();
  int64_t headStride = Tensor::stridesOf(x.shape)[headAxis];
  int64_t heads = x.shape[headAxis];
  for (int64_t base = 0; base < x.numElements(); base += len) {
    HeadKind kind = kinds[(base / headStride) % heads];
    const double *a = &x.data[base];
    double *o = &out.data[base];
    switch (kind) {
    case HeadKind::Softmax: {
      double mx = *std::max_element(a, a + len), sum = 0;
      for (int64_t j = 0; j < len; ++j)
        sum += (o[j] = std::exp(a[j] - mx));
      for (int64_t j = 0; j < len; ++j)
        o[j] /= sum;
      break;
    }
    case HeadKind::ReluSoftmax:
    case HeadKind::TwoRelu: {
      double sum = 0;
      for (int64_t j = 0; j < len; ++j)
        sum += (o[j] = std::max(a[j], 0.0));
      double den = kind == HeadKind::ReluSoftmax ? sum + epsilon : sum;
      for (int64_t j = 0; j < len; ++j)
        o[j] = den == 0.0 ? 0.0 : o[j] / den;
      break;
    }
    case HeadKind::Scale:
      for (int64_t j = 0; j < len; ++j)
        o[j] = a[j] / static_cast<double>(len);
      break;
    case HeadKind::TwoQuad: {
      double sum = 0;
      for (int64_t j = 0; j < len; ++j)
        sum += (o[j] = (a[j] + 5.0) * (a[j] + 5.0));
      for (int64_t j = 0; j < len; ++j)
        o[j] = sum == 0.0 ? 0.0 : o[j] / sum;
      break;
    }
    }
  }
  return out;
}

Tensor layerNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 double epsilon) {
  Tensor out(x.shape);
  int64_t d = x.shape.back();
  for (int64_t base = 0; base < x.numElements(); base += d) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < d; ++j)
      mean += x.data[base + j];
    mean /= d;
    for (int64_t j = 0; j < d; ++j)
      var += (x.data[base + j] - mean) * (x.data[base + j] - mean);
    var /= d;
    double inv = 1.0 / std::sqrt(var + epsilon);
    for (int64_t j = 0; j < d; ++j)
      out.data[base + j] =
          (x.data[base + j] - mean) * inv * gamma.data[j] + beta.data[j];
  }
  return out;
}

Tensor transpose(const Tensor &x, llvm::ArrayRef<int64_t> perm) {
  std::vector<int64_t> shape(perm.size());
  std::vector<int64_t> in = Tensor::stridesOf(x.shape);
  std::vector<int64_t> st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    shape[i] = x.shape[perm[i]];
    st[i] = in[perm[i]];
  }
  Tensor out(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t src = 0;
  for (int64_t i = 0, n = out.numElements(); i < n; ++i) {
    out.data[i] = x.data[src];
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      src += st[d];
      if (++idx[d] < shape[d])
        break;
      src -= st[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

Tensor concat(llvm::ArrayRef<const Tensor *> xs, int64_t axis) {
  std::vector<int64_t> shape = xs.front()->shape;
  shape[axis] = 0;
  for (const Tensor *t : xs)
    shape[axis] += t->shape[axis];
  Tensor out(shape);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  int64_t pos = 0;
  int64_t outRow = Tensor::numElementsOf(shape) / std::max<int64_t>(outer, 1);
  for (int64_t o = 0; o < outer; ++o) {
    pos = o * outRow;
    for (const Tensor *t : xs) {
      int64_t row = t->numElements() / std::max<int64_t>(outer, 1);
      std::copy_n(t->data.begin() + o * row, row, out.data.begin() + pos);
      pos += row;
    }
  }
  return out;
}

Tensor slice(const Tensor &x, llvm::ArrayRef<int64_t> offsets,
             llvm::ArrayRef<int64_t> sizes, llvm::ArrayRef<int64_t> strides) {
  Tensor out(sizes);
  std::vector<int64_t> in = Tensor::stridesOf(x.shape);
  std::vector<int64_t> idx(sizes.size(), 0);
  int64_t base = 0;
  for (size_t d = 0; d < sizes.size(); ++d)
    base += offsets[d] * in[d];
  int64_t src = base;
  for (int64_t i = 0, n = out.numElements(); i < n; ++i) {
    out.data[i] = x.data[src];
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      src += strides[d] * in[d];
      if (++idx[d] < sizes[d])
        break;
      src -= strides[d] * in[d] * sizes[d];
      idx[d] = 0;
    }
  }
  return out;
}

Tensor gather(const Tensor &x, int64_t axis, llvm::ArrayRef<int64_t> indices) {
  std::vector<int64_t> shape = x.shape;
  shape[axis] = static_cast<int64_t>(indices.size());
  Tensor out(shape);
  int64_t inner = 1, outer = 1;
  for (size_t d = axis + 1; d < x.shape.size(); ++d)
    inner *= x.shape[d];
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape[d];
  int64_t len = x.shape[axis], n = shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      std::copy_n(x.data.begin() + (o * len + indices[j]) * inner, inner,
                  out.data.begin() + (o * n + j) * inner);
  return out;
}

Tensor reduce(const Tensor &x, llvm::ArrayRef<int64_t> axes, bool keepdims,
              ReduceKind kind) {
  std::vector<bool> red(x.shape.size(), false);
  for (int64_t a : axes)
    red[a] = true;
  std::vector<int64_t> kept; // keepdims shape
  for (size_t d = 0; d < x.shape.size(); ++d)
    kept.push_back(red[d] ? 1 : x.shape[d]);
  Tensor out(kept, kind == ReduceKind::Max
                       ? -std::numeric_limits<double>::infinity()
                       : 0.0);
  std::vector<int64_t> os = Tensor::stridesOf(kept);
  std::vector<int64_t> idx(x.shape.size(), 0);
  for (int64_t i = 0, n = x.numElements(); i < n; ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      o += red[d] ? 0 : idx[d] * os[d];
    if (kind == ReduceKind::Max)
      out.data[o] = std::max(out.data[o], x.data[i]);
    else
      out.data[o] += x.data[i];
    for (int64_t d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < x.shape[d])
        break;
      idx[d] = 0;
    }
  }
  if (kind == ReduceKind::Mean) {
    double count = static_cast<double>(x.numElements()) /
                   std::max<int64_t>(out.numElements(), 1);
    for (double &v : out.data)
      v /= count;
  }
  if (!keepdims) {
    std::vector<int64_t> shape;
    for (size_t d = 0; d < x.shape.size(); ++d)
      if (!red[d])
        shape.push_back(x.shape[d]);
    out.shape = shape;
  }
  return out;
}

double geluErf(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

double geluTanh(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

} // namespace mpcvit::eval
