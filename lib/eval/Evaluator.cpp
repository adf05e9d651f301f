//===- Evaluator.cpp - plaintext reference evaluator of vit IR --*- C++ -*-===//
//
// A straight-line interpreter: the body of the function is evaluated op by
// op in order; each value's tensor is freed after its last use.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/eval/Evaluator.h"
#include "mpcvit/eval/Kernels.h"

#include "mpcvit/dialects/vit/VitOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using llvm::Expected;

namespace mpcvit::eval {

namespace {

llvm::Error evalError(Operation *op, const llvm::Twine &msg) {
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + op->getName().getStringRef() + "' at " +
                                     loc + ": " + msg);
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

std::vector<int64_t> shapeOf(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return std::vector<int64_t>(t.getShape().begin(), t.getShape().end());
}

/// Normalises an ONNX-style axis.
int64_t normAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

} // namespace

Expected<Tensor> readElements(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  Type elt = type.getElementType();
  if (!elt.isF32() && !elt.isF64())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "constant of type " + typeStr(type) +
                                       ": only f32 and f64 are supported");
  Tensor t(type.getShape());
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr)) {
    size_t i = 0;
    if (elt.isF32())
      for (float v : dense.getValues<float>())
        t.data[i++] = v;
    else
      for (double v : dense.getValues<double>())
        t.data[i++] = v;
    return t;
  }
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "dense_resource<" + res.getRawHandle().getKey() +
              "> has no data (missing from the file's dialect_resources)");
    ArrayRef<char> bytes = blob->getData();
    size_t elt_size = elt.isF32() ? 4 : 8;
    if (bytes.size() != elt_size * t.data.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "dense_resource<" + res.getRawHandle().getKey() + "> holds " +
              std::to_string(bytes.size()) + " bytes but " + typeStr(type) +
              " needs " + std::to_string(elt_size * t.data.size()));
    for (size_t i = 0; i < t.data.size(); ++i) {
      if (elt.isF32()) {
        float f;
        std::memcpy(&f, bytes.data() + 4 * i, 4);
        t.data[i] = f;
      } else {
        std::memcpy(&t.data[i], bytes.data() + 8 * i, 8);
      }
    }
    return t;
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "unsupported constant attribute of type " +
                                     typeStr(type));
}

