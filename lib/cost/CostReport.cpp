//===- CostReport.cpp - per-op, per-layer and total cost of a program -----===//

#include "mpcvit/cost/CostReport.h"

#include "mpcvit/cost/AttentionCost.h"
#include "mpcvit/cost/LayerAttribution.h"
#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/HeadNorm.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <map>

using namespace mlir;

namespace mpcvit::cost {

mpc::CommCost CostReport::total() const {
  mpc::CommCost t;
  for (const OpCost &o : ops)
    t += o.pathCost();
  return t;
}

uint64_t CostReport::sequentialRounds() const {
  uint64_t r = 0;
  for (const OpCost &o : ops)
    r += o.cost.rounds;
  return r;
}

double CostReport::networkSeconds(const NetworkProfile &p) const {
  double s = 0;
  for (const OpCost &o : ops)
    s += cost::networkSeconds(o.pathCost(), p);
  return s;
}

double CostReport::computeSeconds() const {
  double s = 0;
  for (const OpCost &o : ops)
    s += o.computeS.value_or(0.0);
  return s;
}

unsigned CostReport::uncalibratedOps() const {
  unsigned n = 0;
  for (const OpCost &o : ops)
    n += !o.computeS && o.op && !computeWork(o.op).keys.empty();
  return n;
}

std::vector<LayerCost> CostReport::perLayer() const {
  std::map<unsigned, LayerCost> layers;
  LayerCost other;
  for (auto [index, o] : llvm::enumerate(ops)) {
    LayerCost &row = o.layer ? layers[*o.layer] : other;
    row.layer = o.layer;
    row.ops += 1;
    row.cost += o.pathCost();
    row.sequentialRounds += o.cost.rounds;
    if (o.criticalRounds &&
        (!row.criticalOp ||
         o.criticalRounds > ops[*row.criticalOp].criticalRounds))
      row.criticalOp = index;
    row.computeS += o.computeS.value_or(0.0);
    row.networkS.resize(profiles.size(), 0.0);
    for (auto [i, p] : llvm::enumerate(profiles))
      row.networkS[i] += cost::networkSeconds(o.pathCost(), p);
  }
  std::vector<LayerCost> rows;
  for (auto &[l, row] : layers)
    rows.push_back(std::move(row));
  other.networkS.resize(profiles.size(), 0.0);
  rows.push_back(std::move(other));
  return rows;
}

std::string layerName(std::optional<unsigned> l) {
  return l ? std::to_string(*l) : std::string("other");
}

FailureOr<CostReport> buildCostReport(ModuleOp module,
                                      std::vector<NetworkProfile> profiles,
                                      std::optional<Calibration> calibration) {
  CostReport r;
  r.session = mpc::getSession(module);
  r.profiles = std::move(profiles);
  r.calibration = std::move(calibration);
  std::map<int64_t, size_t> attentionIndex;
  bool ok = true;
  // Which ops lie on the critical path of rounds: in every mpc.parallel,
  // the ops of its longest branch (the first, on a tie).
  llvm::DenseSet<Operation *> offPath;
  std::function<void(Block &, bool)> mark = [&](Block &b, bool onPath) {
    for (Operation &op : b) {
      auto par = llvm::dyn_cast<mpc::ParallelOp>(op);
      if (!par) {
        if (!onPath)
          offPath.insert(&op);
        continue;
      }
      std::optional<unsigned> longest;
      uint64_t most = 0;
      for (auto [i, region] : llvm::enumerate(par.getBranches())) {
        FailureOr<mpc::CommCost> c =
            mpc::ParallelOp::branchCost(region.front());
        if (succeeded(c) && (!longest || c->rounds > most)) {
          longest = i;
          most = c->rounds;
        }
      }
      for (auto [i, region] : llvm::enumerate(par.getBranches()))
        mark(region.front(), onPath && longest && i == *longest);
    }
  };
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal())
      mark(fn.getBody().front(), true);
  module.walk([&](Operation *op) {
    if (llvm::isa<ModuleOp, func::FuncOp, func::ReturnOp, mpc::YieldOp>(op))
      return;
    auto iface = llvm::dyn_cast<mpc::CommCostOpInterface>(op);
    if (!iface) {
      op->emitError("--mpcvit-cost-report: ")
          << op->getName()
          << " has no communication cost (expected only mpc ops in a lowered "
             "program: run --mpcvit-lower-to-mpc first)";
      ok = false;
      return;
    }
    if (llvm::isa<mpc::WeightOp, mpc::ConstantOp>(op))
      return;
    FailureOr<mpc::CommCost> c = iface.getCommCost();
    if (failed(c)) {
      op->emitError("--mpcvit-cost-report: no cost for ")
          << op->getName() << " on the runtime's ring 2^64 (expected a "
          << "#mpc.session with ring = 64)";
      ok = false;
      return;
    }
    OpCost oc;
    oc.op = op;
    oc.name = op->getName().getStringRef().str();
    oc.node = nodeName(op->getLoc());
    oc.layer = layerOfNodeName(oc.node);
    if (op->getNumResults() == 1)
      if (auto t =
              llvm::dyn_cast<mpc::RingTensorType>(op->getResult(0).getType())) {
        for (auto [i, d] : llvm::enumerate(t.getShape()))
          oc.shape += (i ? "x" : "") + std::to_string(d);
        if (oc.shape.empty())
          oc.shape = "scalar";
      }
    oc.cost = *c;
    if (auto par = llvm::dyn_cast<mpc::ParallelOp>(op)) {
      // Its branches' ops are rows of their own; the op's row holds only
      // what lock-step adds (the dealer's segment lengths, lockstep.h).
      mpc::CommCost own;
      own.dealerBytes = c->dealerBytes;
      for (Region &region : par.getBranches())
        own.dealerBytes -=
            mpc::ParallelOp::branchCost(region.front())->dealerBytes;
      oc.cost = own;
    }
    oc.criticalRounds = offPath.contains(op) ? 0 : oc.cost.rounds;
    if (r.calibration)
      oc.computeS = computeSeconds(computeWork(op), *r.calibration);
    if (auto info =
            op->getAttrOfType<DictionaryAttr>("mpcvit.attention_norm")) {
      auto get = [&](StringRef k) -> int64_t {
        auto a = info.getAs<IntegerAttr>(k);
        return a ? a.getInt() : -1;
      };
      int64_t id = get("id");
      if (!attentionIndex.count(id)) {
        AttentionHeads a;
        a.id = id;
        a.heads = get("heads");
        a.rows = get("rows");
        a.cols = get("cols");
        a.layer = oc.layer;
        if (auto kinds = info.getAs<ArrayAttr>("kinds"))
          for (Attribute k : kinds)
            if (auto s = llvm::dyn_cast<StringAttr>(k))
              a.kinds.push_back(s.str());
        if (a.rows < 0 || a.cols < 0) {
          op->emitError("--mpcvit-cost-report: mpcvit.attention_norm needs "
                        "integer rows and cols, got ")
              << info;
          ok = false;
          return;
        }
        for (StringRef k : mpc::headKinds()) {
          FailureOr<mpc::CommCost> c =
              headKindCost(module, k, uint64_t(a.rows), uint64_t(a.cols));
          if (failed(c)) {
            op->emitError("--mpcvit-cost-report: no cost for head kind ") << k;
            ok = false;
            return;
          }
          a.perKind.emplace_back(k.str(), *c);
        }
        attentionIndex[id] = r.attention.size();
        r.attention.push_back(std::move(a));
      }
    }
    r.ops.push_back(std::move(oc));
  });
  if (!ok)
    return failure();
  return r;
}

