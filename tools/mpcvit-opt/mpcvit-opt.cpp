//===- mpcvit-opt.cpp - the mpcvit pass driver ------------------*- C++ -*-===//
//
// mlir-opt for mpcvit: parses IR in the `vit` and `mpc` dialects (plus func,
// arith and tensor), runs the --mpcvit-* passes, verifies and prints.
// `--help` lists the passes and the common mlir-opt flags only; the other
// MLIR and LLVM options still work (`--help-hidden` lists them).
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "mpcvit/dialects/mpc/MpcDialect.h"
#include "mpcvit/dialects/vit/VitDialect.h"
#include "mpcvit/passes/Passes.h"
#include "mpcvit/support/ToolOptions.h"

static llvm::cl::OptionCategory optCategory("mpcvit-opt options");

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mpcvit::vit::VitDialect, mpcvit::mpc::MpcDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  // The generic MLIR transforms useful between and after the mpcvit passes
  // (the others, for loops, memory and calls, do not apply to vit or mpc IR
  // and would fill --help).
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSCCPPass();
  mlir::registerSymbolDCEPass();
  mlir::registerStripDebugInfoPass();
  mlir::registerPrintOpStatsPass();
  mpcvit::registerMPCVitPasses();
  mpcvit::registerMpcvitPipeline();
  std::string helpHeader = mlir::registerCLIOptions(
      "mpcvit optimizer: ViT (vit) and 2PC (mpc) dialects\n", registry);
  // The pass list is registered under each pass's name ("mpcvit-*"); -o
  // and the input file are registered by parseCLIOptions, after this.
  mpcvit::setupToolOptions("mpcvit-opt", optCategory,
                           {"mpcvit-*", "pass-pipeline", "split-input-file",
                            "verify-diagnostics", "mlir-print-debuginfo",
                            "mlir-print-ir-after-all"});
  auto [inputFile, outputFile] = mlir::parseCLIOptions(argc, argv, helpHeader);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFile, outputFile, registry));
}