Expected<std::vector<Tensor>> evaluate(func::FuncOp func,
                                       llvm::ArrayRef<Tensor> inputs) {
  if (func.isExternal())
    return evalError(func, "function has no body");
  if (inputs.size() != func.getNumArguments())
    return evalError(func, "expects " + llvm::Twine(func.getNumArguments()) +
                               " inputs, got " + llvm::Twine(inputs.size()));
  llvm::DenseMap<Value, Tensor> env;
  // Last use of every value, to free intermediate tensors early.
  llvm::DenseMap<Value, Operation *> lastUse;
  Block &body = func.getBody().front();
  for (Operation &op : body)
    for (Value v : op.getOperands())
      lastUse[v] = &op;

  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    std::vector<int64_t> want = shapeOf(arg);
    if (inputs[i].shape != want) {
      std::string got, exp;
      llvm::raw_string_ostream g(got), e(exp);
      llvm::interleaveComma(inputs[i].shape, g);
      llvm::interleaveComma(want, e);
      return evalError(func, "input #" + llvm::Twine(i) + " has shape [" + got +
                                 "] but the argument is [" + exp + "]");
    }
    env[arg] = inputs[i];
  }

  auto get = [&](Value v) -> const Tensor & { return env.find(v)->second; };
  std::vector<Tensor> results;
  for (Operation &op : body) {
    if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        results.push_back(get(v));
      return results;
    }
    if (op.getNumResults() != 1)
      return evalError(&op, "not a vit op the evaluator knows");
    Type elt =
        llvm::cast<ShapedType>(op.getResult(0).getType()).getElementType();
    if (!elt.isF32() && !elt.isF64())
      return evalError(&op, "element type " + typeStr(elt) +
                                " (the evaluator supports f32 and f64)");
    auto bin = [&](auto f) {
      return broadcastBinary(get(op.getOperand(0)), get(op.getOperand(1)), f);
    };
    auto un = [&](auto f) { return unary(get(op.getOperand(0)), f); };
    std::optional<Tensor> out;
    llvm::Error err = llvm::Error::success();
    llvm::TypeSwitch<Operation *>(&op)
        .Case([&](vit::ConstantOp c) {
          Expected<Tensor> t = readElements(c.getValue());
          if (t)
            out = std::move(*t);
          else
            err = evalError(&op, llvm::toString(t.takeError()));
        })
        .Case([&](vit::LinearOp o) {
          out = linear(get(o.getInput()), get(o.getWeight()),
                       o.getBias() ? &get(o.getBias()) : nullptr);
        })
        .Case([&](vit::MatmulOp o) {
          out = matmul(get(o.getLhs()), get(o.getRhs()));
        })
        .Case([&](vit::AddOp) {
          out = bin([](double a, double b) { return a + b; });
        })
        .Case([&](vit::SubOp) {
          out = bin([](double a, double b) { return a - b; });
        })
        .Case([&](vit::MulOp) {
          out = bin([](double a, double b) { return a * b; });
        })
        .Case([&](vit::DivOp) {
          out = bin([](double a, double b) { return a / b; });
        })
        .Case([&](vit::PowOp) {
          out = bin([](double a, double b) { return std::pow(a, b); });
        })
        .Case([&](vit::ReluOp) {
          out = un([](double x) { return x > 0 ? x : 0.0; });
        })
        .Case([&](vit::SqrtOp) {
          out = un([](double x) { return std::sqrt(x); });
        })
        .Case([&](vit::ReciprocalOp) {
          out = un([](double x) { return 1.0 / x; });
        })
        .Case(
            [&](vit::ErfOp) { out = un([](double x) { return std::erf(x); }); })
        .Case([&](vit::TanhOp) {
          out = un([](double x) { return std::tanh(x); });
        })
        .Case(
            [&](vit::ExpOp) { out = un([](double x) { return std::exp(x); }); })
        .Case([&](vit::GeluOp o) {
          out = o.getKind() == vit::GeluKind::Erf ? un(geluErf) : un(geluTanh);
        })
        .Case([&](vit::QuadOp o) {
          double a = o.getA().convertToDouble(), b = o.getB().convertToDouble(),
                 c = o.getC().convertToDouble();
          out = un([&](double x) { return a * x * x + b * x + c; });
        })
        .Case([&](vit::SoftmaxOp o) {
          const Tensor &x = get(o.getInput());
          out = softmax(x, normAxis(o.getAxis(), x.rank()));
        })
        .Case([&](vit::AttentionNormOp o) {
          std::vector<HeadKind> kinds;
          for (vit::HeadKind k : o.getKinds().getKinds())
            kinds.push_back(static_cast<HeadKind>(static_cast<int>(k)));
          out = attentionNorm(get(o.getInput()), kinds, o.getHeadAxis(),
                              o.getEpsilon().convertToDouble());
        })
        .Case([&](vit::LayerNormOp o) {
          out = layerNorm(get(o.getInput()), get(o.getGamma()),
                          get(o.getBeta()), o.getEpsilon().convertToDouble());
        })
        .Case([&](vit::TransposeOp o) {
          out = transpose(get(o.getInput()), o.getPerm());
        })
        .Case([&](vit::ReshapeOp o) {
          Tensor t = get(o.getInput());
          t.shape = shapeOf(o.getResult());
          out = std::move(t);
        })
        .Case([&](vit::ConcatOp o) {
          std::vector<const Tensor *> xs;
          for (Value v : o.getInputs())
            xs.push_back(&get(v));
          out = concat(xs, normAxis(o.getAxis(), xs.front()->rank()));
        })
        .Case([&](vit::SliceOp o) {
          out = slice(get(o.getInput()), o.getOffsets(), o.getSizes(),
                      o.getStrides());
        })
        .Case([&](vit::GatherOp o) {
          const Tensor &x = get(o.getInput());
          out = gather(x, normAxis(o.getAxis(), x.rank()), o.getIndices());
        })
        .Case([&](vit::ConvPatchOp o) {
          out = convPatch(get(o.getInput()), get(o.getWeight()),
                          o.getBias() ? &get(o.getBias()) : nullptr,
                          o.getStrides(), o.getPads());
        })
        .Case<vit::ReduceMeanOp, vit::ReduceSumOp, vit::ReduceMaxOp>(
            [&](auto o) {
              const Tensor &x = get(o.getInput());
              std::vector<int64_t> axes;
              for (int64_t a : o.getAxes())
                axes.push_back(normAxis(a, x.rank()));
              ReduceKind kind = std::is_same_v<decltype(o), vit::ReduceMeanOp>
                                    ? ReduceKind::Mean
                                : std::is_same_v<decltype(o), vit::ReduceSumOp>
                                    ? ReduceKind::Sum
                                    : ReduceKind::Max;
              out = reduce(x, axes, o.getKeepdims(), kind);
            })
        .Default([&](Operation *) {
          err = evalError(&op, "not a vit op the evaluator knows");
        });
    if (err)
      return err;
    if (elt.isF32())
      for (double &v : out->data)
        v = static_cast<float>(v);
    for (Value v : op.getOperands())
      if (lastUse[v] == &op && !llvm::isa<BlockArgument>(v))
        env.erase(v);
    env[op.getResult(0)] = std::move(*out);
  }
  return evalError(func, "function body has no func.return");
}

} // namespace mpcvit::eval
