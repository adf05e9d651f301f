//===- MpcOps.cpp - verifiers of the secret-shared 2PC ops ------*- C++ -*-===//
//
// Visibility rules (who may compute on what) and fixed-point rules (formats
// agree, products add fractional bits, truncation lowers them) of the `mpc`
// dialect. Costs are in CommCostOpInterface.cpp.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/dialects/ShapeFormat.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using mpcvit::shapeStr;
using namespace mpcvit::mpc;

// Custom directive of mpc.trunc: the kind as a bare keyword (probabilistic,
// exact).
static ParseResult parseTruncKind(OpAsmParser &parser,
                                  TruncKindAttr &kindAttr) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef name;
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<TruncKind> kind = symbolizeTruncKind(name);
  if (!kind)
    return parser.emitError(loc, "unknown truncation kind '")
           << name << "' (expected probabilistic or exact)";
  kindAttr = TruncKindAttr::get(parser.getContext(), *kind);
  return success();
}

static void printTruncKind(OpAsmPrinter &printer, Operation *,
                           TruncKindAttr kindAttr) {
  printer << stringifyTruncKind(kindAttr.getValue());
}

#define GET_OP_CLASSES
#include "mpcvit/dialects/mpc/MpcOps.cpp.inc"

namespace {

RingTensorType ty(Value v) { return llvm::cast<RingTensorType>(v.getType()); }

std::string visStr(RingTensorType t) {
  return stringifyVisibility(t.getVisibility());
}

/// Requires `v` to be shared; names the operand otherwise.
LogicalResult requireShared(Operation *op, Value v, StringRef what) {
  if (!ty(v).isShared())
    return op->emitOpError()
           << what << " must be shared, got " << visStr(ty(v));
  return success();
}

LogicalResult requireServerPrivate(Operation *op, Value v, StringRef what) {
  if (ty(v).getVisibility() != Visibility::ServerPrivate)
    return op->emitOpError()
           << what << " must be private<server> (the server's weights), got "
           << visStr(ty(v));
  return success();
}

LogicalResult requireShape(Operation *op, ArrayRef<int64_t> got,
                           ArrayRef<int64_t> expected) {
  if (got != expected)
    return op->emitOpError("result shape ")
           << shapeStr(got) << " does not match the expected "
           << shapeStr(expected);
  return success();
}

LogicalResult requireFrac(Operation *op, unsigned got, unsigned expected,
                          StringRef why) {
  if (got != expected)
    return op->emitOpError("result has ")
           << got << " fractional bits, expected " << expected << " (" << why
           << ")";
  return success();
}

LogicalResult requireVisibility(Operation *op, Visibility got,
                                Visibility expected) {
  if (got != expected)
    return op->emitOpError("result visibility ")
           << stringifyVisibility(got) << " should be "
           << stringifyVisibility(expected);
  return success();
}

/// Broadcast shape of two operands (NumPy rules), or an error.
FailureOr<SmallVector<int64_t>> broadcastShape(Operation *op, RingTensorType a,
                                               RingTensorType b) {
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(a.getShape(), b.getShape(), shape)) {
    op->emitOpError("operand shapes do not broadcast: ")
        << shapeStr(a.getShape()) << " vs " << shapeStr(b.getShape());
    return failure();
  }
  return shape;
}

/// Visibility of a local (communication-free) binary op's result: shared if
/// either operand is shared, a private operand's owner otherwise; two
/// different parties' private values cannot be combined without sharing.
FailureOr<Visibility> joinLocal(Operation *op, RingTensorType a,
                                RingTensorType b) {
  Visibility va = a.getVisibility(), vb = b.getVisibility();
  if (va == Visibility::Shared || vb == Visibility::Shared)
    return Visibility::Shared;
  if (va == Visibility::Public)
    return vb;
  if (vb == Visibility::Public || va == vb)
    return va;
  op->emitOpError("cannot combine ")
      << stringifyVisibility(va) << " and " << stringifyVisibility(vb)
      << " locally: share both first";
  return failure();
}

LogicalResult verifyLastAxis(Operation *op, RingTensorType t, int64_t axis) {
  if (t.getRank() < 1 || axis != t.getRank() - 1)
    return op->emitOpError("normalises the last axis only: axis must be ")
           << t.getRank() - 1 << ", got " << axis;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// constant, share, reveal
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  RingTensorType t = ty(getResult());
  if (!t.isPublic())
    return emitOpError("constants are public, got result visibility ")
           << visStr(t);
  auto st = llvm::dyn_cast<ShapedType>(getValue().getType());
  if (!st || !st.hasStaticShape() || st.getShape() != t.getShape())
    return emitOpError("value shape must equal the result shape ")
           << shapeStr(t.getShape());
  if (!llvm::isa<FloatType, IntegerType>(st.getElementType()))
    return emitOpError("value must hold floats or integers");
  return success();
}

