//===- WeightsFile.cpp - write NAME.weights
//--------------------------------===//
//
// Format (shared with runtime/src/weights_file.cpp, the reader): "MPCVITW1",
// u64 program hash, u32 count, then per weight u32 name length, name, u32
// rank, rank × i64 dims, u32 fractional bits, numel × u64 ring elements
// round(v · 2^frac) mod 2^64; all little-endian.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/target/Program.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace mpcvit::target {

namespace {
/// The float values of a weight's `value` attribute, row-major.
FailureOr<std::vector<double>> weightValues(mpc::WeightOp w) {
  Attribute attr = w.getValue();
  std::vector<double> out;
  if (auto dense = llvm::dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &v : dense.getValues<APFloat>()) {
      APFloat d = v;
      bool lost = false;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(d.convertToDouble());
    }
    return out;
  }
  if (auto r = llvm::dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    if (std::optional<ArrayRef<float>> d = r.tryGetAsArrayRef()) {
      out.assign(d->begin(), d->end());
      return out;
    }
  }
  if (auto r = llvm::dyn_cast<DenseF64ResourceElementsAttr>(attr)) {
    if (std::optional<ArrayRef<double>> d = r.tryGetAsArrayRef()) {
      out.assign(d->begin(), d->end());
      return out;
    }
  }
  return w.emitOpError("weight data is not available (elided or not f32/f64 "
                       "dense / dense_resource)"),
         failure();
}

template <typename T> void put(llvm::raw_ostream &os, T v) {
  os.write(reinterpret_cast<const char *>(&v), sizeof(T));
}
} // namespace

LogicalResult writeWeightsFile(const ProgramView &program, StringRef path) {
  ProgramView p = program;
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return p.fn->getParentOp()->emitError("cannot write the weights file ")
           << path << ": " << ec.message();
  os.write("MPCVITW1", 8);
  put<uint64_t>(os, programHash(p));
  put<uint32_t>(os, uint32_t(p.weights.size()));
  for (mpc::WeightOp w : p.weights) {
    auto t = llvm::cast<mpc::RingTensorType>(w.getResult().getType());
    FailureOr<std::vector<double>> vals = weightValues(w);
    if (failed(vals))
      return failure();
    if (int64_t(vals->size()) != t.getNumElements())
      return w.emitOpError("weight data has ")
             << vals->size() << " elements, the type " << t.getNumElements();
    StringRef name = w.getName();
    put<uint32_t>(os, uint32_t(name.size()));
    os << name;
    put<uint32_t>(os, uint32_t(t.getRank()));
    for (int64_t d : t.getShape())
      put<int64_t>(os, d);
    put<uint32_t>(os, t.getFracBits());
    const double scale = std::ldexp(1.0, int(t.getFracBits()));
    for (double v : *vals) {
      double s = v * scale;
      if (!std::isfinite(s) || std::fabs(s) >= std::ldexp(1.0, 62))
        return w.emitOpError("weight value ")
               << v << " does not fit the ring with " << t.getFracBits()
               << " fractional bits";
      put<uint64_t>(os, uint64_t(int64_t(std::llround(s))));
    }
  }
  os.close();
  if (os.has_error())
    return p.fn->getParentOp()->emitError("error writing ") << path;
  return success();
}

} // namespace mpcvit::target
