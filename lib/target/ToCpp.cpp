//===- ToCpp.cpp - mpc → C++ against the runtime
//---------------------------===//
//
// One statement per op: `Shared vN = k::op(ctx, ...);  // mpc.op : type`,
// the callee and its arguments read from the op's declaration through
// KernelOpInterface (MpcOps.td): no op is named here.
// Weights are `W.tensor(i)` / `W.matrix(i)` (loaded by the server from
// NAME.weights, zeros elsewhere); public constants are encoded inline.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/target/ToCpp.h"
#include "mpcvit/target/InputRange.h"
#include "mpcvit/target/Preprocess.h"
#include "mpcvit/target/Program.h"

#include "mpcvit/dialects/mpc/MpcDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace mpcvit::target {

namespace {

class Emitter {
public:
  Emitter(ProgramView p, raw_ostream &os) : p(std::move(p)), os(os) {}
  LogicalResult emit(StringRef name);

private:
  static mpc::RingTensorType ty(Value v) {
    return llvm::cast<mpc::RingTensorType>(v.getType());
  }
  std::string list(ArrayRef<int64_t> xs) {
    std::string s = "{";
    for (size_t i = 0; i < xs.size(); ++i)
      s += (i ? ", " : "") + std::to_string(xs[i]);
    return s + "}";
  }
  std::string shape(Value v) { return list(ty(v).getShape()); }
  /// C++ expression of a value (tensor of the weight, variable, input).
  std::string ref(Value v) {
    if (auto w = v.getDefiningOp<mpc::WeightOp>())
      return "W.tensor(" + std::to_string(weightIndex.lookup(w)) + ")";
    return names.lookup(v);
  }
  std::string define(Value v) {
    std::string n = "v" + std::to_string(next++);
    names[v] = n;
    return n;
  }
  /// The C++ type of a value's variable (without const).
  static std::string cppType(Value v) {
    switch (ty(v).getVisibility()) {
    case mpc::Visibility::Public:
    case mpc::Visibility::ClientPrivate:
      return "RingTensor";
    default:
      return "Shared";
    }
  }
  LogicalResult emitOp(Operation *op);
  LogicalResult emitParallel(mpc::ParallelOp par);
  FailureOr<std::string> argument(Operation *op, mpc::KernelOpInterface k,
                                  ArrayRef<Value> operands, StringRef token);