namespace {

bool communicates(const mpc::CommCost &c) {
  return c.bytesServer || c.bytesClient || c.rounds || c.dealerBytes;
}

std::string sessionLine(const CostReport &r) {
  return std::to_string(r.session.getFracBits()) + " fractional bits, " +
         mpc::stringifyTruncKind(r.session.getTrunc()).str() + " truncation, " +
         mpc::stringifyProtocolKind(r.session.getProtocols()).upper() +
         " protocols, ring 2^" + std::to_string(r.session.getRing());
}

/// "1234567 B (1.23 MB)": exact, then in decimal units from 1 kB on.
std::string bytesText(uint64_t b) {
  std::string s = std::to_string(b) + " B";
  static const char *units[] = {"kB", "MB", "GB", "TB"};
  double v = double(b);
  int u = -1;
  while (v >= 1000 && u < 3) {
    v /= 1000;
    ++u;
  }
  if (u >= 0) {
    llvm::raw_string_ostream os(s);
    os << llvm::format(" (%.3g %s)", v, units[u]);
  }
  return s;
}

void costCols(llvm::raw_ostream &os, const mpc::CommCost &c) {
  os << llvm::format(
      "%12llu %12llu %7llu %12llu", (unsigned long long)c.bytesServer,
      (unsigned long long)c.bytesClient, (unsigned long long)c.rounds,
      (unsigned long long)c.dealerBytes);
}

/// "layer": the layer index, or null for ops outside any layer.
void layerJson(llvm::json::OStream &j, std::optional<unsigned> layer) {
  if (layer)
    j.attribute("layer", int64_t(*layer));
  else
    j.attribute("layer", nullptr);
}

void costJson(llvm::json::OStream &j, const mpc::CommCost &c) {
  j.attributeArray("online_bytes_sent_per_party", [&] {
    j.value(int64_t(c.bytesServer));
    j.value(int64_t(c.bytesClient));
  });
  j.attribute("online_bytes_sent_per_party_max",
              int64_t(mpc::maxOnlineBytes(c)));
  j.attribute("online_rounds", int64_t(c.rounds));
  j.attribute("offline_bytes", int64_t(c.dealerBytes));
}

} // namespace

