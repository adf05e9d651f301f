//===- Pipeline.cpp - --mpcvit-pipeline -----------------------------------===//
//
// The MPC-friendly rewrite pipeline of DESIGN.md §1 in one flag:
// --mpcvit-pipeline[=arch=FILE] runs raise-patterns, replace-softmax and
// linearize-gelu with one arch.json (when given), fuse-linear and
// canonicalize: an imported model goes straight to --mpcvit-lower-to-mpc.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace mpcvit {

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("arch.json (mpcvit.arch.v1) with the "
                                          "per-head kinds and GeLU masks")};
};
} // namespace

void buildMpcvitPipeline(OpPassManager &pm, StringRef archFile) {
  pm.addPass(createRaisePatterns());
  if (!archFile.empty()) {
    ReplaceSoftmaxOptions replace;
    replace.archFile = archFile.str();
    pm.addPass(createReplaceSoftmax(replace));
    LinearizeGeluOptions linearize;
    linearize.archFile = archFile.str();
    pm.addPass(createLinearizeGelu(linearize));
  }
  pm.addPass(createFuseLinear());
  pm.addPass(createCanonicalizerPass());
}

void registerMpcvitPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "mpcvit-pipeline",
      "MPC-friendly rewrites: raise-patterns, then replace-softmax and "
      "linearize-gelu driven by arch=FILE (when given), fuse-linear",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildMpcvitPipeline(pm, options.arch);
      });
}

} // namespace mpcvit
