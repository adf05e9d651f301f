//===- Calibration.cpp - local compute time per unit of work --------------===//

#include "mpcvit/cost/Calibration.h"

#include "mpcvit/dialects/mpc/MpcOps.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace llvm;

namespace mpcvit::cost {

Expected<Calibration> loadCalibration(StringRef path) {
  auto err = [&](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             "calibration file " + path + ": " + msg);
  };
  auto buf = MemoryBuffer::getFile(path);
  if (!buf)
    return err("cannot read: " + buf.getError().message());
  Expected<json::Value> v = json::parse((*buf)->getBuffer());
  if (!v)
    return err("invalid JSON: " + toString(v.takeError()));
  const json::Object *o = v->getAsObject();
  if (!o)
    return err("expected a JSON object");
  std::optional<StringRef> format = o->getString("format");
  if (!format || *format != "mpcvit.calibration.v1")
    return err("expected \"format\": \"mpcvit.calibration.v1\"");
  const json::Object *units = o->getObject("seconds_per_unit");
  if (!units)
    return err("expected an object \"seconds_per_unit\"");
  Calibration c;
  c.path = path.str();
  for (const auto &kv : *units) {
    std::optional<double> s = kv.second.getAsNumber();
    if (!s || *s < 0)
      return err("seconds_per_unit." + kv.first.str() +
                 " must be a number >= 0");
    c.secondsPerUnit[kv.first.str()] = *s;
  }
  return c;
}

ComputeWork computeWork(Operation *op, const mpc::CostSession &s) {
  ComputeWork w;
  auto elems = [](Value v) {
    return llvm::cast<mpc::RingTensorType>(v.getType()).getNumElements();
  };
  std::string name = op->getName().stripDialect().str();
  std::string cmp = s.dcfCompare ? "dcf" : "a2b";
  std::string trunc = s.dealerTrunc ? "dealer" : "local";
  auto comparing = [&](Value in) {
    w.keys = {name + "." + cmp + "." + trunc, name + "." + cmp, name};
    w.units = elems(in);
  };
  auto plain = [&](Value v) {
    w.keys = {name};
    w.units = elems(v);
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case<mpc::WeightOp, mpc::ConstantOp, mpc::ShareOp>([](auto) {})
      .Case([&](mpc::MMulSPOp m) {
        auto wt = llvm::cast<mpc::RingTensorType>(m.getRhs().getType());
        uint64_t k = wt.getShape()[0], n = wt.getShape()[1];
        w.keys = {name};
        w.units = elems(m.getLhs()) / (k ? k : 1) * k * n;
      })
      .Case([&](mpc::MMulSSOp m) {
        auto xs = llvm::cast<mpc::RingTensorType>(m.getLhs().getType());
        auto ys = llvm::cast<mpc::RingTensorType>(m.getRhs().getType());
        w.keys = {name};
        w.units = xs.getNumElements() * uint64_t(ys.getShape().back());
      })
      .Case([&](mpc::TruncOp t) {
        w.keys = {std::string("trunc.") +
                  (t.getKind() == mpc::TruncKind::Local ? "local" : "dealer")};
        w.units = elems(t.getResult());
      })
      .Case<mpc::ReluOp, mpc::DReluOp, mpc::MaxOp, mpc::GeluOp, mpc::SoftmaxOp,
            mpc::ReluSoftmaxOp, mpc::TwoQuadOp, mpc::TwoReluOp,
            mpc::LayerNormOp, mpc::ReciprocalOp, mpc::RsqrtOp, mpc::ExpOp>(
          [&](Operation *o) { comparing(o->getOperand(0)); })
      .Case<mpc::MulSSOp, mpc::SquareOp, mpc::SelectOp, mpc::RevealOp,
            mpc::MulSPOp>([&](Operation *o) { plain(o->getResult(0)); })
      .Default([&](Operation *o) {
        if (o->getNumResults() == 1 &&
            llvm::isa<mpc::RingTensorType>(o->getResult(0).getType())) {
          w.keys = {"local"};
          w.units = elems(o->getResult(0));
        }
      });
  return w;
}

std::optional<double> computeSeconds(const ComputeWork &w,
                                     const Calibration &c) {
  for (const std::string &k : w.keys) {
    auto it = c.secondsPerUnit.find(k);
    if (it != c.secondsPerUnit.end())
      return it->second * double(w.units);
  }
  return std::nullopt;
}

} // namespace mpcvit::cost
