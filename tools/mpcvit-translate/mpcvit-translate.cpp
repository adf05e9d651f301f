//===- mpcvit-translate.cpp - translations into and out of vit --*- C++ -*-===//
//
//   mpcvit-translate --import-onnx model.onnx [-o model.mlir]
//       [--input-shape [NAME:]1x3x32x32]... [--no-onnx-checker]
//       [--emit-bytecode]
//
// Imports an ONNX model into the `vit` dialect (see mpcvit/onnx/Importer.h)
// and prints it (weights as dense_resource blobs in the file's
// dialect_resources section). Errors go to stderr as
// "mpcvit-translate: error: ..." with exit status 1.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/onnx/Importer.h"
#include "mpcvit/support/ToolOptions.h"
#include "mpcvit/target/ToCpp.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory toolOptions("mpcvit-translate options");

static cl::opt<bool> importOnnx("import-onnx",
                                cl::desc("Import an ONNX model into the vit "
                                         "dialect"),
                                cl::cat(toolOptions));
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input>"),
                                      cl::Required, cl::cat(toolOptions));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("filename"),
                                       cl::init("-"), cl::cat(toolOptions));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Static shape for an input with dynamic dimensions: "
                         "[NAME:]D0xD1x... (no NAME: the first input)"),
                cl::cat(toolOptions));
static cl::opt<bool> noChecker("no-onnx-checker",
                               cl::desc("Skip onnx::checker and ONNX shape "
                                        "inference"),
                               cl::cat(toolOptions));
static cl::opt<bool> emitCpp("emit-cpp",
                             cl::desc("Emit C++ against the 2PC runtime from "
                                      "an mpc module (lib/target)"),
                             cl::cat(toolOptions));
static cl::opt<bool> emitBytecode("emit-bytecode",
                                  cl::desc("Write MLIR bytecode"),
                                  cl::cat(toolOptions));

static int fail(const Twine &msg) {
  errs() << "mpcvit-translate: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  mpcvit::setupToolOptions("mpcvit-translate", toolOptions);
  cl::ParseCommandLineOptions(argc, argv, "mpcvit translations\n");
  if (emitCpp)
    return mpcvit::target::translateToCpp(inputFile, outputFile);
  if (!importOnnx)
    return fail("choose a translation (--import-onnx or --emit-cpp)");
  mpcvit::onnx_import::ImportOptions opts;
  opts.runChecker = !noChecker;
  for (const std::string &s : inputShapes) {
    auto parsed = mpcvit::onnx_import::parseInputShape(s);
    if (!parsed)
      return fail(toString(parsed.takeError()));
    opts.inputShapes[parsed->first] = parsed->second;
  }
  mlir::MLIRContext ctx;
  ctx.loadDialect<mpcvit::vit::VitDialect, mlir::func::FuncDialect>();
  auto module = mpcvit::onnx_import::importOnnxFile(inputFile, ctx, opts);
  if (!module)
    return fail(toString(module.takeError()));
  std::string err;
  std::unique_ptr<ToolOutputFile> out = mlir::openOutputFile(outputFile, &err);
  if (!out)
    return fail(err);
  if (emitBytecode) {
    if (mlir::failed(mlir::writeBytecodeToFile(**module, out->os())))
      return fail("cannot write bytecode");
  } else {
    (*module)->print(out->os());
    out->os() << "\n";
  }
  out->keep();
  return 0;
}