  ProgramView p;
  raw_ostream &os;
  DenseMap<Value, std::string> names;
  DenseMap<Operation *, unsigned> weightIndex;
  llvm::SmallDenseSet<unsigned> matrices;
  unsigned next = 0;
  std::string indent = "  "; ///< of the statements being emitted
};

/// The C++ text of one argument token of an op's runtime kernel
/// (KernelOpInterface.td lists them), or failure with an error on the op.
FailureOr<std::string> Emitter::argument(Operation *op,
                                         mpc::KernelOpInterface k,
                                         ArrayRef<Value> operands,
                                         StringRef token) {
  auto operandOf = [&](StringRef index) -> FailureOr<Value> {
    unsigned i;
    if (index.getAsInteger(10, i) || i >= operands.size())
      return op->emitOpError("kernel argument '")
             << token << "' names no operand";
    return operands[i];
  };
  auto weightOf = [&](StringRef index,
                      const char *what) -> FailureOr<std::string> {
    FailureOr<Value> v = operandOf(index);
    if (failed(v))
      return failure();
    auto w = v->getDefiningOp<mpc::WeightOp>();
    if (!w)
      return op->emitOpError("the runtime needs operand ")
             << index << " from an mpc.weight op";
    return std::string(what) + "(" + std::to_string(weightIndex.lookup(w)) +
           ")";
  };
  auto [kind, rest] = token.split(':');
  if (token == "ctx")
    return std::string("ctx");
  if (token == "operands" || token == "ptrs") {
    std::string s;
    for (auto [i, v] : llvm::enumerate(operands))
      s += std::string(i ? ", " : "") + (token == "ptrs" ? "&" : "") + ref(v);
    return token == "ptrs" ? "{" + s + "}" : s;
  }
  if (kind == "in" || kind == "shared") {
    FailureOr<Value> v = operandOf(rest);
    if (failed(v))
      return failure();
    if (kind == "shared" && !ty(*v).isShared())
      return op->emitOpError("the runtime needs a shared operand here, got ")
             << ty(*v);
    return ref(*v);
  }
  if (token == "shape")
    return shape(op->getResult(0));
  if (token == "frac")
    return std::to_string(ty(op->getResult(0)).getFracBits());
  if (token == "shift")
    return std::to_string(int(ty(operands[0]).getFracBits()) -
                          int(ty(op->getResult(0)).getFracBits()));
  if (token == "code")
    return k.getRuntimeKernelCode();
  if (kind == "weight")
    return weightOf(rest, "W.tensor");
  if (kind == "matrix")
    return weightOf(rest, "W.matrix");
  if (kind == "sharing" || kind == "owner") {
    FailureOr<Value> v = operandOf(rest);
    if (failed(v))
      return failure();
    mpc::Visibility vis = ty(*v).getVisibility();
    if (kind == "owner") {
      if (vis != mpc::Visibility::ClientPrivate &&
          vis != mpc::Visibility::ServerPrivate)
        return op->emitOpError("operand ") << rest << " must be private";
      return std::string(vis == mpc::Visibility::ClientPrivate ? "1" : "0");
    }
    switch (vis) {
    case mpc::Visibility::Shared:
      return std::string("'s'");
    case mpc::Visibility::Public:
      return std::string("'p'");
    case mpc::Visibility::ServerPrivate:
      return std::string("'w'");
    default:
      return op->emitOpError("the runtime cannot combine the client's "
                             "private operand ")
             << rest << " here";
    }
  }
  if (kind == "attr") {
    Attribute a = op->getAttr(rest);
    if (auto f = llvm::dyn_cast_or_null<FloatAttr>(a)) {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", f.getValueAsDouble());
      return std::string(buf);
    }
    if (auto i = llvm::dyn_cast_or_null<IntegerAttr>(a))
      return std::to_string(i.getInt());
    if (auto arr = llvm::dyn_cast_or_null<DenseI64ArrayAttr>(a))
      return list(arr.asArrayRef());
    if (auto dense = llvm::dyn_cast_or_null<DenseElementsAttr>(a)) {
      if (!llvm::isa<FloatType>(dense.getElementType()))
        return op->emitOpError("the emitter needs dense float data in '")
               << rest << "'";
      std::string vals = "{";
      unsigned n = 0;
      for (const APFloat &v : dense.getValues<APFloat>()) {
        APFloat d = v;
        bool lost;
        d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        char buf[40];
        std::snprintf(buf, sizeof(buf), "%.17g", d.convertToDouble());
        vals += std::string(n++ ? ", " : "") + buf;
      }
      return vals + "}";
    }
    return op->emitOpError("kernel argument '")
           << token << "': no attribute the emitter can write";
  }
  return op->emitOpError("unknown kernel argument token '") << token << "'";
}

LogicalResult Emitter::emitOp(Operation *op) {
  if (auto r = llvm::dyn_cast<func::ReturnOp>(op)) {
    os << indent << "return " << ref(r.getOperand(0)) << ";\n";
    return success();
  }
  if (auto par = llvm::dyn_cast<mpc::ParallelOp>(op))
    return emitParallel(par);
  auto k = llvm::dyn_cast<mpc::KernelOpInterface>(op);
  if (!k)
    return op->emitOpError("has no runtime kernel in the C++ emitter");
  StringRef callee = k.getRuntimeKernel();
  if (callee.empty()) // mpc.weight: referenced as W.tensor(i)
    return success();
  if (k.requiresSessionFrac() &&
      ty(op->getOperand(0)).getFracBits() != p.session.getFracBits())
    return op->emitOpError("the runtime protocol works on the session's ")
           << p.session.getFracBits() << " fractional bits, got "
           << op->getOperand(0).getType();
  SmallVector<Value> operands(op->getOperands());
  // A commutative op takes its shared operand first.
  if (op->hasTrait<OpTrait::IsCommutative>() && operands.size() == 2 &&
      !ty(operands[0]).isShared() && ty(operands[1]).isShared())
    std::swap(operands[0], operands[1]);
  std::string call = callee.str() + "(";
  for (auto [i, token] : llvm::enumerate(k.getRuntimeKernelArgs())) {
    FailureOr<std::string> a = argument(op, k, operands, token);
    if (failed(a))
      return failure();
    call += (i ? ", " : "") + *a;
  }
  call += ")";
  Value result = op->getResult(0);
  std::string type = cppType(result);
  if (ty(result).getVisibility() == mpc::Visibility::Public)
    type = "const " + type;
  std::string n = define(result);
  std::string t;
  llvm::raw_string_ostream ts(t);
  ts << op->getName() << " : " << result.getType();
  os << indent << type << " " << n << " = " << call << "; // " << t << "\n";
  return success();
}

LogicalResult Emitter::emitParallel(mpc::ParallelOp par) {
  // The results are declared first and assigned by their branch; each
  // branch is a lambda run by rt::runLockstep (lockstep.h).
  os << indent << "// mpc.parallel: " << par.getBranches().size()
     << " independent branches in lock-step (one message per party per "
        "round)\n";
  for (Value r : par.getResults())
    os << indent << cppType(r) << " " << define(r) << ";\n";
  os << indent << "runLockstep(ctx, {\n";
  std::string outer = indent;
  for (auto [i, region] : llvm::enumerate(par.getBranches())) {
    os << outer << "    [&] {\n";
    indent = outer + "      ";
    for (Operation &op : region.front()) {
      if (auto y = llvm::dyn_cast<mpc::YieldOp>(op)) {
        for (auto [r, v] : llvm::zip(par.getBranchResults(i), y.getValues()))
          os << indent << names.lookup(r) << " = std::move(" << ref(v)
             << ");\n";
        continue;
      }
      if (failed(emitOp(&op))) {
        indent = outer;
        return failure();
      }
    }
    os << outer << "    }" << (i + 1 < par.getBranches().size() ? "," : "")
       << "\n";
  }
  indent = outer;
  os << indent << "});\n";
  return success();
}

LogicalResult Emitter::emit(StringRef name) {
  // Weight indices; a weight some kernel takes as `matrix:N` (mmul_sp's
  // W) is a deployed matrix (masked once per deployment, runtime mmul_sp.h).
  for (auto [i, w] : llvm::enumerate(p.weights)) {
    weightIndex[w.getOperation()] = i;
    for (OpOperand &use : w->getUses()) {
      auto k = llvm::dyn_cast<mpc::KernelOpInterface>(use.getOwner());
      std::string token = "matrix:" + std::to_string(use.getOperandNumber());
      if (k && llvm::is_contained(k.getRuntimeKernelArgs(), token))
        matrices.insert(i);
    }
  }
  uint64_t hash = programHash(p);
  // The dealer's bytes per inference (both parties), from the ops' own
  // cost declarations: the runtime's bound on one party's offline bundle
  // (0 = unknown when an op has no cost on the 2^64 ring).
  uint64_t offlineBytes = 0;
  bool offlineKnown = true;
  FailureOr<mpc::CommCost> programCost =
      mpc::ParallelOp::branchCost(p.fn.getBody().front());
  if (failed(programCost))
    offlineKnown = false;
  else
    offlineBytes = programCost->dealerBytes;
  if (!offlineKnown)
    offlineBytes = 0;
  // The client's input range (InputRange.h); 0 = not analysed (elided
  // weight data): the client then checks only NaN/Inf and the encoding.
  FailureOr<InputRange> range = inputRange(p);
  double inputAbsMax = succeeded(range) ? range->absMax : 0.0;
  Value arg = p.fn.getArgument(0);
  auto outTy = llvm::cast<mpc::RingTensorType>(p.fn.getResultTypes()[0]);
  names[arg] = "input";
  os << "// " << name << ": a private 2PC program generated by "
     << "mpcvit-translate --emit-cpp (do not edit).\n"
     << "// Program hash " << llvm::format_hex_no_prefix(hash, 16) << ", "
     << p.session.getFracBits() << " fractional bits, "
     << mpc::stringifyTruncKind(p.session.getTrunc()) << " truncation, "
     << mpc::stringifyProtocolKind(p.session.getProtocols()).upper()
     << " protocols.\n"
     << "// Input: the client's " << shape(arg)
     << "; output: " << list(outTy.getShape()) << " revealed to the client.\n"
     << "// Weights: " << p.weights.size()
     << " server tensors, read by the server from " << name
     << ".weights (never in this file).\n"
     << "#include \"mpcvit/runtime/program.h\"\n\n"
     << "namespace {\n"
     << "using namespace mpcvit::rt;\n"
     << "namespace k = mpcvit::rt::kernels;\n\n"
     << "RingTensor forward(Context &ctx, const Weights &W, "
        "const RingTensor &input) {\n";
  for (Operation &op : p.fn.getBody().front())
    if (failed(emitOp(&op)))
      return failure();
  os << "}\n\n"
     << "ProgramInfo programInfo() {\n"
     << "  ProgramInfo p;\n"
     << "  p.name = \"" << name << "\";\n"
     << "  p.hash = " << llvm::format_hex(hash, 18) << "ull;\n"
     << "  p.fracBits = " << p.session.getFracBits() << ";\n"
     << "  p.trunc = TruncMode::"
     << (p.session.getTrunc() == mpc::TruncKind::Exact ? "Exact"
                                                       : "Probabilistic")
     << ";\n"
     << "  p.protocols = ProtocolSuite::"
     << (p.session.getProtocols() == mpc::ProtocolKind::FSS ? "FSS" : "A2B")
     << ";\n"
     << "  p.input = " << shape(arg) << ";\n"
     << "  p.output = " << list(outTy.getShape()) << ";\n"
     << "  p.outputFrac = " << outTy.getFracBits() << ";\n"
     << "  p.offlineBytes = " << offlineBytes << "ull;\n"
     << "  p.inputAbsMax = " << llvm::format("%.17g", inputAbsMax) << ";\n"
     << preprocessInfo(p) // raw-image normalisation (Preprocess.cpp)
     << "  p.weights = {\n";
  for (auto [i, w] : llvm::enumerate(p.weights)) {
    auto t = ty(w.getResult());
    os << "      {\"" << w.getName() << "\", " << list(t.getShape()) << ", "
       << t.getFracBits() << ", " << (matrices.count(i) ? "true" : "false")
       << "},\n";
  }
  os << "  };\n"
     << "  return p;\n"
     << "}\n"
     << "} // namespace\n\n"
     << "int main(int argc, char **argv) {\n"
     << "  static const ProgramInfo info = programInfo();\n"
     << "  return programMain(argc, argv, info, forward);\n"
     << "}\n";
  return success();
}

} // namespace

