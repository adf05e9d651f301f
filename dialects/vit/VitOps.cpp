//===- VitOps.cpp - verifiers of the plaintext ViT ops ----------*- C++ -*-===//
//
// Shape and attribute verification for the `vit` dialect. Messages name the
// operand and print shapes as [d0, d1, ...] so a user can find the mismatch.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/vit/VitOps.h"
#include "mpcvit/dialects/ShapeFormat.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using mpcvit::shapeStr;
using namespace mpcvit::vit;

namespace {

RankedTensorType tensorTy(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

/// Checks that all `values` share the element type of the first one.
LogicalResult verifySameElementType(Operation *op, ValueRange values) {
  Type elt = tensorTy(values.front()).getElementType();
  for (Value v : values.drop_front())
    if (tensorTy(v).getElementType() != elt)
      return op->emitOpError("element types differ: ")
             << elt << " vs " << tensorTy(v).getElementType();
  return success();
}

/// Checks that the result is `expected` shape, naming both shapes otherwise.
LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> got = tensorTy(op->getResult(0)).getShape();
  if (got != expected)
    return op->emitOpError("result shape ")
           << shapeStr(got) << " does not match the expected "
           << shapeStr(expected);
  return success();
}

/// Normalises an ONNX-style axis (negative counts from the end).
FailureOr<int64_t> normaliseAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

} // namespace

// Custom directive used by vit.attention_norm's assembly format.
static ParseResult parseHeadKinds(OpAsmParser &parser,
                                  HeadKindsAttr &kindsAttr) {
  SmallVector<HeadKind> kinds;
  SMLoc loc = parser.getCurrentLocation();
  if (mpcvit::vit::parseHeadKindList(parser, kinds))
    return failure();
  kindsAttr =
      HeadKindsAttr::getChecked([&] { return parser.emitError(loc); },
                                parser.getContext(), ArrayRef<HeadKind>(kinds));
  return success(static_cast<bool>(kindsAttr));
}

static void printHeadKinds(OpAsmPrinter &printer, Operation *,
                           HeadKindsAttr kindsAttr) {
  mpcvit::vit::printHeadKindList(printer, kindsAttr.getKinds());
}

// Custom directive of vit.gelu: the kind as a bare keyword (`erf`, `tanh`).
static ParseResult parseGeluKind(OpAsmParser &parser, GeluKindAttr &kindAttr) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef name;
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<GeluKind> kind = symbolizeGeluKind(name);
  if (!kind)
    return parser.emitError(loc, "unknown GeLU kind '")
           << name << "' (expected erf or tanh)";
  kindAttr = GeluKindAttr::get(parser.getContext(), *kind);
  return success();
}

static void printGeluKind(OpAsmPrinter &printer, Operation *,
                          GeluKindAttr kindAttr) {
  printer << stringifyGeluKind(kindAttr.getValue());
}

#define GET_OP_CLASSES
#include "mpcvit/dialects/vit/VitOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  RankedTensorType x = tensorTy(getInput()), w = tensorTy(getWeight());
  if (x.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (w.getRank() != 2)
    return emitOpError("weight must be [N, K] (rank 2), got ")
           << shapeStr(w.getShape());
  int64_t n = w.getDimSize(0), k = w.getDimSize(1);
  if (x.getShape().back() != k)
    return emitOpError("input's last dimension ")
           << x.getShape().back() << " does not match the weight's K = " << k
           << " (weight is [N, K] = " << shapeStr(w.getShape()) << ")";
  if (Value b = getBias()) {
    RankedTensorType bt = tensorTy(b);
    if (bt.getRank() != 1 || bt.getDimSize(0) != n)
      return emitOpError("bias must be [N] = [")
             << n << "], got " << shapeStr(bt.getShape());
  }
  if (failed(verifySameElementType(*this, getOperation()->getOperands())) ||
      failed(verifySameElementType(*this, {getInput(), getResult()})))
    return failure();
  SmallVector<int64_t> expected(x.getShape());
  expected.back() = n;
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType a = tensorTy(getLhs()), b = tensorTy(getRhs());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOpError("operands must have rank >= 2, got ")
           << shapeStr(a.getShape()) << " and " << shapeStr(b.getShape());
  int64_t m = a.getShape().end()[-2], k = a.getShape().back();
  int64_t kb = b.getShape().end()[-2], n = b.getShape().back();
  if (k != kb)
    return emitOpError("contraction dimensions differ: lhs ")
           << shapeStr(a.getShape()) << " has K = " << k << ", rhs "
           << shapeStr(b.getShape()) << " has K = " << kb;
  SmallVector<int64_t> batch;
  if (!OpTrait::util::getBroadcastedShape(a.getShape().drop_back(2),
                                          b.getShape().drop_back(2), batch))
    return emitOpError("batch dimensions do not broadcast: ")
           << shapeStr(a.getShape().drop_back(2)) << " vs "
           << shapeStr(b.getShape().drop_back(2));
  if (failed(verifySameElementType(*this, {getLhs(), getRhs(), getResult()})))
    return failure();
  batch.push_back(m);
  batch.push_back(n);
  return verifyResultShape(*this, batch);
}

