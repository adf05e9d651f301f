//===- ToCpp.cpp - mpc → C++ against the runtime
//---------------------------===//
//
// One statement per op: `Shared vN = k::op(ctx, ...);  // mpc.op : type`.
// Weights are `W.tensor(i)` / `W.matrix(i)` (loaded by the server from
// NAME.weights, zeros elsewhere); public constants are encoded inline.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/target/ToCpp.h"
#include "mpcvit/target/InputRange.h"
#include "mpcvit/target/Program.h"

#include "mpcvit/dialects/mpc/MpcDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/TypeSwitch.h"
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
  LogicalResult emitOp(Operation *op);
  LogicalResult requireSessionFrac(Operation *op, Value v) {
    if (ty(v).getFracBits() != p.fracBits)
      return op->emitOpError("the runtime protocol works on the session's ")
             << p.fracBits << " fractional bits, got " << ty(v);
    return success();
  }

  ProgramView p;
  raw_ostream &os;
  DenseMap<Value, std::string> names;
  DenseMap<Operation *, unsigned> weightIndex;
  llvm::SmallDenseSet<unsigned> matrices;
  unsigned next = 0;
};

LogicalResult Emitter::emitOp(Operation *op) {
  auto line = [&](Value result, const std::string &type,
                  const std::string &expr) {
    std::string n = define(result);
    std::string t;
    llvm::raw_string_ostream ts(t);
    ts << op->getName() << " : " << result.getType();
    os << "  " << type << " " << n << " = " << expr << "; // " << t << "\n";
    return success();
  };
  auto shared = [&](const std::string &expr) {
    return line(op->getResult(0), "Shared", expr);
  };
  auto in = [&](unsigned i) { return ref(op->getOperand(i)); };
  auto sharingOf = [&](Value v) -> char {
    switch (ty(v).getVisibility()) {
    case mpc::Visibility::Shared:
      return 's';
    case mpc::Visibility::Public:
      return 'p';
    case mpc::Visibility::ServerPrivate:
      return 'w';
    default:
      return '?';
    }
  };
  auto addLike = [&](const char *fn) -> LogicalResult {
    Value a = op->getOperand(0), b = op->getOperand(1);
    if (!ty(a).isShared() && ty(b).isShared() && StringRef(fn) == "add")
      std::swap(a, b);
    if (!ty(a).isShared() || sharingOf(b) == '?')
      return op->emitOpError("the runtime needs a shared left operand and a "
                             "shared, public or server operand");
    return shared(std::string("k::") + fn + "(ctx, " + ref(a) + ", " + ref(b) +
                  ", '" + sharingOf(b) + "', " + shape(op->getResult(0)) + ")");
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](mpc::WeightOp) { return success(); }) // W.tensor(i)
      .Case([&](mpc::ConstantOp c) -> LogicalResult {
        auto dense = llvm::dyn_cast<DenseElementsAttr>(c.getValue());
        if (!dense || !llvm::isa<FloatType>(dense.getElementType()))
          return c.emitOpError("the emitter needs a dense float constant");
        std::string vals = "{";
        unsigned i = 0;
        for (const APFloat &v : dense.getValues<APFloat>()) {
          APFloat d = v;
          bool lost;
          d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
          char buf[40];
          std::snprintf(buf, sizeof(buf), "%.17g", d.convertToDouble());
          vals += std::string(i++ ? ", " : "") + buf;
        }
        vals += "}";
        return line(c.getResult(), "const RingTensor",
                    "k::publicConstant(" + shape(c.getResult()) + ", " + vals +
                        ", " + std::to_string(ty(c.getResult()).getFracBits()) +
                        ")");
      })
      .Case([&](mpc::ShareOp s) -> LogicalResult {
        auto v = ty(s.getInput()).getVisibility();
        int owner = v == mpc::Visibility::ClientPrivate ? 1 : 0;
        if (v != mpc::Visibility::ClientPrivate &&
            v != mpc::Visibility::ServerPrivate)
          return s.emitOpError("shares a private value only");
        return shared("k::shareFrom(ctx, " + std::to_string(owner) + ", " +
                      in(0) + ")");
      })
      .Case([&](mpc::RevealOp r) {
        return line(r.getResult(), "RingTensor",
                    "k::revealToClient(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::AddOp) { return addLike("add"); })
      .Case([&](mpc::SubOp) { return addLike("sub"); })
      .Case([&](mpc::MulPublicOp) {
        return shared("k::mulPublic(" + in(0) + ", " + in(1) + ", " +
                      shape(op->getResult(0)) + ")");
      })
      .Case([&](mpc::MulSSOp) {
        return shared("k::mulSS(ctx, " + in(0) + ", " + in(1) + ")");
      })
      .Case([&](mpc::SquareOp) {
        return shared("k::square(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::MMulSSOp) {
        return shared("k::mmulSS(ctx, " + in(0) + ", " + in(1) + ")");
      })
      .Case([&](mpc::MMulSPOp m) -> LogicalResult {
        auto w = m.getRhs().getDefiningOp<mpc::WeightOp>();
        if (!w)
          return m.emitOpError("the runtime needs the weights of an "
                               "mpc.weight op");
        unsigned i = weightIndex.lookup(w);
        return shared("k::mmulSP(ctx, " + in(0) + ", W.matrix(" +
                      std::to_string(i) + "))");
      })
      .Case([&](mpc::TruncOp t) {
        int bits = int(ty(t.getInput()).getFracBits()) -
                   int(ty(t.getResult()).getFracBits());
        return shared(std::string(t.getKind() == mpc::TruncKind::Local
                                      ? "k::truncLocal"
                                      : "k::truncDealer") +
                      "(ctx, " + in(0) + ", " + std::to_string(bits) + ")");
      })
      .Case([&](mpc::ReluOp) { return shared("k::relu(ctx, " + in(0) + ")"); })
      .Case([&](mpc::GeluOp g) -> LogicalResult {
        if (failed(requireSessionFrac(g, g.getInput())))
          return failure();
        return shared("k::gelu(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::SoftmaxOp s) -> LogicalResult {
        if (failed(requireSessionFrac(s, s.getInput())))
          return failure();
        return shared("k::softmax(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::ReluSoftmaxOp s) -> LogicalResult {
        if (failed(requireSessionFrac(s, s.getInput())))
          return failure();
        char buf[40];
        std::snprintf(buf, sizeof(buf), "%.17g",
                      s.getEpsilon().convertToDouble());
        return shared("k::reluSoftmax(ctx, " + in(0) + ", " + buf + ")");
      })
      .Case([&](mpc::TwoQuadOp s) -> LogicalResult {
        if (failed(requireSessionFrac(s, s.getInput())))
          return failure();
        return shared("k::twoQuad(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::TwoReluOp s) -> LogicalResult {
        if (failed(requireSessionFrac(s, s.getInput())))
          return failure();
        return shared("k::twoRelu(ctx, " + in(0) + ")");
      })
      .Case([&](mpc::LayerNormOp l) -> LogicalResult {
        if (failed(requireSessionFrac(l, l.getInput())))
          return failure();
        if (!l.getGamma().getDefiningOp<mpc::WeightOp>() ||
            !l.getBeta().getDefiningOp<mpc::WeightOp>())
          return l.emitOpError("the runtime needs gamma and beta from "
                               "mpc.weight ops");
        char buf[40];
        std::snprintf(buf, sizeof(buf), "%.17g",
                      l.getEpsilon().convertToDouble());
        return shared("k::layerNorm(ctx, " + in(0) + ", " + in(1) + ", " +
                      in(2) + ", " + buf + ")");
      })
      .Case([&](mpc::ReshapeOp r) {
        return shared("reshape(" + in(0) + ", " + shape(r.getResult()) + ")");
      })
      .Case([&](mpc::TransposeOp t) {
        return shared("transpose(" + in(0) + ", " + list(t.getPerm()) + ")");
      })
      .Case([&](mpc::SliceOp s) {
        return shared("slice(" + in(0) + ", " + list(s.getOffsets()) + ", " +
                      list(s.getSizes()) + ", " + list(s.getStrides()) + ")");
      })
      .Case([&](mpc::GatherOp g) {
        return shared("gather(" + in(0) + ", " + std::to_string(g.getAxis()) +
                      ", " + list(g.getIndices()) + ")");
      })
      .Case([&](mpc::ConcatOp c) {
        std::string args = "{";
        for (unsigned i = 0; i < c->getNumOperands(); ++i)
          args += std::string(i ? ", " : "") + "&" + in(i);
        return shared("concat(" + args + "}, " + std::to_string(c.getAxis()) +
                      ")");
      })
      .Case([&](mpc::Im2ColOp c) {
        return shared("im2col(" + in(0) + ", " + list(c.getKernel()) + ", " +
                      list(c.getStrides()) + ", " + list(c.getPads()) + ")");
      })
      .Case([&](func::ReturnOp r) {
        os << "  return " << in(0) << ";\n";
        return success();
      })
      .Default([&](Operation *o) {
        return o->emitOpError("has no runtime kernel in the C++ emitter");
      });
}

LogicalResult Emitter::emit(StringRef name) {
  // Weight indices; mmul_sp operands are deployed matrices.
  for (auto [i, w] : llvm::enumerate(p.weights)) {
    weightIndex[w.getOperation()] = i;
    for (Operation *u : w->getUsers())
      if (auto m = llvm::dyn_cast<mpc::MMulSPOp>(u))
        if (m.getRhs() == w.getResult())
          matrices.insert(i);
  }
  uint64_t hash = programHash(p);
  // The dealer's bytes per inference (both parties), from the ops' own
  // cost declarations: the runtime's bound on one party's offline bundle
  // (0 = unknown when an op has no cost on the 2^64 ring).
  uint64_t offlineBytes = 0;
  bool offlineKnown = true;
  p.fn.walk([&](mpc::CommCostOpInterface c) {
    FailureOr<mpc::CommCost> cost = c.getCommCost(64);
    if (failed(cost))
      offlineKnown = false;
    else
      offlineBytes += cost->offlineBytes;
  });
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
     << "// Program hash " << llvm::format_hex(hash, 18) << ", " << p.fracBits
     << " fractional bits, " << (p.dealerTrunc ? "dealer" : "local")
     << " truncation, " << (p.dcfCompare ? "DCF" : "A2B") << " comparisons.\n"
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
     << "  p.fracBits = " << p.fracBits << ";\n"
     << "  p.trunc = TruncMode::" << (p.dealerTrunc ? "Dealer" : "Local")
     << ";\n"
     << "  p.compare = CompareMode::" << (p.dcfCompare ? "DCF" : "A2B") << ";\n"
     << "  p.input = " << shape(arg) << ";\n"
     << "  p.output = " << list(outTy.getShape()) << ";\n"
     << "  p.outputFrac = " << outTy.getFracBits() << ";\n"
     << "  p.offlineBytes = " << offlineBytes << "ull;\n"
     << "  p.inputAbsMax = " << llvm::format("%.17g", inputAbsMax) << ";\n"
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
