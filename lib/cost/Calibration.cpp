//===- Calibration.cpp - local compute time per unit of work --------------===//

#include "mpcvit/cost/Calibration.h"

#include "mpcvit/dialects/mpc/MpcOps.h"

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

ComputeWork computeWork(Operation *op) {
  ComputeWork w;
  if (auto k = llvm::dyn_cast<mpc::KernelOpInterface>(op)) {
    for (std::string &key : k.getCalibrationKeys())
      w.keys.push_back(std::move(key));
    w.units = k.getCalibrationUnits();
  }
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