LogicalResult ShareOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  if (!in.isPrivate())
    return emitOpError("shares a party's private value, got ") << visStr(in);
  if (!out.isShared())
    return emitOpError("result must be shared, got ") << visStr(out);
  if (in.withVisibility(Visibility::Shared) != out)
    return emitOpError("shape and fractional bits must be unchanged: ")
           << in << " -> " << out;
  return success();
}

LogicalResult RevealOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  if (!in.isShared())
    return emitOpError("reveals a shared value, got ") << visStr(in);
  if (!out.isPrivate())
    return emitOpError("result must be private to the receiving party, got ")
           << visStr(out);
  if (out.withVisibility(Visibility::Shared) != in)
    return emitOpError("shape and fractional bits must be unchanged: ")
           << in << " -> " << out;
  return success();
}

//===----------------------------------------------------------------------===//
// Local linear ops
//===----------------------------------------------------------------------===//

/// add/sub: formats agree, NumPy broadcast, visibility join.
static LogicalResult verifyAddLike(Operation *op) {
  RingTensorType a = ty(op->getOperand(0)), b = ty(op->getOperand(1)),
                 r = ty(op->getResult(0));
  if (a.getFracBits() != b.getFracBits())
    return op->emitOpError("fixed-point formats differ: lhs has ")
           << a.getFracBits() << " fractional bits, rhs " << b.getFracBits()
           << "; insert mpc.trunc to align them";
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(op, a, b);
  FailureOr<Visibility> vis = joinLocal(op, a, b);
  if (failed(shape) || failed(vis) ||
      failed(requireShape(op, r.getShape(), *shape)) ||
      failed(requireVisibility(op, r.getVisibility(), *vis)))
    return failure();
  return requireFrac(op, r.getFracBits(), a.getFracBits(),
                     "sums keep the operands' format");
}

LogicalResult AddOp::verify() { return verifyAddLike(*this); }
LogicalResult SubOp::verify() { return verifyAddLike(*this); }

LogicalResult MulPublicOp::verify() {
  RingTensorType a = ty(getLhs()), c = ty(getRhs()), r = ty(getResult());
  if (!c.isPublic())
    return emitOpError("rhs must be public, got ") << visStr(c);
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(*this, a, c);
  if (failed(shape) || failed(requireShape(*this, r.getShape(), *shape)) ||
      failed(requireVisibility(*this, r.getVisibility(), a.getVisibility())))
    return failure();
  return requireFrac(*this, r.getFracBits(), a.getFracBits() + c.getFracBits(),
                     "a product adds the operands' fractional bits");
}

//===----------------------------------------------------------------------===//
// Products and truncation
//===----------------------------------------------------------------------===//

LogicalResult SumOp::verify() {
  RingTensorType in = ty(getInput()), out = ty(getResult());
  int64_t axis = getAxis();
  if (failed(requireShared(*this, getInput(), "input")))
    return failure();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for rank " << in.getRank();
  SmallVector<int64_t> expected(in.getShape());
  expected[axis] = 1;
  if (failed(requireShape(*this, out.getShape(), expected)))
    return failure();
  if (failed(requireFrac(*this, out.getFracBits(), in.getFracBits(),
                         "a sum keeps the fixed-point format")))
    return failure();
  return requireVisibility(*this, out.getVisibility(), in.getVisibility());
}

LogicalResult MulSSOp::verify() {
  RingTensorType a = ty(getLhs()), b = ty(getRhs()), r = ty(getResult());
  if (failed(requireShared(*this, getLhs(), "lhs")) ||
      failed(requireShared(*this, getRhs(), "rhs")))
    return failure();
  if (a.getShape() != b.getShape())
    return emitOpError("operands must have the same shape, got ")
           << shapeStr(a.getShape()) << " and " << shapeStr(b.getShape());
  if (failed(requireShape(*this, r.getShape(), a.getShape())) ||
      failed(requireShared(*this, getResult(), "result")))
    return failure();
  return requireFrac(*this, r.getFracBits(), a.getFracBits() + b.getFracBits(),
                     "a product adds the operands' fractional bits");
}

LogicalResult MulSPOp::verify() {
  RingTensorType a = ty(getLhs()), w = ty(getRhs()), r = ty(getResult());
  if (failed(requireShared(*this, getLhs(), "lhs")) ||
      failed(requireServerPrivate(*this, getRhs(), "rhs")))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = broadcastShape(*this, a, w);
  if (failed(shape))
    return failure();
  if (ArrayRef<int64_t>(*shape) != a.getShape())
    return emitOpError("the weights ")
           << shapeStr(w.getShape()) << " must broadcast to the shared operand "
           << shapeStr(a.getShape());
  if (failed(requireShape(*this, r.getShape(), a.getShape())) ||
      failed(requireShared(*this, getResult(), "result")))
    return failure();
  return requireFrac(*this, r.getFracBits(), a.getFracBits() + w.getFracBits(),
                     "a product adds the operands' fractional bits");
}

