//===- Importer.h - ONNX → vit dialect importer -----------------*- C++ -*-===//
//
// Imports an ONNX model (the ONNX C++ library from Debian, protobuf) into a
// `builtin.module` holding one `func.func @main` of `vit` ops with static
// shapes. Weights become `dense_resource` blobs owned by the module's
// context (the importer copies them out of the protobuf). Shape arithmetic
// of exported graphs (Shape, Gather, Equal, Where, Concat, ... on
// constants) is folded on the host, so only tensor computations reach the
// IR. Recognising GeLU, LayerNorm, attention and linear layers is left to
// `--mpcvit-raise-patterns`.
//
// Errors never abort: every failure (malformed protobuf, unsupported op or
// attribute, dynamic dimension without an override, missing external data,
// inconsistent shapes) is returned as an llvm::Error whose message names
// the file and, for node-level problems, the node, its op_type and the
// model's opset, and says what was expected.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_ONNX_IMPORTER_H
#define MPCVIT_ONNX_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace mpcvit::onnx_import {

struct ImportOptions {
  /// Static shapes for graph inputs with symbolic or unknown dimensions,
  /// by input name; the key "" applies to the first graph input. Only the
  /// dynamic dimensions of the declared shape may differ from the override
  /// (a static dimension that disagrees is an error).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Run onnx::checker::check_model and onnx::shape_inference::InferShapes
  /// (skipped for models whose opset is newer than the installed ONNX
  /// library knows, e.g. Gelu at opset 20 with ONNX 1.12).
  bool runChecker = true;
  /// Largest tensor (in elements) the importer folds or materialises; a
  /// guard against hostile files.
  int64_t maxElements = int64_t(1) << 27;
  /// Read the model's metadata_props into module attributes (lib/onnx/
  /// Metadata.h: "mpcvit.preprocess"); off when the caller overrides them.
  bool readMetadata = true;
};

/// Parses an --input-shape value: "NAME:D0xD1x..." or "D0xD1x..." (the
/// first input). Returns the name ("" for the first input) and the dims.
llvm::Expected<std::pair<std::string, std::vector<int64_t>>>
parseInputShape(llvm::StringRef spec);

/// Imports the ONNX file at `path`. External data files are resolved
/// relative to the directory of `path`.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxFile(const std::string &path, mlir::MLIRContext &ctx,
               const ImportOptions &options);

/// Imports a serialized ModelProto held in memory; `name` is used in
/// messages and `baseDir` resolves external data ("" disallows it).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxBytes(llvm::StringRef bytes, llvm::StringRef name,
                const std::string &baseDir, mlir::MLIRContext &ctx,
                const ImportOptions &options);

} // namespace mpcvit::onnx_import

#endif // MPCVIT_ONNX_IMPORTER_H