void printCostReportText(const CostReport &r, llvm::raw_ostream &os) {
  os << "mpcvit cost report (" << sessionLine(r)
     << "); bytes and rounds per inference, online bytes sent by each "
        "party, offline bytes sent by the dealer\n\n";
  os << "per op (ops that communicate):\n";
  os << llvm::format("%-5s %-17s %-6s %-14s %12s %12s %7s %12s  %s\n", "#",
                     "op", "layer", "shape", "server B", "client B", "rounds",
                     "dealer B", "node");
  for (auto [i, o] : llvm::enumerate(r.ops)) {
    if (!communicates(o.cost))
      continue;
    os << llvm::format("%-5u %-17s %-6s %-14s ", unsigned(i), o.name.c_str(),
                       layerName(o.layer).c_str(), o.shape.c_str());
    costCols(os, o.cost);
    os << "  " << (o.node.empty() ? "-" : o.node) << "\n";
  }
  os << "\nper layer (rounds along the critical path: independent branches "
        "share rounds; seq = if every op ran alone):\n";
  os << llvm::format("%-6s %5s %12s %12s %7s %12s %7s  %s\n", "layer", "ops",
                     "server B", "client B", "rounds", "dealer B", "seq",
                     "critical path set by");
  for (const LayerCost &row : r.perLayer()) {
    os << llvm::format("%-6s %5u ", layerName(row.layer).c_str(), row.ops);
    costCols(os, row.cost);
    os << llvm::format(" %7llu  ", (unsigned long long)row.sequentialRounds);
    if (row.criticalOp) {
      const OpCost &o = r.ops[*row.criticalOp];
      os << "#" << *row.criticalOp << " " << o.name << " (" << o.criticalRounds
         << " rounds)";
    } else {
      os << "-";
    }
    os << "\n";
  }
  mpc::CommCost t = r.total();
  os << llvm::format("%-6s %5u ", "total", unsigned(r.ops.size()));
  costCols(os, t);
  os << llvm::format(" %7llu", (unsigned long long)r.sequentialRounds());
  os << "\n";
  if (!r.attention.empty()) {
    os << "\nattention normalisations, cost of ONE head (rows x cols) under "
          "each kind:\n";
    os << llvm::format("%-4s %-6s %5s %-9s %-13s %12s %12s %7s %12s\n", "id",
                       "layer", "heads", "head", "kind", "server B", "client B",
                       "rounds", "dealer B");
    for (const AttentionHeads &a : r.attention) {
      std::string hs = std::to_string(a.rows) + "x" + std::to_string(a.cols);
      std::string kinds;
      for (auto [i, k] : llvm::enumerate(a.kinds))
        kinds += (i ? "," : "") + k;
      for (auto &[k, c] : a.perKind) {
        os << llvm::format("%-4lld %-6s %5lld %-9s %-13s ", (long long)a.id,
                           layerName(a.layer).c_str(), (long long)a.heads,
                           hs.c_str(), k.c_str());
        costCols(os, c);
        os << "\n";
      }
      os << "     kinds per head: " << kinds << "\n";
    }
  }
  os << "\nestimated online latency = critical-path rounds*RTT/2 + max-party "
        "bytes/bandwidth (per op) + compute";
  if (r.calibration)
    os << " (calibration " << r.calibration->path << ", " << r.uncalibratedOps()
       << " ops uncalibrated: 0 s)";
  else
    os << " (compute unknown: 0 s, pass calibration=FILE)";
  os << ":\n";
  os << llvm::format("%-22s %10s %9s %11s %11s %11s\n", "profile", "Mbit/s",
                     "RTT ms", "network s", "compute s", "total s");
  for (const NetworkProfile &p : r.profiles) {
    double net = r.networkSeconds(p), comp = r.computeSeconds();
    os << llvm::format("%-22s %10.1f %9.3f %11.4f %11.4f %11.4f\n",
                       p.name.c_str(), p.bandwidthBps / 1e6, p.rttSeconds * 1e3,
                       net, comp, net + comp);
  }
}

