//===- ReplaceSoftmax.cpp - --mpcvit-replace-softmax ----------------------===//
//
// Sets the per-head attention kinds of every vit.attention_norm from the NAS
// result (MPCViT, Zeng et al., ICCV 2023) or to one kind for all heads.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/passes/ArchBinding.h"
#include "mpcvit/passes/Passes.h"

namespace mpcvit {
#define GEN_PASS_DEF_REPLACESOFTMAX
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

struct ReplaceSoftmaxPass
    : public mpcvit::impl::ReplaceSoftmaxBase<ReplaceSoftmaxPass> {
  using ReplaceSoftmaxBase::ReplaceSoftmaxBase;

  void setKinds(vit::AttentionNormOp op, ArrayRef<vit::HeadKind> kinds) {
    op.setKindsAttr(vit::HeadKindsAttr::get(op.getContext(), kinds));
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<vit::AttentionNormOp> layers = collectAttentionLayers(module);
    Operation *anchor =
        layers.empty() ? module.getOperation() : layers.front().getOperation();
    if (archFile.empty() == allKind.empty()) {
      anchor->emitError("--mpcvit-replace-softmax needs exactly one of "
                        "arch=FILE and all=KIND");
      return signalPassFailure();
    }

    if (!allKind.empty()) {
      std::optional<vit::HeadKind> kind = vit::symbolizeHeadKind(allKind);
      if (!kind) {
        anchor->emitError("all=")
            << allKind
            << ": expected one of softmax, relu_softmax, scale, 2quad, 2relu";
        return signalPassFailure();
      }
      for (vit::AttentionNormOp op : layers)
        setKinds(op, SmallVector<vit::HeadKind>(op.getNumHeads(), *kind));
      return;
    }

    FailureOr<arch::ArchSpec> spec = loadArchAt(archFile, anchor);
    if (failed(spec) || failed(checkLayerCount(*spec, archFile, layers.size(),
                                               "vit.attention_norm", anchor)))
      return signalPassFailure();
    for (auto [i, op] : llvm::enumerate(layers)) {
      int64_t tokens = op.getInput().getType().getShape().back();
      if (op.getNumHeads() != spec->heads) {
        op.emitError("layer ")
            << i << ": arch file " << archFile << " has " << spec->heads
            << " heads per layer but this attention has " << op.getNumHeads()
            << " heads";
        return signalPassFailure();
      }
      if (tokens != spec->tokens) {
        op.emitError("layer ")
            << i << ": arch file " << archFile << " has " << spec->tokens
            << " tokens but the attention rows of this layer have " << tokens
            << " tokens";
        return signalPassFailure();
      }
      setKinds(op, spec->layers[i].heads);
    }
  }
};

} // namespace
