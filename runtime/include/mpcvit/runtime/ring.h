//===- ring.h - Tensors over Z_2^64 and the fixed-point codec ---*- C++ -*-===//
//
// Layer 2 of the runtime (DESIGN.md §5): ring tensors and the fixed-point
// codec. Every secret-shared value of the runtime is a RingTensor whose
// elements are uint64_t, i.e. elements of the ring Z_2^64 (ℓ = 64); addition
// and multiplication wrap modulo 2^64. A real number v is encoded with f
// fractional bits as round(v · 2^f) mod 2^64 (two's complement for v < 0).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_RING_H
#define MPCVIT_RUNTIME_RING_H

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpcvit::rt {

/// Ring bit width ℓ. The runtime is fixed to Z_2^64.
inline constexpr int kRingBits = 64;
/// Default number of fractional bits f of the fixed-point encoding.
inline constexpr int kDefaultFracBits = 16;

/// Shape of a tensor (row-major, static).
using Shape = std::vector<int64_t>;

/// Number of elements of `shape` (1 for a scalar / empty shape).
size_t numel(const Shape &shape);
/// "[2x3x4]" for diagnostics.
std::string shapeStr(const Shape &shape);

/// A dense row-major tensor of ring elements (uint64_t, arithmetic mod 2^64).
/// Used both for public ring values and for one party's additive share.
struct RingTensor {
  Shape shape;
  std::vector<uint64_t> data;

  RingTensor() = default;
  /// Zero tensor of the given shape.
  explicit RingTensor(Shape s) : shape(std::move(s)), data(numel(shape), 0) {}
  RingTensor(Shape s, std::vector<uint64_t> d);
  /// 1-D zero tensor of n elements.
  static RingTensor zeros(size_t n) { return RingTensor(Shape{int64_t(n)}); }

  size_t size() const { return data.size(); }
  uint64_t *ptr() { return data.data(); }
  const uint64_t *ptr() const { return data.data(); }
  uint64_t &operator[](size_t i) { return data[i]; }
  uint64_t operator[](size_t i) const { return data[i]; }
  /// Same data, new shape; throws std::invalid_argument if numel differs.
  RingTensor reshaped(Shape s) const;
};

/// Throws std::invalid_argument("<what>: expected equal shapes, got A vs B").
void checkSameShape(const RingTensor &a, const RingTensor &b, const char *what);

// Element-wise ring arithmetic (mod 2^64). Shapes must match (throws
// std::invalid_argument otherwise).
RingTensor operator+(const RingTensor &a, const RingTensor &b);
RingTensor operator-(const RingTensor &a, const RingTensor &b);
/// Hadamard product mod 2^64.
RingTensor operator*(const RingTensor &a, const RingTensor &b);
RingTensor operator-(const RingTensor &a);
RingTensor &operator+=(RingTensor &a, const RingTensor &b);
RingTensor &operator-=(RingTensor &a, const RingTensor &b);
/// Multiply every element by a ring scalar.
RingTensor scale(const RingTensor &a, uint64_t c);
/// Add a ring scalar to every element.
RingTensor addScalar(const RingTensor &a, uint64_t c);

/// Fixed-point codec with `fracBits` fractional bits over Z_2^64.
/// Representable range: |v| < 2^(63 - f); products of two encoded values
/// carry 2f fractional bits and must be truncated (see trunc.h).
struct FixedPoint {
  int fracBits = kDefaultFracBits;

  explicit FixedPoint(int f = kDefaultFracBits);
  /// round(v · 2^f) mod 2^64. Throws std::out_of_range if |v| ≥ 2^(62-f) or v
  /// is not finite.
  uint64_t encode(double v) const;
  /// Signed interpretation of x divided by 2^f.
  double decode(uint64_t x) const;
  RingTensor encode(const std::vector<double> &v, Shape shape) const;
  RingTensor encode(const std::vector<double> &v) const;
  std::vector<double> decode(const RingTensor &t) const;
  /// One unit in the last place, 2^-f.
  double ulp() const;
};

/// Encode v with `frac` fractional bits (same rules as FixedPoint::encode).
uint64_t encodeFixed(double v, int frac);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_RING_H
