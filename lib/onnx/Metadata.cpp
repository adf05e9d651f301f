//===- Metadata.cpp - ONNX metadata_props → module attributes -------------===//

#include "Metadata.h"

#include "mpcvit/support/Preprocess.h"

namespace mpcvit::onnx_import {

llvm::Error importMetadata(const onnx::ModelProto &model, llvm::StringRef file,
                           mlir::ModuleOp module) {
  auto err = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + file + "': metadata_props \"" +
                                       kPreprocessMetadataKey + "\": " + msg);
  };
  bool seen = false;
  for (const onnx::StringStringEntryProto &e : model.metadata_props()) {
    if (e.key() != kPreprocessMetadataKey.str())
      continue;
    if (seen)
      return err("given twice");
    seen = true;
    llvm::Expected<Preprocess> p = parsePreprocessJson(e.value());
    if (!p)
      return err(llvm::toString(p.takeError()));
    if (llvm::Error e2 = setModulePreprocess(module, *p))
      return err(llvm::toString(std::move(e2)) +
                 " (fix the export, or override it with mpcvit-compile "
                 "--preprocess)");
  }
  return llvm::Error::success();
}

} // namespace mpcvit::onnx_import
