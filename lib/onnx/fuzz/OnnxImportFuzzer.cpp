//===- OnnxImportFuzzer.cpp - libFuzzer target of the importer --*- C++ -*-===//
//
// Feeds arbitrary bytes to importOnnxBytes (protobuf parsing, ONNX checker
// and shape inference, graph import, verification). Any input must yield a
// module or an llvm::Error; crashes, sanitizer reports, leaks and timeouts
// are bugs. Built with -DMPCVIT_BUILD_FUZZERS=ON and clang; run with
// bench/fuzz_onnx.sh.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/onnx/Importer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  mpcvit::onnx_import::ImportOptions opts;
  opts.maxElements = int64_t(1) << 20; // keep each input's work small
  auto module = mpcvit::onnx_import::importOnnxBytes(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      /*baseDir=*/"", ctx, opts);
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  // Printing walks every op and attribute of a module that verified.
  (*module)->print(llvm::nulls());
  return 0;
}
