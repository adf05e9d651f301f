//===- GraphImporter.h - ONNX graph → vit ops (private) ---------*- C++ -*-===//
//
// Private to lib/onnx: turns a loaded, validated ModelProto (external data
// inlined, input shapes resolved) into a module with func.func @main.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_LIB_ONNX_GRAPHIMPORTER_H
#define MPCVIT_LIB_ONNX_GRAPHIMPORTER_H

#include "HostTensor.h"
#include "mpcvit/onnx/Importer.h"

namespace mpcvit::onnx_import {

/// Imports `model.graph()`; `inputShapes` holds the static shape of each
/// runtime input (graph inputs that are not initializers), in order, and
/// `opset` the default-domain opset. Errors name `file` and the node.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importGraph(const onnx::ModelProto &model, llvm::StringRef file, int64_t opset,
            const std::vector<std::vector<int64_t>> &inputShapes,
            mlir::MLIRContext &ctx, const ImportOptions &opts);

} // namespace mpcvit::onnx_import

#endif // MPCVIT_LIB_ONNX_GRAPHIMPORTER_H
