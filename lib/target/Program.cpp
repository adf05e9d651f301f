//===- Program.cpp - the lowered program and its hash ---------------------===//
#include "mpcvit/target/Program.h"

#include "mpcvit/support/ElementValues.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace mpcvit::target {

FailureOr<ProgramView> getProgram(ModuleOp module) {
  ProgramView p;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    if (p.fn)
      return module.emitError("expected one function with a body, found @")
             << p.fn.getName() << " and @" << fn.getName();
    p.fn = fn;
  }
  if (!p.fn)
    return module.emitError("expected one function with a body, found none");
  if (!module->hasAttr(mpc::kSessionAttrName))
    return module.emitError("missing the ")
           << mpc::kSessionAttrName
           << " module attribute: run --mpcvit-lower-to-mpc";
  p.session = mpc::getSession(module);
  FunctionType ft = p.fn.getFunctionType();
  auto isClient = [](Type t) {
    auto r = llvm::dyn_cast<mpc::RingTensorType>(t);
    return r && r.getVisibility() == mpc::Visibility::ClientPrivate;
  };
  if (ft.getNumInputs() != 1 || !isClient(ft.getInput(0)) ||
      ft.getNumResults() != 1 || !isClient(ft.getResult(0)))
    return p.fn.emitOpError("expected one private<client> input and one "
                            "private<client> result, got ")
           << ft;
  p.fn.walk([&](mpc::WeightOp w) { p.weights.push_back(w); });
  return p;
}

namespace {
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(StringRef s) {
    for (char c : s) {
      h ^= uint8_t(c);
      h *= 1099511628211ull;
    }
    h ^= 0xff; // separator
    h *= 1099511628211ull;
  }
};
} // namespace

FailureOr<std::vector<double>> elementValues(Operation *op, Attribute attr) {
  FailureOr<std::vector<double>> v = elementsAsDoubles(attr);
  if (failed(v) && op)
    op->emitOpError("value data is not available (elided or not f32/f64 "
                    "dense / dense_resource)");
  return v;
}

uint64_t programHash(const ProgramView &p) {
  func::FuncOp fn = p.fn;
  Fnv f;
  f.add("mpcvit-program-v1");
  f.add(std::to_string(p.session.getFracBits()));
  f.add(mpc::stringifyTruncKind(p.session.getTrunc()));
  if (p.session.getProtocols() == mpc::ProtocolKind::FSS) // absent for A2B
    f.add("fss");
  DenseMap<Value, unsigned> ids;
  for (BlockArgument a : fn.getArguments())
    ids[a] = ids.size();
  auto str = [](auto printable) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << printable;
    return s;
  };
  fn.walk([&](Operation *op) {
    if (op == fn.getOperation())
      return;
    f.add(op->getName().getStringRef());
    for (Value v : op->getOperands())
      f.add(std::to_string(ids.lookup(v)));
    for (Type t : op->getResultTypes())
      f.add(str(t));
    for (NamedAttribute a : op->getAttrs()) {
      if (llvm::isa<mpc::WeightOp>(op) && a.getName() == "value") {
        f.add(str(llvm::cast<TypedAttr>(a.getValue()).getType()));
        continue;
      }
      f.add(a.getName().strref());
      f.add(str(a.getValue()));
    }
    for (Value r : op->getResults())
      ids[r] = ids.size();
  });
  return f.h;
}

} // namespace mpcvit::target