//===----------------------------------------------------------------------===//
// Broadcasting binary ops
//===----------------------------------------------------------------------===//

static LogicalResult verifyBroadcastBinary(Operation *op) {
  RankedTensorType a = tensorTy(op->getOperand(0)),
                   b = tensorTy(op->getOperand(1));
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(a.getShape(), b.getShape(), shape))
    return op->emitOpError("operand shapes do not broadcast: ")
           << shapeStr(a.getShape()) << " vs " << shapeStr(b.getShape());
  if (failed(verifySameElementType(op, op->getOperands())) ||
      failed(verifySameElementType(op, {op->getOperand(0), op->getResult(0)})))
    return failure();
  return verifyResultShape(op, shape);
}

LogicalResult AddOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastBinary(*this); }

//===----------------------------------------------------------------------===//
// Normalisations
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  return normaliseAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult AttentionNormOp::verify() {
  RankedTensorType t = getInput().getType();
  int64_t rank = t.getRank();
  if (rank < 3)
    return emitOpError("attention scores must have rank >= 3 ([..., heads, "
                       "..., rows, columns]), got ")
           << shapeStr(t.getShape());
  int64_t axis = getHeadAxis();
  if (axis < 0 || axis >= rank - 2)
    return emitOpError("head_axis ")
           << axis << " must be in [0, " << rank - 3
           << "]: the last two axes are the rows and columns of the scores";
  int64_t heads = t.getDimSize(axis);
  if (static_cast<int64_t>(getKinds().size()) != heads)
    return emitOpError("has ")
           << getKinds().size() << " head kinds but the head axis " << axis
           << " of " << shapeStr(t.getShape()) << " has " << heads << " heads";
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive, got ")
           << getEpsilon().convertToDouble();
  return success();
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType x = tensorTy(getInput());
  if (x.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t d = x.getShape().back();
  for (auto [name, v] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                         std::pair<StringRef, Value>{"beta", getBeta()}}) {
    RankedTensorType vt = tensorTy(v);
    if (vt.getRank() != 1 || vt.getDimSize(0) != d)
      return emitOpError() << name << " must be [" << d
                           << "] (the last dimension of the input), got "
                           << shapeStr(vt.getShape());
  }
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive, got ")
           << getEpsilon().convertToDouble();
  if (failed(verifySameElementType(*this, getOperation()->getOperands())))
    return failure();
  if (getResult().getType() != x)
    return emitOpError("result type ")
           << getResult().getType() << " must equal the input type " << x;
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  RankedTensorType x = tensorTy(getInput());
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != x.getRank())
    return emitOpError("perm has ")
           << perm.size() << " entries but the input has rank " << x.getRank();
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= x.getRank() || seen[p])
      return emitOpError("perm ")
             << shapeStr(perm) << " is not a permutation of [0, " << x.getRank()
             << ")";
    seen[p] = true;
    expected.push_back(x.getDimSize(p));
  }
  if (failed(verifySameElementType(*this, {getInput(), getResult()})))
    return failure();
  return verifyResultShape(*this, expected);
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType x = tensorTy(getInput()), r = tensorTy(getResult());
  if (x.getNumElements() != r.getNumElements())
    return emitOpError("cannot reshape ")
           << shapeStr(x.getShape()) << " (" << x.getNumElements()
           << " elements) to " << shapeStr(r.getShape()) << " ("
           << r.getNumElements() << " elements)";
  return verifySameElementType(*this, {getInput(), getResult()});
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  RankedTensorType first = tensorTy(getInputs().front());
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis = normaliseAxis(*this, getAxis(), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> expected(first.getShape());
  expected[*axis] = 0;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    RankedTensorType t = tensorTy(v);
    if (t.getRank() != rank)
      return emitOpError("input #")
             << i << " has rank " << t.getRank() << ", expected " << rank;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && t.getDimSize(d) != first.getDimSize(d))
        return emitOpError("input #")
               << i << " " << shapeStr(t.getShape())
               << " differs from input #0 " << shapeStr(first.getShape())
               << " outside the concatenation axis " << *axis;
    expected[*axis] += t.getDimSize(*axis);
  }
  SmallVector<Value> all(getInputs());
  all.push_back(getResult());
  if (failed(verifySameElementType(*this, all)))
    return failure();
  return verifyResultShape(*this, expected);
}

