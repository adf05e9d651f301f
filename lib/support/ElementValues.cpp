//===- ElementValues.cpp - Float element data of an attribute -------------===//
#include "mpcvit/support/ElementValues.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace mpcvit {

FailureOr<std::vector<double>> elementsAsDoubles(Attribute attr,
                                                 int64_t count) {
  std::vector<double> out;
  if (auto dense = llvm::dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &f : dense.getValues<APFloat>()) {
      APFloat d = f;
      bool lost = false;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(d.convertToDouble());
    }
  } else if (auto r = llvm::dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = r.tryGetAsArrayRef();
    if (!data)
      return failure();
    out.assign(data->begin(), data->end());
  } else if (auto r = llvm::dyn_cast<DenseF64ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<double>> data = r.tryGetAsArrayRef();
    if (!data)
      return failure();
    out.assign(data->begin(), data->end());
  } else {
    return failure();
  }
  if (count >= 0 && int64_t(out.size()) != count)
    return failure();
  return out;
}

} // namespace mpcvit
