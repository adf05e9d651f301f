//===- ring.cpp - Tensors over Z_2^64 and the fixed-point codec -----------===//
#include "mpcvit/runtime/ring.h"

#include <cmath>

namespace mpcvit::rt {

size_t numel(const Shape &shape) {
  size_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw std::invalid_argument("shape: expected non-negative dims, got " +
                                  shapeStr(shape));
    n *= size_t(d);
  }
  return n;
}

std::string shapeStr(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

RingTensor::RingTensor(Shape s, std::vector<uint64_t> d)
    : shape(std::move(s)), data(std::move(d)) {
  if (numel(shape) != data.size())
    throw std::invalid_argument("RingTensor: shape " + shapeStr(shape) +
                                " expects " + std::to_string(numel(shape)) +
                                " elements, got " +
                                std::to_string(data.size()));
}

RingTensor RingTensor::reshaped(Shape s) const {
  return RingTensor(std::move(s), data);
}

void checkSameShape(const RingTensor &a, const RingTensor &b,
                    const char *what) {
  if (a.data.size() != b.data.size() || a.shape != b.shape)
    throw std::invalid_argument(std::string(what) +
                                ": expected equal shapes, got " +
                                shapeStr(a.shape) + " vs " + shapeStr(b.shape));
}

RingTensor operator+(const RingTensor &a, const RingTensor &b) {
  RingTensor r = a;
  r += b;
  return r;
}
RingTensor operator-(const RingTensor &a, const RingTensor &b) {
  RingTensor r = a;
  r -= b;
  return r;
}
RingTensor operator*(const RingTensor &a, const RingTensor &b) {
  checkSameShape(a, b, "ring mul");
  RingTensor r(a.shape);
  for (size_t i = 0; i < a.size(); ++i)
    r[i] = a[i] * b[i];
  return r;
}
RingTensor operator-(const RingTensor &a) {
  RingTensor r(a.shape);
  for (size_t i = 0; i < a.size(); ++i)
    r[i] = 0 - a[i];
  return r;
}
RingTensor &operator+=(RingTensor &a, const RingTensor &b) {
  checkSameShape(a, b, "ring add");
  for (size_t i = 0; i < a.size(); ++i)
    a[i] += b[i];
  return a;
}
RingTensor &operator-=(RingTensor &a, const RingTensor &b) {
  checkSameShape(a, b, "ring sub");
  for (size_t i = 0; i < a.size(); ++i)
    a[i] -= b[i];
  return a;
}
RingTensor scale(const RingTensor &a, uint64_t c) {
  RingTensor r(a.shape);
  for (size_t i = 0; i < a.size(); ++i)
    r[i] = a[i] * c;
  return r;
}
RingTensor addScalar(const RingTensor &a, uint64_t c) {
  RingTensor r(a.shape);
  for (size_t i = 0; i < a.size(); ++i)
    r[i] = a[i] + c;
  return r;
}

uint64_t encodeFixed(double v, int frac) {
  if (std::isnan(v) || std::isinf(v))
    throw std::out_of_range(std::string("fixed-point encode: got ") +
                            (std::isnan(v) ? "NaN" : "an infinity") +
                            ", not a finite number");
  double s = std::ldexp(v, frac);
  if (!std::isfinite(s) || std::fabs(s) >= std::ldexp(1.0, 62))
    throw std::out_of_range("fixed-point encode: expected |v| < 2^" +
                            std::to_string(62 - frac) + " with " +
                            std::to_string(frac) + " fractional bits, got " +
                            std::to_string(v));
  return uint64_t(int64_t(std::llround(s)));
}

FixedPoint::FixedPoint(int f) : fracBits(f) {
  if (f < 0 || f > 40)
    throw std::invalid_argument(
        "FixedPoint: expected 0 <= fractional bits <= 40, got " +
        std::to_string(f));
}
uint64_t FixedPoint::encode(double v) const { return encodeFixed(v, fracBits); }
double FixedPoint::decode(uint64_t x) const {
  return std::ldexp(double(int64_t(x)), -fracBits);
}
RingTensor FixedPoint::encode(const std::vector<double> &v, Shape shape) const {
  RingTensor r(std::move(shape));
  if (r.size() != v.size())
    throw std::invalid_argument("FixedPoint::encode: shape " +
                                shapeStr(r.shape) + " vs " +
                                std::to_string(v.size()) + " values");
  for (size_t i = 0; i < v.size(); ++i) {
    try {
      r[i] = encode(v[i]);
    } catch (const std::out_of_range &e) {
      throw std::out_of_range(std::string(e.what()) + " (element " +
                              std::to_string(i) + ")");
    }
  }
  return r;
}
RingTensor FixedPoint::encode(const std::vector<double> &v) const {
  return encode(v, Shape{int64_t(v.size())});
}
std::vector<double> FixedPoint::decode(const RingTensor &t) const {
  std::vector<double> r(t.size());
  for (size_t i = 0; i < t.size(); ++i)
    r[i] = decode(t[i]);
  return r;
}
double FixedPoint::ulp() const { return std::ldexp(1.0, -fracBits); }

} // namespace mpcvit::rt
