//===- layout.cpp - Local data movement and broadcasting ------------------===//
#include "mpcvit/runtime/layout.h"

#include <numeric>

namespace mpcvit::rt {

namespace {
[[noreturn]] void bad(const std::string &what, const std::string &msg) {
  throw std::invalid_argument(what + ": " + msg);
}
std::vector<int64_t> stridesOf(const Shape &s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i)
    st[i] = st[i + 1] * s[i + 1];
  return st;
}
} // namespace

RingTensor reshape(const RingTensor &x, const Shape &shape) {
  if (numel(shape) != x.size())
    bad("reshape",
        "cannot reshape " + shapeStr(x.shape) + " to " + shapeStr(shape));
  return RingTensor(shape, x.data);
}

RingTensor transpose(const RingTensor &x, const std::vector<int64_t> &perm) {
  const size_t r = x.shape.size();
  if (perm.size() != r)
    bad("transpose", "perm of " + std::to_string(perm.size()) + " axes for " +
                         shapeStr(x.shape));
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    if (perm[i] < 0 || size_t(perm[i]) >= r)
      bad("transpose", "bad perm for " + shapeStr(x.shape));
    out[i] = x.shape[perm[i]];
  }
  auto inSt = stridesOf(x.shape);
  RingTensor y(out);
  std::vector<int64_t> idx(r, 0);
  for (size_t n = 0; n < y.size(); ++n) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i)
      src += idx[i] * inSt[perm[i]];
    y[n] = x[size_t(src)];
    for (int64_t i = int64_t(r) - 1; i >= 0; --i) {
      if (++idx[i] < out[i])
        break;
      idx[i] = 0;
    }
  }
  return y;
}

RingTensor slice(const RingTensor &x, const std::vector<int64_t> &offsets,
                 const std::vector<int64_t> &sizes,
                 const std::vector<int64_t> &strides) {
  const size_t r = x.shape.size();
  if (offsets.size() != r || sizes.size() != r || strides.size() != r)
    bad("slice", "offsets/sizes/strides must have rank " + std::to_string(r));
  for (size_t i = 0; i < r; ++i)
    if (offsets[i] < 0 || sizes[i] < 1 || strides[i] < 1 ||
        offsets[i] + (sizes[i] - 1) * strides[i] >= x.shape[i])
      bad("slice", "axis " + std::to_string(i) + " out of range of " +
                       shapeStr(x.shape));
  auto inSt = stridesOf(x.shape);
  RingTensor y(Shape(sizes.begin(), sizes.end()));
  std::vector<int64_t> idx(r, 0);
  for (size_t n = 0; n < y.size(); ++n) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i)
      src += (offsets[i] + idx[i] * strides[i]) * inSt[i];
    y[n] = x[size_t(src)];
    for (int64_t i = int64_t(r) - 1; i >= 0; --i) {
      if (++idx[i] < sizes[i])
        break;
      idx[i] = 0;
    }
  }
  return y;
}

RingTensor gather(const RingTensor &x, int64_t axis,
                  const std::vector<int64_t> &indices) {
  if (axis < 0 || size_t(axis) >= x.shape.size())
    bad("gather", "axis " + std::to_string(axis) + " out of range of " +
                      shapeStr(x.shape));
  const int64_t d = x.shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.shape[i];
  for (size_t i = size_t(axis) + 1; i < x.shape.size(); ++i)
    inner *= x.shape[i];
  Shape out = x.shape;
  out[axis] = int64_t(indices.size());
  RingTensor y(out);
  size_t n = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t g : indices) {
      if (g < 0 || g >= d)
        bad("gather", "index " + std::to_string(g) + " out of range [0, " +
                          std::to_string(d) + ")");
      const uint64_t *src = x.ptr() + (o * d + g) * inner;
      std::copy(src, src + inner, y.ptr() + n);
      n += size_t(inner);
    }
  return y;
}

