//===- MpcLayoutOps.cpp - verifiers of weights and data movement -*- C++
//-*-===//
//
// mpc.weight (server-private weights of the weights file), the local data
// movement ops (reshape, transpose, slice, gather, concat, im2col) and the
// fused MPCFormer normalisations (two_quad, two_relu). Data movement keeps
// the visibility and the fixed-point format: only the shape changes.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/ShapeFormat.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using mpcvit::shapeStr;
using namespace mpcvit::mpc;

namespace {

RingTensorType ty(Value v) { return llvm::cast<RingTensorType>(v.getType()); }

/// The result is the input type with `shape` (visibility and fractional
/// bits unchanged).
LogicalResult requireMoved(Operation *op, RingTensorType in, RingTensorType out,
                           ArrayRef<int64_t> shape) {
  if (out.getVisibility() != in.getVisibility() ||
      out.getFracBits() != in.getFracBits())
    return op->emitOpError("moves data only: result type ")
           << out << " must keep the visibility and fractional bits of " << in;
  if (out.getShape() != shape)
    return op->emitOpError("result shape ")
           << shapeStr(out.getShape()) << " does not match the expected "
           << shapeStr(shape);
  return success();
}

LogicalResult requireSharedLastAxis(Operation *op, Value in, int64_t axis) {
  RingTensorType t = ty(in);
  if (!t.isShared())
    return op->emitOpError("input must be shared, got ")
           << stringifyVisibility(t.getVisibility());
  if (t.getRank() < 1 || axis != t.getRank() - 1)
    return op->emitOpError("normalises the last axis only: axis must be ")
           << t.getRank() - 1 << ", got " << axis;
  return success();
}

} // namespace

LogicalResult WeightOp::verify() {
  RingTensorType r = ty(getResult());
  if (r.getVisibility() != Visibility::ServerPrivate)
    return emitOpError("weights are private<server>, got ")
           << stringifyVisibility(r.getVisibility());
  auto vt = llvm::dyn_cast<ShapedType>(getValue().getType());
  if (!vt || vt.getShape() != r.getShape())
    return emitOpError("value shape must equal the result shape ")
           << shapeStr(r.getShape());
  if (!llvm::isa<FloatType>(vt.getElementType()))
    return emitOpError("value must hold floats");
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  return success();
}

LogicalResult ReshapeOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element counts differ: ")
           << shapeStr(in.getShape()) << " vs " << shapeStr(out.getShape());
  return requireMoved(*this, in, out, out.getShape());
}

LogicalResult TransposeOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  ArrayRef<int64_t> perm = getPerm();
  if (int64_t(perm.size()) != in.getRank())
    return emitOpError("perm has ")
           << perm.size() << " entries, the input rank is " << in.getRank();
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm must be a permutation of [0, ")
             << in.getRank() << "), got " << shapeStr(perm);
    seen[p] = true;
    shape.push_back(in.getShape()[p]);
  }
  return requireMoved(*this, in, out, shape);
}

LogicalResult SliceOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  ArrayRef<int64_t> off = getOffsets(), sz = getSizes(), st = getStrides();
  int64_t rank = in.getRank();
  if (int64_t(off.size()) != rank || int64_t(sz.size()) != rank ||
      int64_t(st.size()) != rank)
    return emitOpError("offsets, sizes and strides need ")
           << rank << " entries each";
  for (int64_t i = 0; i < rank; ++i) {
    if (off[i] < 0 || sz[i] < 1 || st[i] < 1 ||
        off[i] + (sz[i] - 1) * st[i] >= in.getShape()[i])
      return emitOpError("axis ")
             << i << ": offset " << off[i] << ", size " << sz[i] << ", stride "
             << st[i] << " reads outside [0, " << in.getShape()[i] << ")";
  }
  return requireMoved(*this, in, out, sz);
}

LogicalResult GatherOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ")
           << axis << " out of range [0, " << in.getRank() << ")";
  if (getIndices().empty())
    return emitOpError("needs at least one index");
  for (int64_t i : getIndices())
    if (i < 0 || i >= in.getShape()[axis])
      return emitOpError("index ")
             << i << " out of range [0, " << in.getShape()[axis] << ")";
  SmallVector<int64_t> shape(in.getShape());
  shape[axis] = getIndices().size();
  return requireMoved(*this, in, out, shape);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one operand");
  RingTensorType first = ty(getInputs()[0]), out = ty(getResult());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOpError("axis ")
           << axis << " out of range [0, " << first.getRank() << ")";
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : getInputs()) {
    RingTensorType t = ty(v);
    if (!t.isShared() || t.getFracBits() != first.getFracBits() ||
        t.getRank() != first.getRank())
      return emitOpError("operands must be shared with equal rank and "
                         "fractional bits, got ")
             << t << " and " << first;
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis && t.getShape()[i] != first.getShape()[i])
        return emitOpError("operand shapes differ outside axis ")
               << axis << ": " << shapeStr(t.getShape()) << " vs "
               << shapeStr(first.getShape());
    shape[axis] += t.getShape()[axis];
  }
  return requireMoved(*this, first, out, shape);
}

LogicalResult Im2ColOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  ArrayRef<int64_t> k = getKernel(), s = getStrides(), p = getPads();
  if (in.getRank() != 4 || k.size() != 2 || s.size() != 2 || p.size() != 4)
    return emitOpError("expects an NCHW input, kernel [kh, kw], strides "
                       "[sh, sw] and pads [top, left, bottom, right]");
  if (k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 ||
      llvm::any_of(p, [](int64_t v) { return v < 0; }))
    return emitOpError("kernel and strides must be positive, pads >= 0");
  ArrayRef<int64_t> x = in.getShape();
  int64_t ho = (x[2] + p[0] + p[2] - k[0]), wo = (x[3] + p[1] + p[3] - k[1]);
  if (ho < 0 || wo < 0)
    return emitOpError("kernel larger than the padded image");
  ho = ho / s[0] + 1;
  wo = wo / s[1] + 1;
  return requireMoved(*this, in, out, {x[0], ho * wo, x[1] * k[0] * k[1]});
}

LogicalResult TwoQuadOp::verify() {
  return requireSharedLastAxis(*this, getInput(), getAxis());
}

LogicalResult TwoReluOp::verify() {
  return requireSharedLastAxis(*this, getInput(), getAxis());
}
