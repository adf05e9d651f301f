//===- ConstantWeights.cpp - read and make vit.constant weights -----------===//

#include "mpcvit/passes/ConstantWeights.h"
#include "mpcvit/dialects/vit/VitOps.h"
#include "mpcvit/support/ElementValues.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace mpcvit {

FailureOr<std::vector<double>> getConstantValues(Value v) {
  auto cst = v.getDefiningOp<vit::ConstantOp>();
  if (!cst)
    return failure();
  auto type = llvm::cast<ShapedType>(cst.getType());
  return elementsAsDoubles(cst.getValue(), type.getNumElements());
}

std::optional<double> getScalarConstant(Value v) {
  FailureOr<std::vector<double>> values = getConstantValues(v);
  if (failed(values) || values->empty())
    return std::nullopt;
  for (double x : *values)
    if (x != values->front())
      return std::nullopt;
  return values->front();
}

Value createConstant(OpBuilder &b, Location loc, RankedTensorType type,
                     ArrayRef<double> values, StringRef nameHint) {
  assert(static_cast<int64_t>(values.size()) == type.getNumElements() &&
         "value count must match the type");
  bool isF64 = type.getElementType().isF64();
  Attribute attr;
  if (values.size() <= 16) {
    if (isF64) {
      attr = DenseElementsAttr::get(type, values);
    } else {
      SmallVector<float> f(values.begin(), values.end());
      attr = DenseElementsAttr::get(type, ArrayRef<float>(f));
    }
  } else if (isF64) {
    attr = DenseResourceElementsAttr::get(
        type, nameHint, HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  } else {
    SmallVector<float> f(values.begin(), values.end());
    attr = DenseResourceElementsAttr::get(
        type, nameHint,
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(f)));
  }
  return vit::ConstantOp::create(b, loc, type, llvm::cast<ElementsAttr>(attr));
}

} // namespace mpcvit
