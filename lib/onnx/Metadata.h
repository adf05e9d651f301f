//===- Metadata.h - ONNX metadata_props → module attributes -----*- C++ -*-===//
//
// Private to lib/onnx: what an exporter records in the ModelProto's
// metadata_props beside the graph. Today one key, "mpcvit.preprocess" (the
// input normalisation, mpcvit/support/Preprocess.h), which becomes the
// module attribute `mpcvit.preprocess`; other keys are ignored.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_LIB_ONNX_METADATA_H
#define MPCVIT_LIB_ONNX_METADATA_H

#include "onnx/onnx_pb.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace mpcvit::onnx_import {

/// Reads the metadata of `model` into attributes of the imported `module`.
/// A malformed or inconsistent entry is an error naming `file` and the key.
llvm::Error importMetadata(const onnx::ModelProto &model, llvm::StringRef file,
                           mlir::ModuleOp module);

} // namespace mpcvit::onnx_import

#endif // MPCVIT_LIB_ONNX_METADATA_H
