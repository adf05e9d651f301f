//===- mpcvit-opt.cpp - the mpcvit pass driver ------------------*- C++ -*-===//
//
// mlir-opt for mpcvit: parses IR in the `vit` and `mpc` dialects (plus func,
// arith and tensor), runs the --mpcvit-* passes, verifies and prints.
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

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mpcvit::vit::VitDialect, mpcvit::mpc::MpcDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  // Generic MLIR transforms (canonicalize, cse, symbol-dce, print-op-stats,
  // ...) are useful between and after the mpcvit passes.
  mlir::registerTransformsPasses();
  mpcvit::registerMPCVitPasses();
  mpcvit::registerMpcvitPipeline();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "mpcvit optimizer: ViT (vit) and 2PC (mpc) dialects\n",
      registry));
}
