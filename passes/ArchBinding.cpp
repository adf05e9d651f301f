//===- ArchBinding.cpp - bind an arch.json to a module's layers -----------===//

#include "mpcvit/passes/ArchBinding.h"

using namespace mlir;

namespace mpcvit {

SmallVector<vit::AttentionNormOp> collectAttentionLayers(ModuleOp module) {
  SmallVector<vit::AttentionNormOp> ops;
  module.walk([&](vit::AttentionNormOp op) { ops.push_back(op); });
  return ops;
}

SmallVector<vit::GeluOp> collectGeluLayers(ModuleOp module) {
  SmallVector<vit::GeluOp> ops;
  module.walk([&](vit::GeluOp op) { ops.push_back(op); });
  return ops;
}

FailureOr<arch::ArchSpec> loadArchAt(StringRef path, Operation *anchor) {
  llvm::Expected<arch::ArchSpec> spec = arch::loadArch(path);
  if (!spec) {
    anchor->emitError("cannot use arch file: ")
        << llvm::toString(spec.takeError());
    return failure();
  }
  return std::move(*spec);
}

LogicalResult checkLayerCount(const arch::ArchSpec &spec, StringRef path,
                              size_t numLayers, StringRef what,
                              Operation *anchor) {
  if (static_cast<size_t>(spec.depth) == numLayers)
    return success();
  return anchor->emitError("arch file ")
         << path << " describes " << spec.depth << " layers but the model has "
         << numLayers << " " << what << " ops";
}

} // namespace mpcvit