LogicalResult SliceOp::verify() {
  RankedTensorType x = tensorTy(getInput());
  ArrayRef<int64_t> off = getOffsets(), size = getSizes(), step = getStrides();
  int64_t rank = x.getRank();
  if (static_cast<int64_t>(off.size()) != rank ||
      static_cast<int64_t>(size.size()) != rank ||
      static_cast<int64_t>(step.size()) != rank)
    return emitOpError("offsets, sizes and strides need ")
           << rank << " entries each (the input rank), got " << off.size()
           << ", " << size.size() << ", " << step.size();
  for (int64_t d = 0; d < rank; ++d) {
    if (off[d] < 0 || size[d] < 1 || step[d] < 1)
      return emitOpError("axis ")
             << d << ": need offset >= 0, size >= 1, stride >= 1, got "
             << off[d] << ", " << size[d] << ", " << step[d];
    int64_t last = off[d] + (size[d] - 1) * step[d];
    if (last >= x.getDimSize(d))
      return emitOpError("axis ")
             << d << ": slice reads index " << last
             << " but the input dimension is " << x.getDimSize(d);
  }
  if (failed(verifySameElementType(*this, {getInput(), getResult()})))
    return failure();
  return verifyResultShape(*this, size);
}

LogicalResult GatherOp::verify() {
  RankedTensorType x = tensorTy(getInput());
  FailureOr<int64_t> axis = normaliseAxis(*this, getAxis(), x.getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> idx = getIndices();
  if (idx.empty())
    return emitOpError("needs at least one index");
  int64_t dim = x.getDimSize(*axis);
  for (int64_t i : idx)
    if (i < 0 || i >= dim)
      return emitOpError("index ")
             << i << " is out of range [0, " << dim << ") of axis " << *axis;
  if (failed(verifySameElementType(*this, {getInput(), getResult()})))
    return failure();
  SmallVector<int64_t> expected(x.getShape());
  expected[*axis] = idx.size();
  return verifyResultShape(*this, expected);
}

LogicalResult ConvPatchOp::verify() {
  RankedTensorType x = tensorTy(getInput()), w = tensorTy(getWeight());
  if (x.getRank() != 4 || w.getRank() != 4)
    return emitOpError("input [B, C, H, W] and weight [D, C, kh, kw] must "
                       "have rank 4, got ")
           << shapeStr(x.getShape()) << " and " << shapeStr(w.getShape());
  ArrayRef<int64_t> strides = getStrides(), pads = getPads();
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1)
    return emitOpError("strides must be two positive integers, got ")
           << shapeStr(strides);
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return emitOpError("pads must be four non-negative integers [top, left, "
                       "bottom, right], got ")
           << shapeStr(pads);
  if (x.getDimSize(1) != w.getDimSize(1))
    return emitOpError("input has ")
           << x.getDimSize(1) << " channels but the weight expects "
           << w.getDimSize(1);
  int64_t d = w.getDimSize(0);
  if (Value b = getBias()) {
    RankedTensorType bt = tensorTy(b);
    if (bt.getRank() != 1 || bt.getDimSize(0) != d)
      return emitOpError("bias must be [")
             << d << "], got " << shapeStr(bt.getShape());
  }
  int64_t h = x.getDimSize(2) + pads[0] + pads[2];
  int64_t wd = x.getDimSize(3) + pads[1] + pads[3];
  if (h < w.getDimSize(2) || wd < w.getDimSize(3))
    return emitOpError("kernel ")
           << shapeStr(w.getShape().drop_front(2))
           << " is larger than the padded image [" << h << ", " << wd << "]";
  if (failed(verifySameElementType(*this, getOperation()->getOperands())) ||
      failed(verifySameElementType(*this, {getInput(), getResult()})))
    return failure();
  SmallVector<int64_t> expected = {x.getDimSize(0), d,
                                   (h - w.getDimSize(2)) / strides[0] + 1,
                                   (wd - w.getDimSize(3)) / strides[1] + 1};
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// Primitive ops of imported graphs
//===----------------------------------------------------------------------===//

LogicalResult SubOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult PowOp::verify() { return verifyBroadcastBinary(*this); }

/// Shared verifier of reduce_mean / reduce_sum / reduce_max: axes in range
/// and distinct, result shape = input shape with the axes removed (or kept
/// with size 1 under `keepdims`).
static LogicalResult verifyReduce(Operation *op, ArrayRef<int64_t> axes,
                                  bool keepdims) {
  RankedTensorType x = tensorTy(op->getOperand(0));
  int64_t rank = x.getRank();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = normaliseAxis(op, a, rank);
    if (failed(axis))
      return failure();
    if (reduced[*axis])
      return op->emitOpError("axis ") << *axis << " is reduced twice";
    reduced[*axis] = true;
  }
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      expected.push_back(x.getDimSize(d));
    else if (keepdims)
      expected.push_back(1);
  }
  if (failed(verifySameElementType(op, {op->getOperand(0), op->getResult(0)})))
    return failure();
  return verifyResultShape(op, expected);
}

LogicalResult ReduceMeanOp::verify() {
  return verifyReduce(*this, getAxes(), getKeepdims());
}
LogicalResult ReduceSumOp::verify() {
  return verifyReduce(*this, getAxes(), getKeepdims());
}
LogicalResult ReduceMaxOp::verify() {
  return verifyReduce(*this, getAxes(), getKeepdims());
}
