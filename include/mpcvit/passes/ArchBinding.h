//===- ArchBinding.h - bind an arch.json to a module's layers ---*- C++ -*-===//
//
// The NAS result addresses layers by index. A layer's attention is its
// `vit.attention_norm` and its MLP activation is its `vit.gelu`, both taken
// in the order they appear in the module (the order of the transformer
// blocks in every exporter we import).
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_PASSES_ARCHBINDING_H
#define MPCVIT_PASSES_ARCHBINDING_H

#include "mpcvit/arch/ArchSpec.h"
#include "mpcvit/dialects/vit/VitOps.h"

#include "mlir/IR/BuiltinOps.h"

namespace mpcvit {

/// The `vit.attention_norm` ops of `module` in layer order.
llvm::SmallVector<vit::AttentionNormOp>
collectAttentionLayers(mlir::ModuleOp module);

/// The `vit.gelu` ops of `module` in layer order.
llvm::SmallVector<vit::GeluOp> collectGeluLayers(mlir::ModuleOp module);

/// Loads and validates the arch file at `path`; on error emits the message
/// at `anchor` ("cannot use arch file: <reason>") and returns failure.
mlir::FailureOr<arch::ArchSpec> loadArchAt(llvm::StringRef path,
                                           mlir::Operation *anchor);

/// Checks that `spec` describes `numLayers` layers of kind `what`
/// ("vit.attention_norm", "vit.gelu"); emits "arch file F describes D
/// layers but the model has M <what> ops" at `anchor` otherwise.
mlir::LogicalResult checkLayerCount(const arch::ArchSpec &spec,
                                    llvm::StringRef path, size_t numLayers,
                                    llvm::StringRef what,
                                    mlir::Operation *anchor);

} // namespace mpcvit

#endif // MPCVIT_PASSES_ARCHBINDING_H