void printCostReportJson(const CostReport &r, llvm::raw_ostream &os) {
  llvm::json::OStream j(os, 1);
  j.object([&] {
    j.attribute("format", "mpcvit.cost-report.v1");
    j.attributeObject("session", [&] {
      j.attribute("ring_bits", int64_t(r.session.getRing()));
      j.attribute("frac_bits", int64_t(r.session.getFracBits()));
      j.attribute("trunc", mpc::stringifyTruncKind(r.session.getTrunc()));
      j.attribute("protocols",
                  mpc::stringifyProtocolKind(r.session.getProtocols()));
    });
    j.attributeObject("total", [&] {
      costJson(j, r.total());
      j.attribute("sequential_rounds", int64_t(r.sequentialRounds()));
    });
    j.attributeArray("layers", [&] {
      for (const LayerCost &row : r.perLayer())
        j.object([&] {
          layerJson(j, row.layer);
          j.attribute("ops", int64_t(row.ops));
          costJson(j, row.cost);
          j.attribute("sequential_rounds", int64_t(row.sequentialRounds));
          if (row.criticalOp)
            j.attributeObject("critical_op", [&] {
              const OpCost &o = r.ops[*row.criticalOp];
              j.attribute("index", int64_t(*row.criticalOp));
              j.attribute("op", o.name);
              j.attribute("node", o.node);
              j.attribute("rounds", int64_t(o.criticalRounds));
            });
          else
            j.attribute("critical_op", nullptr);
        });
    });
    j.attributeArray("attention", [&] {
      for (const AttentionHeads &a : r.attention)
        j.object([&] {
          j.attribute("id", a.id);
          layerJson(j, a.layer);
          j.attribute("heads", a.heads);
          j.attribute("rows", a.rows);
          j.attribute("cols", a.cols);
          j.attributeArray("kinds", [&] {
            for (const std::string &k : a.kinds)
              j.value(k);
          });
          j.attributeObject("per_head", [&] {
            // No structured bindings here: C++17 lambdas cannot capture
            // them (clang rejects it).
            for (const auto &kc : a.perKind)
              j.attributeObject(kc.first, [&] { costJson(j, kc.second); });
          });
        });
    });
    j.attributeArray("latency", [&] {
      for (const NetworkProfile &p : r.profiles)
        j.object([&] {
          double net = r.networkSeconds(p), comp = r.computeSeconds();
          j.attribute("profile", p.name);
          j.attribute("bandwidth_bps", p.bandwidthBps);
          j.attribute("rtt_s", p.rttSeconds);
          j.attribute("network_s", net);
          j.attribute("compute_s", comp);
          j.attribute("compute_known", r.calibration.has_value());
          j.attribute("total_s", net + comp);
        });
    });
    if (r.calibration) {
      j.attribute("calibration", r.calibration->path);
      j.attribute("uncalibrated_ops", int64_t(r.uncalibratedOps()));
    }
    j.attributeArray("ops", [&] {
      for (size_t i = 0; i < r.ops.size(); ++i)
        j.object([&, &o = r.ops[i]] {
          j.attribute("index", int64_t(i));
          j.attribute("op", o.name);
          layerJson(j, o.layer);
          j.attribute("node", o.node);
          j.attribute("shape", o.shape);
          costJson(j, o.cost);
          j.attribute("critical_rounds", int64_t(o.criticalRounds));
          if (o.computeS)
            j.attribute("compute_s", *o.computeS);
        });
    });
  });
  os << "\n";
}

