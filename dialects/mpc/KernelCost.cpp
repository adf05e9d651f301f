//===- KernelCost.cpp - the terms of the ops' declared costs ----*- C++ -*-===//
//
// Every op's cost is declared with the op (MpcOps.td `cost`) as the runtime's
// closed-form cost function of exactly the kernel the emitter calls for it,
// evaluated for the op's shapes and the session of its module. This file
// provides the terms those declarations are written in and the two op
// interfaces' generated code. A program's measured counters equal the sum
// over its ops (test/cost/exact-fmnist.test).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/KernelCost.h"
#include "mpcvit/dialects/mpc/CommCostOpInterface.h"
#include "mpcvit/dialects/mpc/KernelOpInterface.h"
#include "mpcvit/dialects/mpc/MpcDialect.h"

#include "mpcvit/dialects/mpc/CommCostOpInterface.cpp.inc"
#include "mpcvit/dialects/mpc/KernelOpInterface.cpp.inc"

using namespace mlir;

namespace mpcvit::mpc {

static RingTensorType ringType(Value v) {
  return llvm::dyn_cast<RingTensorType>(v.getType());
}

FailureOr<KernelCostArgs> KernelCostArgs::of(Operation *op) {
  SessionAttr session = getSession(op);
  if (session.getRing() != MpcDialect::kRingBits)
    return failure();
  KernelCostArgs a;
  a.s.frac = int(session.getFracBits());
  a.s.trunc = truncMode(session.getTrunc());
  a.s.cmp = protocolSuite(session.getProtocols());
  RingTensorType res =
      op->getNumResults() ? ringType(op->getResult(0)) : RingTensorType();
  RingTensorType in = op->getNumOperands() ? ringType(op->getOperand(0)) : res;
  if (res)
    a.out = res.getNumElements();
  if (in) {
    a.n = in.getNumElements();
    a.cols = in.getRank() ? uint64_t(in.getShape().back()) : 1;
    a.rows = a.cols ? a.n / a.cols : 0;
    if (res)
      a.shift = int(in.getFracBits()) - int(res.getFracBits());
  }
  return a;
}

uint64_t dim(Value v, int i) {
  ArrayRef<int64_t> shape = llvm::cast<RingTensorType>(v.getType()).getShape();
  int64_t r = int64_t(shape.size());
  int64_t k = i < 0 ? r + i : i;
  return k >= 0 && k < r ? uint64_t(shape[k]) : 1;
}

uint64_t elements(Value v) {
  return llvm::cast<RingTensorType>(v.getType()).getNumElements();
}

llvm::SmallVector<std::string> calibrationKeys(Operation *op, StringRef family,
                                               const std::string &first) {
  llvm::SmallVector<std::string> keys;
  if (!first.empty())
    keys.push_back(first);
  std::string name = op->getName().stripDialect().str();
  if (family == "local") {
    keys.push_back("local");
  } else if (family == "plain") {
    keys.push_back(name);
  } else if (family == "session") {
    SessionAttr s = getSession(op);
    std::string cmp = stringifyProtocolKind(s.getProtocols()).str();
    keys.push_back(name + "." + cmp + "." +
                   stringifyTruncKind(s.getTrunc()).str());
    keys.push_back(name + "." + cmp);
    keys.push_back(name);
  }
  return keys;
}

} // namespace mpcvit::mpc
