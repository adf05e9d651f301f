//===- LinearizeGelu.cpp - --mpcvit-linearize-gelu ------------------------===//
//
// Replaces GeLU per layer by MPCFormer's Quad GeLU or the identity, or
// linearizes it token-wise as in MPCViT+ (Zeng et al., ICCV 2023, §3.4):
// tokens with β = 0 compute relu(fc2(fc1(x))) instead of fc2(gelu(fc1(x))).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/passes/ArchBinding.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mpcvit {
#define GEN_PASS_DEF_LINEARIZEGELU
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

/// Coefficients of MPCFormer's Quad GeLU (Li et al., ICLR 2023, §3.2).
constexpr double kQuadA = 0.125, kQuadB = 0.25, kQuadC = 0.5;

RankedTensorType withDim(RankedTensorType t, int64_t axis, int64_t size) {
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = size;
  return RankedTensorType::get(shape, t.getElementType());
}

struct LinearizeGeluPass
    : public mpcvit::impl::LinearizeGeluBase<LinearizeGeluPass> {
  using LinearizeGeluBase::LinearizeGeluBase;

  void toQuad(vit::GeluOp gelu) {
    OpBuilder b(gelu);
    Value q = vit::QuadOp::create(b, gelu.getLoc(), gelu.getType(),
                                  gelu.getInput(), b.getF64FloatAttr(kQuadA),
                                  b.getF64FloatAttr(kQuadB),
                                  b.getF64FloatAttr(kQuadC));
    gelu.replaceAllUsesWith(q);
    gelu.erase();
  }

  void toIdentity(vit::GeluOp gelu) {
    gelu.replaceAllUsesWith(gelu.getInput());
    gelu.erase();
  }

  /// MPCViT+ token-wise linearization of fc2(gelu(fc1(x))) with mask
  /// `beta` over the token axis (rank − 2 of x).
  LogicalResult linearize(vit::GeluOp gelu, ArrayRef<bool> beta, size_t layer) {
    auto fc1 = gelu.getInput().getDefiningOp<vit::LinearOp>();
    vit::LinearOp fc2;
    if (gelu->hasOneUse())
      fc2 = llvm::dyn_cast<vit::LinearOp>(*gelu->getUsers().begin());
    if (!fc1 || !fc2 || fc2.getInput() != gelu.getResult() || !fc1->hasOneUse())
      return gelu.emitError("layer ")
             << layer
             << ": token-wise linearization needs vit.linear -> vit.gelu -> "
                "vit.linear with no other users in between";
    auto xType = llvm::cast<RankedTensorType>(fc1.getInput().getType());
    if (xType.getRank() < 2)
      return gelu.emitError("layer ")
             << layer << ": the MLP input must be [..., tokens, dim]";
    int64_t axis = xType.getRank() - 2;
    int64_t tokens = xType.getDimSize(axis);
    if (tokens != static_cast<int64_t>(beta.size()))
      return gelu.emitError("layer ")
             << layer << ": arch file " << archFile << " has " << beta.size()
             << " tokens but this MLP has " << tokens << " tokens";

    SmallVector<int64_t> keep, lin; // β = 1 tokens, β = 0 tokens
    for (auto [t, b] : llvm::enumerate(beta))
      (b ? keep : lin).push_back(t);
    if (lin.empty())
      return success();

    OpBuilder b(fc2);
    Location loc = gelu.getLoc();
    auto hType = llvm::cast<RankedTensorType>(fc1.getType());
    auto yType = llvm::cast<RankedTensorType>(fc2.getType());
    auto relu = [&](Value y) {
      return vit::ReluOp::create(b, loc, y.getType(), y).getResult();
    };

    if (keep.empty()) {
      // Every token linearized: relu(fc2(fc1(x))).
      b.setInsertionPointAfter(fc2);
      Value y = relu(fc2.getResult());
      fc2.getResult().replaceAllUsesExcept(y, y.getDefiningOp());
      fc2.getInputMutable().assign(fc1.getResult());
      gelu.erase();
      return success();
    }

    auto gather = [&](Value v, ArrayRef<int64_t> idx) {
      auto t = llvm::cast<RankedTensorType>(v.getType());
      return vit::GatherOp::create(b, loc, withDim(t, axis, idx.size()), v,
                                   b.getI64IntegerAttr(axis),
                                   b.getDenseI64ArrayAttr(idx))
          .getResult();
    };
    auto linear = [&](Value x, vit::LinearOp like, RankedTensorType ty,
                      int64_t rows) {
      return vit::LinearOp::create(b, like.getLoc(), withDim(ty, axis, rows), x,
                                   like.getWeight(), like.getBias())
          .getResult();
    };

    Value x = fc1.getInput();
    // β = 1 tokens: fc2(gelu(fc1(x))).
    Value h1 = linear(gather(x, keep), fc1, hType, keep.size());
    Value g1 =
        vit::GeluOp::create(b, loc, h1.getType(), h1, gelu.getKindAttr());
    Value y1 = linear(g1, fc2, yType, keep.size());
    // β = 0 tokens: relu(fc2(fc1(x))).
    Value h0 = linear(gather(x, lin), fc1, hType, lin.size());
    Value y0 = relu(linear(h0, fc2, yType, lin.size()));
    // Back to token order: position of token t in [keep..., lin...].
    Value cat = vit::ConcatOp::create(b, loc, yType, ValueRange{y1, y0},
                                      b.getI64IntegerAttr(axis));
    SmallVector<int64_t> inverse(tokens);
    for (auto [pos, t] : llvm::enumerate(llvm::concat<int64_t>(keep, lin)))
      inverse[t] = pos;
    Value y = gather(cat, inverse);
    fc2.replaceAllUsesWith(y);
    fc2.erase();
    gelu.erase();
    fc1.erase();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<vit::GeluOp> layers = collectGeluLayers(module);
    Operation *anchor =
        layers.empty() ? module.getOperation() : layers.front().getOperation();
    if (archFile.empty() == allKind.empty()) {
      anchor->emitError("--mpcvit-linearize-gelu needs exactly one of "
                        "arch=FILE and all=quad|identity");
      return signalPassFailure();
    }
    if (!allKind.empty()) {
      if (allKind != "quad" && allKind != "identity") {
        anchor->emitError("all=") << allKind << ": expected quad or identity";
        return signalPassFailure();
      }
      for (vit::GeluOp gelu : layers)
        allKind == "quad" ? toQuad(gelu) : toIdentity(gelu);
      return;
    }

    FailureOr<arch::ArchSpec> spec = loadArchAt(archFile, anchor);
    if (failed(spec) || failed(checkLayerCount(*spec, archFile, layers.size(),
                                               "vit.gelu", anchor)))
      return signalPassFailure();
    for (auto [i, gelu] : llvm::enumerate(layers)) {
      const arch::LayerArch &layer = spec->layers[i];
      switch (layer.gelu) {
      case arch::GeluMode::Gelu:
        break;
      case arch::GeluMode::Quad:
        toQuad(gelu);
        break;
      case arch::GeluMode::Linearize:
        if (failed(linearize(gelu, layer.tokens, i)))
          return signalPassFailure();
        break;
      }
    }
  }
};

} // namespace