RingTensor concat(const std::vector<const RingTensor *> &xs, int64_t axis) {
  if (xs.empty())
    bad("concat", "no operands");
  const Shape &s0 = xs[0]->shape;
  if (axis < 0 || size_t(axis) >= s0.size())
    bad("concat", "axis out of range of " + shapeStr(s0));
  Shape out = s0;
  out[axis] = 0;
  for (const RingTensor *x : xs) {
    if (x->shape.size() != s0.size())
      bad("concat",
          "rank mismatch " + shapeStr(x->shape) + " vs " + shapeStr(s0));
    for (size_t i = 0; i < s0.size(); ++i)
      if (int64_t(i) != axis && x->shape[i] != s0[i])
        bad("concat",
            "shape mismatch " + shapeStr(x->shape) + " vs " + shapeStr(s0));
    out[axis] += x->shape[axis];
  }
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= s0[i];
  for (size_t i = size_t(axis) + 1; i < s0.size(); ++i)
    inner *= s0[i];
  RingTensor y(out);
  uint64_t *dst = y.ptr();
  for (int64_t o = 0; o < outer; ++o)
    for (const RingTensor *x : xs) {
      size_t len = size_t(x->shape[axis] * inner);
      const uint64_t *src = x->ptr() + o * int64_t(len);
      dst = std::copy(src, src + len, dst);
    }
  return y;
}

RingTensor im2col(const RingTensor &x, const std::vector<int64_t> &kernel,
                  const std::vector<int64_t> &strides,
                  const std::vector<int64_t> &pads) {
  if (x.shape.size() != 4 || kernel.size() != 2 || strides.size() != 2 ||
      pads.size() != 4)
    bad("im2col", "expected NCHW input, 2 kernel dims, 2 strides, 4 pads; "
                  "got input " +
                      shapeStr(x.shape));
  const int64_t B = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t kh = kernel[0], kw = kernel[1], sh = strides[0],
                sw = strides[1];
  const int64_t Ho = (H + pads[0] + pads[2] - kh) / sh + 1;
  const int64_t Wo = (W + pads[1] + pads[3] - kw) / sw + 1;
  if (Ho < 1 || Wo < 1)
    bad("im2col", "kernel larger than the padded image " + shapeStr(x.shape));
  RingTensor y(Shape{B, Ho * Wo, C * kh * kw});
  size_t n = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j, ++n) {
              int64_t yy = oy * sh - pads[0] + i, xx = ox * sw - pads[1] + j;
              y[n] = (yy < 0 || yy >= H || xx < 0 || xx >= W)
                         ? 0
                         : x[size_t(((b * C + c) * H + yy) * W + xx)];
            }
  return y;
}

Shape broadcastShape(const Shape &a, const Shape &b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      bad("broadcast",
          shapeStr(a) + " and " + shapeStr(b) + " do not broadcast");
    out[i] = std::max(da, db);
  }
  return out;
}

RingTensor broadcastTo(const RingTensor &x, const Shape &shape) {
  if (x.shape == shape)
    return x;
  if (broadcastShape(x.shape, shape) != shape)
    bad("broadcast",
        "cannot broadcast " + shapeStr(x.shape) + " to " + shapeStr(shape));
  const size_t r = shape.size(), off = r - x.shape.size();
  std::vector<int64_t> inSt(r, 0);
  auto st = stridesOf(x.shape);
  for (size_t i = 0; i < x.shape.size(); ++i)
    inSt[off + i] = x.shape[i] == 1 ? 0 : st[i];
  RingTensor y(shape);
  std::vector<int64_t> idx(r, 0);
  for (size_t n = 0; n < y.size(); ++n) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i)
      src += idx[i] * inSt[i];
    y[n] = x[size_t(src)];
    for (int64_t i = int64_t(r) - 1; i >= 0; --i) {
      if (++idx[i] < shape[i])
        break;
      idx[i] = 0;
    }
  }
  return y;
}

} // namespace mpcvit::rt
