//===- HeadNorm.cpp - the protocol of each attention head kind -*- C++ -*-===//

#include "mpcvit/dialects/mpc/HeadNorm.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace mpcvit::mpc {

ArrayRef<StringRef> headKinds() {
  static const StringRef kinds[] = {"softmax", "relu_softmax", "scale", "2quad",
                                    "2relu"};
  return kinds;
}

Value buildPublicScalar(OpBuilder &b, Location loc, double v, unsigned frac) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return ConstantOp::create(
      b, loc, RingTensorType::get(b.getContext(), {}, Visibility::Public, frac),
      llvm::cast<ElementsAttr>(
          DenseElementsAttr::get(type, ArrayRef<float>{float(v)})));
}

FailureOr<Value> buildHeadNorm(OpBuilder &b, Location loc, StringRef kind,
                               Value x, double eps) {
  auto t = llvm::cast<RingTensorType>(x.getType());
  IntegerAttr axis = b.getI64IntegerAttr(t.getRank() - 1);
  if (kind == "softmax")
    return SoftmaxOp::create(b, loc, t, x, axis).getResult();
  if (kind == "relu_softmax")
    return ReluSoftmaxOp::create(b, loc, t, x, axis, b.getF64FloatAttr(eps))
        .getResult();
  if (kind == "2quad")
    return TwoQuadOp::create(b, loc, t, x, axis).getResult();
  if (kind == "2relu")
    return TwoReluOp::create(b, loc, t, x, axis).getResult();
  if (kind == "scale") {
    SessionAttr s = getSession(b.getInsertionBlock()->getParentOp());
    unsigned f = t.getFracBits();
    double n = double(t.getShape().back());
    Value c = buildPublicScalar(b, loc, 1.0 / n, f);
    Value p =
        MulPublicOp::create(b, loc,
                            RingTensorType::get(b.getContext(), t.getShape(),
                                                Visibility::Shared, 2 * f),
                            x, c);
    return TruncOp::create(b, loc, t, p,
                           TruncKindAttr::get(b.getContext(), s.getTrunc()))
        .getResult();
  }
  return failure();
}

} // namespace mpcvit::mpc