LogicalResult emitCpp(ModuleOp module, raw_ostream &os, StringRef name) {
  FailureOr<ProgramView> p = getProgram(module);
  if (failed(p))
    return failure();
  for (mpc::WeightOp w : p->weights)
    for (char c : w.getName())
      if (c == '"' || c == '\\' || c == '\n')
        return w.emitOpError("weight name cannot appear in a C++ string");
  if (failed(verifyPreprocess(*p)))
    return failure();
  return Emitter(*p, os).emit(name);
}

void registerToCppTranslation() {
  static TranslateFromMLIRRegistration reg(
      "emit-cpp", "emit C++ against the mpcvit 2PC runtime",
      [](Operation *op, raw_ostream &os) {
        auto m = llvm::dyn_cast<ModuleOp>(op);
        if (!m)
          return op->emitError("expected a module"), failure();
        return emitCpp(m, os);
      },
      [](DialectRegistry &r) {
        r.insert<mpc::MpcDialect, func::FuncDialect>();
      });
}

int translateToCpp(const std::string &input, const std::string &output) {
  MLIRContext ctx;
  ctx.loadDialect<mpc::MpcDialect, func::FuncDialect>();
  std::string err;
  auto file = openInputFile(input, &err);
  if (!file) {
    llvm::errs() << "mpcvit-translate: error: " << err << "\n";
    return 1;
  }
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sm, &ctx);
  if (!module)
    return 1;
  auto out = openOutputFile(output, &err);
  if (!out) {
    llvm::errs() << "mpcvit-translate: error: " << err << "\n";
    return 1;
  }
  std::string name = output == "-" ? "program" : output;
  size_t slash = name.find_last_of('/');
  if (slash != std::string::npos)
    name = name.substr(slash + 1);
  if (StringRef(name).ends_with(".cpp"))
    name.resize(name.size() - 4);
  if (failed(emitCpp(*module, out->os(), name)))
    return 1;
  out->keep();
  return 0;
}

} // namespace mpcvit::target