LogicalResult SquareOp::verify() {
  RingTensorType a = ty(getInput()), r = ty(getResult());
  if (failed(requireShared(*this, getInput(), "input")) ||
      failed(requireShared(*this, getResult(), "result")) ||
      failed(requireShape(*this, r.getShape(), a.getShape())))
    return failure();
  return requireFrac(*this, r.getFracBits(), 2 * a.getFracBits(),
                     "a square doubles the fractional bits");
}

LogicalResult MMulSSOp::verify() {
  RingTensorType a = ty(getLhs()), b = ty(getRhs()), r = ty(getResult());
  if (failed(requireShared(*this, getLhs(), "lhs")) ||
      failed(requireShared(*this, getRhs(), "rhs")) ||
      failed(requireShared(*this, getResult(), "result")))
    return failure();
  if (a.getRank() < 2 || a.getRank() != b.getRank())
    return emitOpError("operands must have the same rank >= 2, got ")
           << shapeStr(a.getShape()) << " and " << shapeStr(b.getShape());
  ArrayRef<int64_t> as = a.getShape(), bs = b.getShape();
  if (as.drop_back(2) != bs.drop_back(2))
    return emitOpError("batch dimensions differ: ")
           << shapeStr(as.drop_back(2)) << " vs " << shapeStr(bs.drop_back(2));
  if (as.back() != bs.end()[-2])
    return emitOpError("contraction dimensions differ: lhs ")
           << shapeStr(as) << " has K = " << as.back() << ", rhs "
           << shapeStr(bs) << " has K = " << bs.end()[-2];
  SmallVector<int64_t> expected(as.drop_back(1));
  expected.push_back(bs.back());
  if (failed(requireShape(*this, r.getShape(), expected)))
    return failure();
  return requireFrac(*this, r.getFracBits(), a.getFracBits() + b.getFracBits(),
                     "a product adds the operands' fractional bits");
}

LogicalResult MMulSPOp::verify() {
  RingTensorType x = ty(getLhs()), w = ty(getRhs()), r = ty(getResult());
  if (failed(requireShared(*this, getLhs(), "lhs")) ||
      failed(requireServerPrivate(*this, getRhs(), "rhs")) ||
      failed(requireShared(*this, getResult(), "result")))
    return failure();
  if (x.getRank() < 1 || w.getRank() != 2)
    return emitOpError("expects X [..., K] and W [K, N], got ")
           << shapeStr(x.getShape()) << " and " << shapeStr(w.getShape());
  if (x.getShape().back() != w.getShape()[0])
    return emitOpError("contraction dimensions differ: X ")
           << shapeStr(x.getShape()) << " has K = " << x.getShape().back()
           << ", W " << shapeStr(w.getShape())
           << " has K = " << w.getShape()[0];
  SmallVector<int64_t> expected(x.getShape());
  expected.back() = w.getShape()[1];
  if (failed(requireShape(*this, r.getShape(), expected)))
    return failure();
  return requireFrac(*this, r.getFracBits(), x.getFracBits() + w.getFracBits(),
                     "a product adds the operands' fractional bits");
}

LogicalResult TruncOp::verify() {
  RingTensorType a = ty(getInput()), r = ty(getResult());
  if (failed(requireShared(*this, getInput(), "input")) ||
      failed(requireShared(*this, getResult(), "result")) ||
      failed(requireShape(*this, r.getShape(), a.getShape())))
    return failure();
  if (r.getFracBits() >= a.getFracBits())
    return emitOpError("must lower the fractional bits, got ")
           << a.getFracBits() << " -> " << r.getFracBits();
  return success();
}

//===----------------------------------------------------------------------===//
// Nonlinear functions and fused normalisations
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (failed(requireShared(*this, getInput(), "input")))
    return failure();
  return verifyLastAxis(*this, ty(getInput()), getAxis());
}

LogicalResult ReluSoftmaxOp::verify() {
  if (failed(requireShared(*this, getInput(), "input")) ||
      failed(verifyLastAxis(*this, ty(getInput()), getAxis())))
    return failure();
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive, got ")
           << getEpsilon().convertToDouble();
  return success();
}

LogicalResult LayerNormOp::verify() {
  RingTensorType x = ty(getInput());
  if (failed(requireShared(*this, getInput(), "input")) ||
      failed(requireServerPrivate(*this, getGamma(), "gamma")) ||
      failed(requireServerPrivate(*this, getBeta(), "beta")))
    return failure();
  if (x.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t d = x.getShape().back();
  for (auto [name, v] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                         std::pair<StringRef, Value>{"beta", getBeta()}}) {
    RingTensorType t = ty(v);
    if (t.getRank() != 1 || t.getShape()[0] != d)
      return emitOpError() << name << " must be [" << d << "], got "
                           << shapeStr(t.getShape());
    if (t.getFracBits() != x.getFracBits())
      return emitOpError() << name << " has " << t.getFracBits()
                           << " fractional bits, the input " << x.getFracBits();
  }
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive, got ")
           << getEpsilon().convertToDouble();
  if (ty(getResult()) != x)
    return emitOpError("result type ")
           << ty(getResult()) << " must equal the input type " << x;
  return success();
}
