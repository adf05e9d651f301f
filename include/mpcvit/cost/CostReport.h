//===- CostReport.h - per-op, per-layer and total cost of a program -*- C++
//-*-===//
//
// The data and the printers behind `--mpcvit-cost-report` (passes/
// CostReport.cpp) and mpcvit-compile's summary: for every op of a lowered `mpc`
// program its exact communication (CommCostOpInterface: online bytes sent by
// each party, online rounds, offline dealer bytes, per inference), its layer
// (LayerAttribution.h) and its compute time (Calibration.h, when given);
// the sums per layer and in total; the per-head cost of every kind for each
// attention normalisation (AttentionCost.h); and the estimated online
// latency per network profile:
//   latency = Σ_ops (criticalRounds·RTT/2 + 8·max_p bytes_p / bandwidth)
//             + compute.
// Rounds are counted along the critical path: the branches of an
// mpc.parallel share rounds (rt::lockstep_cost), so only the ops of its
// longest branch add theirs (OpCost::criticalRounds); bytes always add.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_COSTREPORT_H
#define MPCVIT_COST_COSTREPORT_H

#include "mpcvit/cost/Calibration.h"
#include "mpcvit/cost/NetworkProfile.h"
#include "mpcvit/dialects/mpc/CommCost.h"
#include "mpcvit/dialects/mpc/MpcAttrs.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace mpcvit::cost {

struct OpCost {
  mlir::Operation *op = nullptr;
  std::string name;              ///< e.g. "mpc.softmax"
  std::string node;              ///< ONNX node name ("" when unknown)
  std::optional<unsigned> layer; ///< nullopt: the "other" row
  std::string shape;             ///< result type, e.g. "1x4x17x17"
  mpc::CommCost cost;            ///< the op on its own
  /// Rounds this op adds to the program's critical path: cost.rounds when
  /// it lies on the longest branch of every enclosing mpc.parallel, else 0
  /// (its rounds are shared with a longer branch; lockstep.h).
  uint64_t criticalRounds = 0;
  std::optional<double> computeS; ///< nullopt: uncalibrated
  /// cost with rounds = criticalRounds: what the op adds to the program.
  mpc::CommCost pathCost() const {
    mpc::CommCost c = cost;
    c.rounds = criticalRounds;
    return c;
  }
};

struct AttentionHeads {
  int64_t id = 0, heads = 0, rows = 0, cols = 0;
  std::optional<unsigned> layer;
  std::vector<std::string> kinds;                             ///< per head
  std::vector<std::pair<std::string, mpc::CommCost>> perKind; ///< one head
};

/// The ops of one layer (LayerAttribution.h) summed.
struct LayerCost {
  std::optional<unsigned> layer; ///< nullopt: the "other" row
  unsigned ops = 0;
  /// Bytes summed; rounds along the critical path (Σ criticalRounds).
  mpc::CommCost cost;
  uint64_t sequentialRounds = 0; ///< Σ rounds if every op ran alone
  /// The op adding the most rounds to the layer's critical path (index in
  /// CostReport::ops; nullopt when the layer has no rounds).
  std::optional<size_t> criticalOp;
  double computeS = 0;          ///< uncalibrated ops count 0
  std::vector<double> networkS; ///< per profile of the report, in order
};

struct CostReport {
  mpc::SessionAttr session; ///< the module's #mpc.session
  std::vector<OpCost> ops;  ///< program order, weights/constants excluded
  std::vector<AttentionHeads> attention;
  std::optional<Calibration> calibration;
  std::vector<NetworkProfile> profiles;

  /// Bytes summed, rounds along the critical path (= the runtime's
  /// counters).
  mpc::CommCost total() const;
  /// Σ_ops rounds as if every op ran alone (no lock-step).
  uint64_t sequentialRounds() const;
  /// Σ_ops network seconds under `p` (each op's transfer is that of the
  /// party sending more).
  double networkSeconds(const NetworkProfile &p) const;
  /// Σ_ops compute seconds (uncalibrated ops count 0).
  double computeSeconds() const;
  unsigned uncalibratedOps() const;
  /// The per-layer rows: layers ascending, then "other" (always present).
  std::vector<LayerCost> perLayer() const;
};

/// "3" for layer 3, "other" for nullopt.
std::string layerName(std::optional<unsigned> layer);

/// Builds the report of the single function with a body in `module`.
/// Errors (emitted on the op) when an op does not implement
/// CommCostOpInterface or its cost fails (ring other than ℓ = 64 for a
/// runtime protocol, malformed session attributes).
mlir::FailureOr<CostReport>
buildCostReport(mlir::ModuleOp module, std::vector<NetworkProfile> profiles,
                std::optional<Calibration> calibration);

/// Human-readable tables: per op (ops that communicate), per layer, total,
/// attention heads per kind, latency per profile.
void printCostReportText(const CostReport &r, llvm::raw_ostream &os);
/// The same as one JSON object (format "mpcvit.cost-report.v1").
void printCostReportJson(const CostReport &r, llvm::raw_ostream &os);
/// A few indented lines (mpcvit-compile's summary): the total online bytes
/// of each party, rounds and dealer bytes, the latency under each profile
/// and the `topLayers` rows of perLayer() with the largest latency under
/// the report's last profile (e.g. wan after lan).
void printCostSummary(const CostReport &r, llvm::raw_ostream &os,
                      unsigned topLayers = 3);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_COSTREPORT_H