void printCostSummary(const CostReport &r, llvm::raw_ostream &os,
                      unsigned topLayers) {
  mpc::CommCost t = r.total();
  double compute = r.computeSeconds();
  os << "predicted cost per inference (" << sessionLine(r) << "):\n";
  os << "  online bytes    server " << bytesText(t.bytesServer) << ", client "
     << bytesText(t.bytesClient) << "\n";
  os << "  online rounds   " << t.rounds << "\n";
  os << "  dealer bytes    " << bytesText(t.dealerBytes) << ", offline\n";
  os << "  latency        ";
  for (auto [i, p] : llvm::enumerate(r.profiles))
    os << (i ? ", " : " ") << p.name << " "
       << llvm::format("%.4g s", r.networkSeconds(p) + compute);
  if (r.calibration) {
    os << " (network + compute)\n  calibration     " << r.calibration->path;
    if (unsigned n = r.uncalibratedOps())
      os << " (" << n << (n == 1 ? " op" : " ops") << " uncalibrated: 0 s)";
    os << "\n";
  } else {
    os << " (network only: no calibration)\n";
  }
  if (r.profiles.empty() || !topLayers)
    return;
  // Ranked by latency under the last profile.
  size_t last = r.profiles.size() - 1;
  double all = r.networkSeconds(r.profiles[last]) + compute;
  std::vector<LayerCost> rows = r.perLayer();
  llvm::erase_if(rows, [](const LayerCost &row) { return !row.ops; });
  auto seconds = [&](const LayerCost &row) {
    return row.networkS[last] + row.computeS;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const LayerCost &a, const LayerCost &b) {
                     return seconds(a) > seconds(b);
                   });
  if (rows.size() > topLayers)
    rows.resize(topLayers);
  os << "  costliest layers under " << r.profiles[last].name << ":\n";
  for (const LayerCost &row : rows) {
    std::string name =
        row.layer ? "layer " + layerName(row.layer) : layerName(row.layer);
    os << llvm::format("    %-9s %.4g s (%.1f%%)", name.c_str(), seconds(row),
                       all > 0 ? 100 * seconds(row) / all : 0.0)
       << ", server " << row.cost.bytesServer << " B, client "
       << row.cost.bytesClient << " B, " << row.cost.rounds << " rounds\n";
  }
}

} // namespace mpcvit::cost
