//===- Pipeline.cpp - --mpcvit-pipeline -----------------------------------===//
//
// The MPC-friendly rewrite pipeline of DESIGN.md §1 in one flag:
// --mpcvit-pipeline=arch=FILE runs raise (when the importer's patterns are
// present), replace-softmax, linearize-gelu and fuse-linear with one arch.json.
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
  ReplaceSoftmaxOptions replace;
  replace.archFile = archFile.str();
  pm.addPass(createReplaceSoftmax(replace));
  LinearizeGeluOptions linearize;
  linearize.archFile = archFile.str();
  pm.addPass(createLinearizeGelu(linearize));
  pm.addPass(createFuseLinear());
  pm.addPass(createCanonicalizerPass());
}

void registerMpcvitPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "mpcvit-pipeline",
      "MPC-friendly rewrites driven by arch.json: replace-softmax, "
      "linearize-gelu, fuse-linear",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildMpcvitPipeline(pm, options.arch);
      });
}

} // namespace mpcvit
