//===- CostReport.cpp - --mpcvit-cost-report -------------------*- C++ -*-===//
//
// Prints the exact communication cost of a lowered mpc program per op, per
// layer and in total, the per-head cost of every attention kind, and the
// estimated latency per network profile (text or JSON). The data and the
// printers are in lib/cost/CostReport.cpp; this pass parses the options.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/cost/CostReport.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mpcvit {
#define GEN_PASS_DEF_COSTREPORT
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;

namespace {

struct CostReportPass : public mpcvit::impl::CostReportBase<CostReportPass> {
  using CostReportBase::CostReportBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<mpcvit::cost::NetworkProfile> ps;
    // The list option splits `custom:BW,RTT` at its comma: join it back.
    std::vector<std::string> names;
    for (const std::string &p : profiles) {
      if (!names.empty() &&
          llvm::StringRef(names.back()).starts_with("custom:") &&
          names.back().find(',') == std::string::npos)
        names.back() += "," + p;
      else
        names.push_back(p);
    }
    if (names.empty())
      names = {"lan", "wan", "wan-slow"};
    for (const std::string &n : names) {
      auto p = mpcvit::cost::parseNetworkProfile(n);
      if (!p) {
        module.emitError("--mpcvit-cost-report: ")
            << llvm::toString(p.takeError());
        return signalPassFailure();
      }
      ps.push_back(*p);
    }
    std::optional<mpcvit::cost::Calibration> calib;
    if (!calibration.empty()) {
      auto c = mpcvit::cost::loadCalibration(calibration);
      if (!c) {
        module.emitError("--mpcvit-cost-report: ")
            << llvm::toString(c.takeError());
        return signalPassFailure();
      }
      calib = std::move(*c);
    }
    FailureOr<mpcvit::cost::CostReport> r =
        mpcvit::cost::buildCostReport(module, std::move(ps), std::move(calib));
    if (failed(r))
      return signalPassFailure();
    std::string err;
    std::unique_ptr<llvm::ToolOutputFile> file;
    llvm::raw_ostream *os = &llvm::outs();
    if (output != "-") {
      file = openOutputFile(output, &err);
      if (!file) {
        module.emitError("--mpcvit-cost-report: cannot write ")
            << output << ": " << err;
        return signalPassFailure();
      }
      os = &file->os();
    }
    if (json)
      mpcvit::cost::printCostReportJson(*r, *os);
    else
      mpcvit::cost::printCostReportText(*r, *os);
    os->flush();
    if (file)
      file->keep();
    markAllAnalysesPreserved();
  }
};

} // namespace
