//===- GraphImporter.cpp - ONNX graph → vit ops -----------------*- C++ -*-===//
//
// Walks the (topologically sorted) nodes of an ONNX graph. Every value is
// either a host constant (HostTensor) or an SSA value of the function being
// built. A node whose inputs are all constants is folded on the host when
// the op is a shape/data-movement or elementwise op (this removes the
// Shape/Gather/Unsqueeze/Concat/Equal/Where chains of exported graphs once
// shapes are static); otherwise it becomes `vit` ops, with constants
// materialised as `vit.constant` (dense_resource for weights).
//
// Semantics follow the ONNX operator documentation (docs/Operators.md) for
// opsets 11-20; differences between opsets handled here: Softmax axis
// default (1 before 13, -1 from 13), Squeeze/Unsqueeze/Split/ReduceSum axes
// as attribute (before 13) or input (13+), ReduceMean/ReduceMax/
// ReduceSumSquare axes as input from 18, Split's num_outputs from 18, Slice
// parameters as attributes before 10. Ops without a vit op of their own are
// expressed through existing ones: ReduceSumSquare as a product and a sum,
// Pow with one integer exponent as products (and a reciprocal), Sigmoid as
// 0.5 + 0.5·tanh(x/2), HardSigmoid/HardSwish with relu, a negative Slice
// step as a slice and a reversing gather; an empty slice or split part is
// an empty constant.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mpcvit/dialects/vit/VitOps.h"
#include "mpcvit/eval/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>
#include <memory>
#include <unordered_map>

using namespace mlir;
using llvm::Error;
using llvm::Expected;

namespace mpcvit::onnx_import {

namespace {

using HostPtr = std::shared_ptr<HostTensor>;

/// An ONNX value during import.
struct Val {
  Value v;   // runtime value, or
  HostPtr c; // host constant
  bool isConst() const { return c != nullptr; }
};

std::string shapeStr(llvm::ArrayRef<int64_t> s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

/// Error raised while importing one node; converted to llvm::Error at the
/// node boundary (the importer itself is built with exceptions).
struct NodeFailure {
  std::string msg;
};

[[noreturn]] void fail(const llvm::Twine &msg) { throw NodeFailure{msg.str()}; }

class Importer {
public:
  Importer(const onnx::ModelProto &model, llvm::StringRef file, int64_t opset,
           MLIRContext &ctx, const ImportOptions &opts)
      : model(model), file(file.str()), opset(opset), ctx(ctx), opts(opts),
        b(&ctx) {}

  Expected<OwningOpRef<ModuleOp>>
  run(const std::vector<std::vector<int64_t>> &inputShapes);

private:
  const onnx::ModelProto &model;
  std::string file;
  int64_t opset;
  MLIRContext &ctx;
  const ImportOptions &opts;
  OpBuilder b;
  Location loc = UnknownLoc::get(&ctx);
  Type floatTy;
  std::unordered_map<std::string, Val> values;
  /// vit.constant of each materialised host tensor. The entry holds the
  /// tensor too: a temporary (Gemm's alpha, Neg's -1) must stay alive, or a
  /// later tensor allocated at its address would find its constant.
  /// Names read by some node or listed as graph outputs (optional node
  /// outputs nobody reads are not computed).
  llvm::StringSet<> consumed;
  std::unordered_map<const HostTensor *, std::pair<HostPtr, Value>>
      materialized;
  const onnx::NodeProto *node = nullptr;
  int nodeIndex = 0;

  // --- helpers -------------------------------------------------------------
  const onnx::AttributeProto *attr(llvm::StringRef name) {
    for (const onnx::AttributeProto &a : node->attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  int64_t attrInt(llvm::StringRef name, int64_t dflt) {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
      return dflt;
    if (a->type() != onnx::AttributeProto::INT)
      fail("attribute '" + name + "' must be an integer");
    return a->i();
  }
  double attrFloat(llvm::StringRef name, double dflt) {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
      return dflt;
    if (a->type() != onnx::AttributeProto::FLOAT)
      fail("attribute '" + name + "' must be a float");
    return a->f();
  }
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt) {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
      return dflt.str();
    if (a->type() != onnx::AttributeProto::STRING)
      fail("attribute '" + name + "' must be a string");
    return a->s();
  }
  std::optional<std::vector<int64_t>> attrInts(llvm::StringRef name) {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
      return std::nullopt;
    if (a->type() != onnx::AttributeProto::INTS)
      fail("attribute '" + name + "' must be a list of integers");
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }

  size_t numInputs() { return node->input_size(); }
  bool hasInput(int i) {
    return i < node->input_size() && !node->input(i).empty();
  }
  Val &input(int i) {
    if (!hasInput(i))
      fail("input #" + llvm::Twine(i) + " is required");
    auto it = values.find(node->input(i));
    if (it == values.end())
      fail("input '" + node->input(i) +
           "' is not defined before its use (graph not topologically sorted "
           "or name unknown)");
    return it->second;
  }
  HostTensor &constInput(int i, llvm::StringRef what) {
    Val &v = input(i);
    if (!v.isConst())
      fail(what + " (input #" + llvm::Twine(i) +
           ") must be a constant once shapes are static");
    if (v.c->proto) {
      if (Error e = materializeFloats(*v.c, opts.maxElements))
        fail(llvm::toString(std::move(e)));
    }
    return *v.c;
  }
  std::vector<int64_t> constInts(int i, llvm::StringRef what) {
    HostTensor &h = constInput(i, what);
    if (h.isFloat())
      fail(what + " must be an integer tensor");
    return h.i;
  }
  void setOutput(int i, Val v) {
    if (i < node->output_size() && !node->output(i).empty())
      values[node->output(i)] = std::move(v);
  }
  void checkSize(int64_t n) {
    if (n < 0 || n > opts.maxElements)
      fail("tensor of " + llvm::Twine(n) + " elements exceeds the limit of " +
           llvm::Twine(opts.maxElements));
  }
  static int64_t numel(llvm::ArrayRef<int64_t> s) {
    int64_t n = 1;
    for (int64_t d : s) {
      if (d < 0 || (d != 0 && n > (int64_t(1) << 40) / d))
        return -1;
      n *= d;
    }
    return n;
  }
  int64_t normAxis(int64_t axis, int64_t rank, llvm::StringRef what = "axis") {
    if (rank < 1)
      fail(what + " " + llvm::Twine(axis) + " given for a rank-0 tensor");
    if (axis < -rank || axis >= rank)
      fail(what + " " + llvm::Twine(axis) + " is out of range for rank " +
           llvm::Twine(rank));
    return axis < 0 ? axis + rank : axis;
  }

  std::vector<int64_t> shapeOf(const Val &v) {
    if (v.isConst())
      return v.c->shape;
    auto t = llvm::cast<RankedTensorType>(v.v.getType());
    return std::vector<int64_t>(t.getShape().begin(), t.getShape().end());
  }
  RankedTensorType tensorTy(llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, floatTy);
  }

  /// The runtime value of `v`, materialising a constant as vit.constant.
  Value rt(Val &v) {
    if (!v.isConst())
      return v.v;
    HostTensor &h = *v.c;
    auto it = materialized.find(&h);
    if (it != materialized.end())
      return it->second.second;
    int64_t n = h.numElements();
    checkSize(n);
    RankedTensorType ty = tensorTy(h.shape);
    ElementsAttr value;
    if (n <= 16 || !h.isFloat()) {
      if (h.proto)
        if (Error e = materializeFloats(h, opts.maxElements))
          fail(llvm::toString(std::move(e)));
      std::vector<double> d =
          h.isFloat() ? h.f : std::vector<double>(h.i.begin(), h.i.end());
      bool splat = !d.empty() && llvm::all_equal(d);
      if (splat && n > 16) {
        value = floatTy.isF32()
                    ? DenseElementsAttr::get(ty, static_cast<float>(d[0]))
                    : DenseElementsAttr::get(ty, d[0]);
      } else if (floatTy.isF32()) {
        std::vector<float> f(d.begin(), d.end());
        value = DenseElementsAttr::get(ty, llvm::ArrayRef<float>(f));
      } else {
        value = DenseElementsAttr::get(ty, llvm::ArrayRef<double>(d));
      }
    } else {
      std::vector<char> bytes =
          floatTy.isF32() ? float32Bytes(h) : float64Bytes(h);
      std::string name = blobName(h);
      value = DenseResourceElementsAttr::get(
          ty, name,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(
              llvm::ArrayRef<char>(bytes), floatTy.isF32() ? 4 : 8));
    }
    Value c = vit::ConstantOp::create(b, constantLoc(h), value);
    materialized[&h] = {v.c, c};
    return c;
  }

  /// Location of the vit.constant of `h`: the node's, with the ONNX tensor
  /// name as metadata (`{onnx.tensor = "NAME"}`, read by the lowering's
  /// fixed-point range check, passes/LowerToMpc.cpp) when `h` holds the
  /// values of a named initializer or Constant.
  Location constantLoc(const HostTensor &h) {
    if (h.name.empty())
      return loc;
    return FusedLoc::get(&ctx, {loc},
                         b.getDictionaryAttr(b.getNamedAttr(
                             "onnx.tensor", b.getStringAttr(h.name))));
  }

  std::string blobName(const HostTensor &h) {
    std::string raw = h.proto ? h.proto->name() : node->output(0);
    std::string s;
    for (char ch : raw)
      s += llvm::isAlnum(ch) || ch == '_' ? ch : '_';
    if (s.empty() || llvm::isDigit(s[0]))
      s = "w_" + s;
    return s;
  }

  HostPtr hostInts(std::vector<int64_t> shape, std::vector<int64_t> data,
                   HostTensor::Kind kind = HostTensor::Kind::I64) {
    auto h = std::make_shared<HostTensor>();
    h->kind = kind;
    h->shape = std::move(shape);
    h->i = std::move(data);
    return h;
  }
  /// Output 0 = f applied to every element of the float constant h, rounded
  /// to h's element type (constant folding of elementwise ops).
  void setFoldedFloats(const HostTensor &h,
                       llvm::function_ref<double(double)> f) {
    std::vector<double> out = h.f;
    for (double &v : out) {
      v = f(v);
      if (h.kind == HostTensor::Kind::F32)
        v = static_cast<float>(v);
    }
    setOutput(0, Val{Value(), hostFloats(h.shape, std::move(out), h.kind)});
  }
  HostPtr hostFloats(std::vector<int64_t> shape, std::vector<double> data,
                     HostTensor::Kind kind) {
    auto h = std::make_shared<HostTensor>();
    h->kind = kind;
    h->shape = std::move(shape);
    h->f = std::move(data);
    return h;
  }

  /// Applies a data-movement kernel to a host tensor through an index map:
  /// the kernel runs on the indices 0..n-1 and the result picks values.
  HostPtr hostMove(const HostTensor &in,
                   llvm::function_ref<eval::Tensor(const eval::Tensor &)> k) {
    checkSize(in.numElements());
    eval::Tensor idx(in.shape);
    for (size_t j = 0; j < idx.data.size(); ++j)
      idx.data[j] = static_cast<double>(j);
    eval::Tensor r = k(idx);
    checkSize(r.numElements());
    auto out = std::make_shared<HostTensor>();
    out->kind = in.kind;
    out->shape = r.shape;
    out->name = in.name;
    for (double d : r.data) {
      size_t j = static_cast<size_t>(d);
      if (in.isFloat())
        out->f.push_back(in.f[j]);
      else
        out->i.push_back(in.i[j]);
    }
    return out;
  }

  // --- node handlers -------------------------------------------------------
  void importNode();
  void importConstant();
  void importDropout();
  void importElementwiseBinary(llvm::StringRef op);
  void importPow();
  void importUnary(llvm::StringRef op);
  void importSigmoidLike(llvm::StringRef op);
  void importMatMul();
  void importGemm();
  void importConv();
  void importSoftmax();
  void importLayerNorm();
  void importGelu();
  void importTranspose();
  void importReshapeLike(llvm::StringRef op);
  void importConcat();
  void importSplit();
  void importSlice();
  void importGather();
  void importExpand();
  void importReduce(llvm::StringRef op);
  void importCast();
  void importShape();
  void importConstantOfShape();
  void importWhere();
  void importRange();

  /// A scalar float constant (f32 or f64 like the graph) as a runtime value.
  Value scalar(double v) {
    Val s{Value(), hostFloats({}, {v},
                              floatTy.isF32() ? HostTensor::Kind::F32
                                              : HostTensor::Kind::F64)};
    return rt(s);
  }
  /// A host constant with no elements (the value of an empty slice or
  /// split part, whatever its input): it folds like any constant.
  HostPtr emptyHost(std::vector<int64_t> shape, bool isFloat) {
    auto h = std::make_shared<HostTensor>();
    h->kind = isFloat ? (floatTy.isF32() ? HostTensor::Kind::F32
                                         : HostTensor::Kind::F64)
                      : HostTensor::Kind::I64;
    h->shape = std::move(shape);
    return h;
  }
  bool isFloatVal(const Val &v) { return !v.isConst() || v.c->isFloat(); }

  /// Emits vit.reshape unless the shape is unchanged.
  Value reshape(Value v, llvm::ArrayRef<int64_t> shape) {
    if (llvm::cast<RankedTensorType>(v.getType()).getShape() == shape)
      return v;
    return vit::ReshapeOp::create(b, loc, tensorTy(shape), v);
  }
  std::vector<int64_t> broadcast(const std::vector<int64_t> &a,
                                 const std::vector<int64_t> &c) {
    std::vector<int64_t> out;
    if (!eval::broadcastShapes(a, c, out))
      fail("operand shapes " + shapeStr(a) + " and " + shapeStr(c) +
           " do not broadcast (inconsistent shapes)");
    return out;
  }
  std::string nodeLabel();
  bool checkAttributes(llvm::StringRef op);
};

/// The attributes each op handler implements, by op_type (ONNX operator
/// documentation, opsets 11-20). An attribute outside this list is an error:
/// an attribute the importer ignored would change the result silently.
/// Opset-dependent entries are refined in Importer::checkAttributes.
const llvm::StringMap<llvm::SmallVector<llvm::StringRef, 6>> &opAttributes() {
  static const llvm::StringMap<llvm::SmallVector<llvm::StringRef, 6>> table =
      [] {
        llvm::StringMap<llvm::SmallVector<llvm::StringRef, 6>> t;
        for (const char *op :
             {"Identity", "Add",   "Sub",   "Mul",        "Div",
              "Pow",      "Equal", "Sqrt",  "Reciprocal", "Erf",
              "Tanh",     "Relu",  "Exp",   "Neg",        "MatMul",
              "Expand",   "Where", "Range", "Sigmoid",    "HardSwish"})
          t[op] = {};
        t["Constant"] = {"value", "value_float", "value_floats", "value_int",
                         "value_ints"};
        // seed and ratio have no effect in inference (training_mode false).
        t["Dropout"] = {"seed", "ratio"};
        t["Gemm"] = {"alpha", "beta", "transA", "transB"};
        t["Conv"] = {"auto_pad",     "dilations", "group",
                     "kernel_shape", "pads",      "strides"};
        t["Softmax"] = {"axis"};
        t["LayerNormalization"] = {"axis", "epsilon", "stash_type"};
        t["Gelu"] = {"approximate"};
        t["HardSigmoid"] = {"alpha", "beta"};
        t["Transpose"] = {"perm"};
        t["Reshape"] = {"allowzero"};
        t["Flatten"] = {"axis"};
        t["Squeeze"] = {"axes"};
        t["Unsqueeze"] = {"axes"};
        t["Concat"] = {"axis"};
        t["Split"] = {"axis", "split", "num_outputs"};
        t["Slice"] = {"starts", "ends", "axes"};
        t["Gather"] = {"axis"};
        for (const char *op :
             {"ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceMax"})
          t[op] = {"axes", "keepdims", "noop_with_empty_axes"};
        // saturate only affects casts to float8 types, which are refused.
        t["Cast"] = {"to", "saturate"};
        t["Shape"] = {"start", "end"};
        t["ConstantOfShape"] = {"value"};
        return t;
      }();
  return table;
}

/// Refuses any attribute of the node that its handler does not implement
/// (or that this opset moved to an input); false if the op is unknown.
bool Importer::checkAttributes(llvm::StringRef op) {
  const auto &table = opAttributes();
  auto it = table.find(op);
  if (it == table.end())
    return false;
  llvm::SmallVector<llvm::StringRef, 6> allowed(it->second.begin(),
                                                it->second.end());
  // Parameters that became inputs: the attribute form is not read there.
  llvm::SmallVector<llvm::StringRef, 3> moved;
  const char *why = "";
  if (op == "Slice" && opset >= 10) {
    moved = {"starts", "ends", "axes"};
    why = "starts, ends and axes are inputs since opset 10";
  } else if (op == "ReduceSum" && opset >= 13) {
    moved = {"axes"};
    why = "axes is an input of ReduceSum since opset 13";
  } else if ((op == "ReduceMean" || op == "ReduceMax" ||
              op == "ReduceSumSquare") &&
             opset >= 18) {
    moved = {"axes"};
    why = "axes is an input since opset 18";
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset >= 13) {
    moved = {"axes"};
    why = "axes is an input since opset 13";
  } else if (op == "Split" && opset >= 13) {
    moved = {"split"};
    why = "split is an input since opset 13";
  }
  if (op == "Split" && opset < 18 && attr("num_outputs"))
    fail("attribute 'num_outputs' is not valid at opset " + llvm::Twine(opset) +
         " (Split has it from opset 18); it would be ignored");
  for (llvm::StringRef name : moved)
    if (attr(name))
      fail("attribute '" + name + "' is not valid at opset " +
           llvm::Twine(opset) + " (" + why + "); it would be ignored");
  llvm::StringSet<> seen;
  for (const onnx::AttributeProto &a : node->attribute()) {
    if (!seen.insert(a.name()).second)
      fail("attribute '" + a.name() + "' is given twice");
    if (!llvm::is_contained(allowed, llvm::StringRef(a.name()))) {
      std::string list;
      for (llvm::StringRef n : allowed)
        list += (list.empty() ? "" : ", ") + n.str();
      fail("attribute '" + a.name() + "' is not supported by the importer (" +
           op + " implements " + (list.empty() ? "no attributes" : list) + ")");
    }
  }
  return true;
}

std::string Importer::nodeLabel() {
  std::string name =
      node->name().empty()
          ? "#" + std::to_string(nodeIndex) +
                (node->output_size() ? " (output '" + node->output(0) + "')"
                                     : std::string())
          : "'" + node->name() + "'";
  return "node " + name + " (" + node->op_type() + ", opset " +
         std::to_string(opset) + ")";
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Expected<OwningOpRef<ModuleOp>>
Importer::run(const std::vector<std::vector<int64_t>> &inputShapes) {
  const onnx::GraphProto &g = model.graph();
  auto fileError = [&](const llvm::Twine &msg) -> Error {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + file + "': " + msg);
  };
  for (const onnx::NodeProto &n : g.node())
    for (const std::string &in : n.input())
      consumed.insert(in);
  for (const onnx::ValueInfoProto &vi : g.output())
    consumed.insert(vi.name());
  // Initializers.
  std::unordered_map<std::string, bool> isInit;
  for (const onnx::TensorProto &t : g.initializer()) {
    Expected<HostTensor> h =
        decodeTensorProto(t, /*lazyFloats=*/true, opts.maxElements, t.name());
    if (!h)
      return fileError("initializer: " + llvm::toString(h.takeError()));
    h->name = t.name();
    values[t.name()] =
        Val{Value(), std::make_shared<HostTensor>(std::move(*h))};
    isInit[t.name()] = true;
  }
  // Runtime inputs (those that are not initializers).
  std::vector<const onnx::ValueInfoProto *> rtInputs;
  for (const onnx::ValueInfoProto &vi : g.input())
    if (!isInit.count(vi.name()))
      rtInputs.push_back(&vi);
  if (rtInputs.empty())
    return fileError("the graph has no runtime input");
  SmallVector<Type> argTypes;
  for (auto [k, vi] : llvm::enumerate(rtInputs)) {
    int32_t et = vi->type().tensor_type().elem_type();
    Type elt;
    if (et == onnx::TensorProto::FLOAT)
      elt = b.getF32Type();
    else if (et == onnx::TensorProto::DOUBLE)
      elt = b.getF64Type();
    else
      return fileError("input '" + vi->name() + "' has element type " +
                       onnx::TensorProto::DataType_Name(
                           static_cast<onnx::TensorProto::DataType>(et)) +
                       " (expected FLOAT or DOUBLE)");
    if (!floatTy)
      floatTy = elt;
    else if (floatTy != elt)
      return fileError("input '" + vi->name() + "' is " +
                       (elt.isF32() ? "FLOAT" : "DOUBLE") + " but input '" +
                       rtInputs[0]->name() + "' is " +
                       (floatTy.isF32() ? "FLOAT" : "DOUBLE") +
                       " (inputs mixing FLOAT and DOUBLE are not supported)");
    argTypes.push_back(RankedTensorType::get(inputShapes[k], elt));
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&ctx));
  b.setInsertionPointToEnd(module->getBody());
  Location fileLoc = FileLineColLoc::get(&ctx, file, 0, 0);
  auto func =
      func::FuncOp::create(b, fileLoc, "main", b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [k, vi] : llvm::enumerate(rtInputs))
    values[vi->name()] = Val{entry->getArgument(k), nullptr};

  for (int n = 0; n < g.node_size(); ++n) {
    node = &g.node(n);
    nodeIndex = n;
    loc = NameLoc::get(StringAttr::get(&ctx, node->name().empty()
                                                 ? node->op_type()
                                                 : node->name()),
                       FileLineColLoc::get(&ctx, file, n, 0));
    try {
      importNode();
    } catch (const NodeFailure &f) {
      return fileError(nodeLabel() + ": " + f.msg);
    } catch (const std::exception &e) {
      // bad_alloc, length_error, ...: report, never terminate.
      return fileError(nodeLabel() + ": internal error: " + e.what());
    }
  }

  // Outputs.
  SmallVector<Value> results;
  node = nullptr;
  for (const onnx::ValueInfoProto &vi : g.output()) {
    auto it = values.find(vi.name());
    if (it == values.end())
      return fileError("graph output '" + vi.name() + "' is never produced");
    Value v;
    try {
      onnx::NodeProto fake;
      fake.set_op_type("Output");
      fake.add_output(vi.name());
      node = &fake;
      v = rt(it->second);
      node = nullptr;
    } catch (const NodeFailure &f) {
      return fileError("graph output '" + vi.name() + "': " + f.msg);
    } catch (const std::exception &e) {
      return fileError("graph output '" + vi.name() +
                       "': internal error: " + e.what());
    }
    auto ty = llvm::cast<RankedTensorType>(v.getType());
    if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape()) {
      const auto &dims = vi.type().tensor_type().shape().dim();
      bool mismatch = dims.size() != ty.getRank();
      for (int d = 0; !mismatch && d < dims.size(); ++d)
        if (dims[d].has_dim_value() && dims[d].dim_value() != ty.getDimSize(d))
          mismatch = true;
      if (mismatch) {
        std::vector<int64_t> declared;
        for (const auto &d : dims)
          declared.push_back(d.has_dim_value() ? d.dim_value() : -1);
        return fileError("graph output '" + vi.name() + "' is declared " +
                         shapeStr(declared) + " but computes to " +
                         shapeStr(ty.getShape()) + " (inconsistent shapes)");
      }
    }
    results.push_back(v);
  }
  if (results.empty())
    return fileError("the graph has no outputs");
  func::ReturnOp::create(b, fileLoc, results);
  func.setFunctionType(
      b.getFunctionType(argTypes, ValueRange(results).getTypes()));

  // Verify: a failure here is an importer bug or an inconsistency that the
  // per-node checks missed; report it, do not abort.
  std::string diag;
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      llvm::raw_string_ostream os(diag);
      os << d.getLocation() << ": " << d.str() << "\n";
      return success();
    });
    if (failed(verify(*module)))
      return fileError("the imported IR does not verify (inconsistent "
                       "shapes?):\n" +
                       diag);
  }
  return module;
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

void Importer::importNode() {
  if (!node->domain().empty() && node->domain() != "ai.onnx")
    fail("domain '" + node->domain() +
         "' is not supported (expected the default ONNX domain)");
  llvm::StringRef op = node->op_type();
  if (!checkAttributes(op))
    fail("op_type '" + op +
         "' is not supported by the importer (supported: Conv, MatMul, Gemm, "
         "Add, Sub, Mul, Div, Pow, Sqrt, Reciprocal, Erf, Gelu, Tanh, "
         "Sigmoid, HardSigmoid, HardSwish, Relu, Exp, Neg, Softmax, "
         "LayerNormalization, Transpose, Reshape, Flatten, Concat, Split, "
         "Slice, Gather, Squeeze, Unsqueeze, Expand, Constant, "
         "ConstantOfShape, Identity, Dropout, ReduceMean, ReduceSum, "
         "ReduceSumSquare, ReduceMax, Cast, Shape, Equal, Where, Range)");
  if (op == "Constant")
    return importConstant();
  if (op == "Identity") {
    setOutput(0, input(0));
    return;
  }
  if (op == "Dropout")
    return importDropout();
  if (op == "Pow")
    return importPow();
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal")
    return importElementwiseBinary(op);
  if (op == "Sigmoid" || op == "HardSigmoid" || op == "HardSwish")
    return importSigmoidLike(op);
  if (op == "Sqrt" || op == "Reciprocal" || op == "Erf" || op == "Tanh" ||
      op == "Relu" || op == "Exp" || op == "Neg")
    return importUnary(op);
  if (op == "MatMul")
    return importMatMul();
  if (op == "Gemm")
    return importGemm();
  if (op == "Conv")
    return importConv();
  if (op == "Softmax")
    return importSoftmax();
  if (op == "LayerNormalization")
    return importLayerNorm();
  if (op == "Gelu")
    return importGelu();
  if (op == "Transpose")
    return importTranspose();
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze")
    return importReshapeLike(op);
  if (op == "Concat")
    return importConcat();
  if (op == "Split")
    return importSplit();
  if (op == "Slice")
    return importSlice();
  if (op == "Gather")
    return importGather();
  if (op == "Expand")
    return importExpand();
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceSumSquare" ||
      op == "ReduceMax")
    return importReduce(op);
  if (op == "Cast")
    return importCast();
  if (op == "Shape")
    return importShape();
  if (op == "ConstantOfShape")
    return importConstantOfShape();
  if (op == "Where")
    return importWhere();
  if (op == "Range")
    return importRange();
  fail("op_type '" + op + "' has no handler (importer bug)");
}

void Importer::importDropout() {
  // Inference: the identity, unless training_mode (input #2, opset 12+) is
  // true. The mask output is not produced.
  if (hasInput(2)) {
    Val &t = input(2);
    if (!t.isConst())
      fail("training_mode (input #2) must be a constant false");
    HostTensor &h = constInput(2, "training_mode");
    if (h.numElements() != 1 || (h.isFloat() ? h.f[0] != 0 : h.i[0] != 0))
      fail("training_mode = true is not supported (inference only)");
  }
  if (node->output_size() > 1 && !node->output(1).empty())
    fail("the mask output is not supported");
  setOutput(0, input(0));
}

void Importer::importConstant() {
  // Exactly one of the value attributes (the attribute check has refused
  // sparse_value and the string forms).
  if (node->attribute_size() != 1)
    fail("needs exactly one value attribute (value, value_float(s) or "
         "value_int(s)), got " +
         llvm::Twine(node->attribute_size()));
  const onnx::AttributeProto &a = node->attribute(0);
  std::string name = node->output_size() ? node->output(0) : "Constant";
  HostPtr h;
  if (a.name() == "value") {
    if (a.type() != onnx::AttributeProto::TENSOR)
      fail("attribute 'value' must be a tensor");
    Expected<HostTensor> t =
        decodeTensorProto(a.t(), false, opts.maxElements, name);
    if (!t)
      fail(llvm::toString(t.takeError()));
    h = std::make_shared<HostTensor>(std::move(*t));
  } else if (a.name() == "value_float") {
    h = hostFloats({}, {attrFloat("value_float", 0)}, HostTensor::Kind::F32);
  } else if (a.name() == "value_int") {
    h = hostInts({}, {attrInt("value_int", 0)});
  } else if (a.name() == "value_floats") {
    if (a.type() != onnx::AttributeProto::FLOATS)
      fail("attribute 'value_floats' must be a list of floats");
    h = hostFloats({int64_t(a.floats_size())},
                   std::vector<double>(a.floats().begin(), a.floats().end()),
                   HostTensor::Kind::F32);
  } else if (a.name() == "value_ints") {
    std::vector<int64_t> v = *attrInts("value_ints");
    h = hostInts({int64_t(v.size())}, v);
  } else {
    fail("attribute '" + a.name() + "' is not supported by the importer");
  }
  h->name = name;
  setOutput(0, Val{Value(), h});
}

void Importer::importElementwiseBinary(llvm::StringRef op) {
  Val &x = input(0), &y = input(1);
  std::vector<int64_t> shape = broadcast(shapeOf(x), shapeOf(y));
  if (x.isConst() && y.isConst()) {
    HostTensor &hx = constInput(0, "lhs"), &hy = constInput(1, "rhs");
    checkSize(numel(shape));
    bool isFloat = hx.isFloat() || hy.isFloat();
    eval::Tensor a(hx.shape), c(hy.shape);
    for (size_t j = 0; j < a.data.size(); ++j)
      a.data[j] = hx.isFloat() ? hx.f[j] : double(hx.i[j]);
    for (size_t j = 0; j < c.data.size(); ++j)
      c.data[j] = hy.isFloat() ? hy.f[j] : double(hy.i[j]);
    if (!isFloat) {
      // Integer arithmetic through an index map keeps int64 exact.
      eval::Tensor ia(hx.shape), ic(hy.shape);
      for (size_t j = 0; j < ia.data.size(); ++j)
        ia.data[j] = double(j);
      for (size_t j = 0; j < ic.data.size(); ++j)
        ic.data[j] = double(j);
      eval::Tensor ra =
          eval::broadcastBinary(ia, ic, [](double p, double) { return p; });
      eval::Tensor rc =
          eval::broadcastBinary(ia, ic, [](double, double q) { return q; });
      std::vector<int64_t> out(ra.data.size());
      for (size_t j = 0; j < out.size(); ++j) {
        int64_t p = hx.i[size_t(ra.data[j])], q = hy.i[size_t(rc.data[j])];
        if (op == "Add")
          out[j] = int64_t(uint64_t(p) + uint64_t(q));
        else if (op == "Sub")
          out[j] = int64_t(uint64_t(p) - uint64_t(q));
        else if (op == "Mul")
          out[j] = int64_t(uint64_t(p) * uint64_t(q));
        else if (op == "Div") {
          if (q == 0 || (p == std::numeric_limits<int64_t>::min() && q == -1))
            fail("integer division by zero or overflow in a constant");
          out[j] = p / q;
        } else if (op == "Equal")
          out[j] = p == q;
        else
          fail("integer Pow is not supported");
      }
      setOutput(0, Val{Value(), hostInts(ra.shape, out,
                                         op == "Equal" ? HostTensor::Kind::Bool
                                                       : hx.kind)});
      return;
    }
    eval::Tensor r = eval::broadcastBinary(a, c, [&](double p, double q) {
      if (op == "Add")
        return p + q;
      if (op == "Sub")
        return p - q;
      if (op == "Mul")
        return p * q;
      if (op == "Div")
        return p / q;
      if (op == "Equal")
        return double(p == q);
      return std::pow(p, q);
    });
    if (op == "Equal") {
      setOutput(0, Val{Value(), hostInts(r.shape,
                                         std::vector<int64_t>(r.data.begin(),
                                                              r.data.end()),
                                         HostTensor::Kind::Bool)});
      return;
    }
    HostTensor::Kind kind = hx.isFloat() ? hx.kind : hy.kind;
    if (kind == HostTensor::Kind::F32)
      for (double &v : r.data)
        v = static_cast<float>(v);
    setOutput(0, Val{Value(), hostFloats(r.shape, r.data, kind)});
    return;
  }
  if (op == "Equal")
    fail("Equal on a runtime tensor is not supported (only shape "
         "computations that fold to constants)");
  for (Val *v : {&x, &y})
    if (v->isConst() && !v->c->isFloat())
      fail("mixes a runtime float tensor with an integer constant");
  Value l = rt(x), r = rt(y);
  RankedTensorType ty = tensorTy(shape);
  Value res;
  if (op == "Add")
    res = vit::AddOp::create(b, loc, ty, l, r);
  else if (op == "Sub")
    res = vit::SubOp::create(b, loc, ty, l, r);
  else if (op == "Mul")
    res = vit::MulOp::create(b, loc, ty, l, r);
  else if (op == "Div")
    res = vit::DivOp::create(b, loc, ty, l, r);
  else
    res = vit::PowOp::create(b, loc, ty, l, r);
  setOutput(0, Val{res, nullptr});
}

void Importer::importPow() {
  Val &x = input(0), &y = input(1);
  if (x.isConst() && y.isConst())
    return importElementwiseBinary("Pow");
  if (x.isConst() && !x.c->isFloat())
    fail("an integer base with a runtime exponent is not supported");
  std::vector<int64_t> xs = shapeOf(x), ys = shapeOf(y);
  std::vector<int64_t> shape = broadcast(xs, ys);
  if (y.isConst()) {
    // A constant exponent, as exporters emit (2 in LayerNorm, 3 in tanh
    // GeLU), may be an integer tensor (Pow-12+ allows int32/int64 Y).
    HostTensor &h = constInput(1, "exponent Y");
    std::vector<double> e =
        h.isFloat() ? h.f : std::vector<double>(h.i.begin(), h.i.end());
    // One integer exponent n with |n| <= 64 that does not broadcast X to a
    // larger shape: x^n as repeated products (square and multiply), x^-n
    // as the reciprocal of x^n, x^0 = 1, through ops with private
    // lowerings; any other exponent stays vit.pow.
    if (!e.empty() && llvm::all_equal(e) && std::isfinite(e[0]) &&
        e[0] == std::trunc(e[0]) && std::fabs(e[0]) <= 64 && shape == xs) {
      int64_t n = static_cast<int64_t>(e[0]);
      if (n == 0) {
        checkSize(numel(shape));
        setOutput(0,
                  Val{Value(),
                      hostFloats(shape, std::vector<double>(numel(shape), 1.0),
                                 floatTy.isF32() ? HostTensor::Kind::F32
                                                 : HostTensor::Kind::F64)});
        return;
      }
      Value base = x.v;
      Type ty = base.getType();
      Value acc;
      for (int64_t k = n < 0 ? -n : n; k; k >>= 1) {
        if (k & 1)
          acc = acc ? vit::MulOp::create(b, loc, ty, acc, base).getResult()
                    : base;
        if (k > 1)
          base = vit::MulOp::create(b, loc, ty, base, base);
      }
      if (n < 0)
        acc = vit::ReciprocalOp::create(b, loc, ty, acc);
      setOutput(0, Val{acc, nullptr});
      return;
    }
    if (!h.isFloat()) {
      Val ef{Value(), hostFloats(h.shape, e,
                                 floatTy.isF32() ? HostTensor::Kind::F32
                                                 : HostTensor::Kind::F64)};
      setOutput(0,
                Val{vit::PowOp::create(b, loc, tensorTy(shape), rt(x), rt(ef)),
                    nullptr});
      return;
    }
  }
  setOutput(0, Val{vit::PowOp::create(b, loc, tensorTy(shape), rt(x), rt(y)),
                   nullptr});
}

void Importer::importSigmoidLike(llvm::StringRef op) {
  Val &x = input(0);
  double alpha = 0.2, beta = 0.5;
  if (op == "HardSigmoid") {
    alpha = attrFloat("alpha", 0.2);
    beta = attrFloat("beta", 0.5);
  } else if (op == "HardSwish") {
    alpha = 1.0 / 6.0;
  }
  if (x.isConst()) {
    HostTensor &h = constInput(0, "input");
    if (!h.isFloat())
      fail("integer input is not supported");
    setFoldedFloats(h, [&](double v) {
      if (op == "Sigmoid")
        return 1.0 / (1.0 + std::exp(-v));
      return (op == "HardSwish" ? v : 1.0) *
             std::max(0.0, std::min(1.0, alpha * v + beta));
    });
    return;
  }
  Value v = x.v;
  Type ty = v.getType();
  if (op == "Sigmoid") {
    // σ(x) = 0.5 + 0.5·tanh(x/2): through vit.tanh, so that a private
    // tanh also gives sigmoid (and SiLU = x·σ(x)).
    Value t = vit::TanhOp::create(
        b, loc, ty, vit::MulOp::create(b, loc, ty, v, scalar(0.5)));
    Value h = vit::MulOp::create(b, loc, ty, t, scalar(0.5));
    setOutput(0, Val{vit::AddOp::create(b, loc, ty, h, scalar(0.5)), nullptr});
    return;
  }
  // max(0, min(1, αx + β)) = 1 − relu(1 − relu(αx + β)); HardSwish is x
  // times HardSigmoid(x) with α = 1/6, β = 1/2.
  Value a = vit::AddOp::create(b, loc, ty,
                               vit::MulOp::create(b, loc, ty, v, scalar(alpha)),
                               scalar(beta));
  Value r = vit::ReluOp::create(b, loc, ty, a);
  Value c = vit::ReluOp::create(b, loc, ty,
                                vit::SubOp::create(b, loc, ty, scalar(1.0), r));
  Value hs = vit::SubOp::create(b, loc, ty, scalar(1.0), c);
  if (op == "HardSwish")
    hs = vit::MulOp::create(b, loc, ty, v, hs);
  setOutput(0, Val{hs, nullptr});
}

void Importer::importUnary(llvm::StringRef op) {
  Val &x = input(0);
  if (x.isConst()) {
    HostTensor &h = constInput(0, "input");
    if (!h.isFloat()) {
      if (op != "Neg" && op != "Relu")
        fail("integer input is not supported");
      std::vector<int64_t> out = h.i;
      for (int64_t &v : out)
        v = op == "Neg" ? int64_t(0 - uint64_t(v)) : std::max<int64_t>(v, 0);
      setOutput(0, Val{Value(), hostInts(h.shape, out)});
      return;
    }
    setFoldedFloats(h, [&](double v) {
      if (op == "Sqrt")
        return std::sqrt(v);
      if (op == "Reciprocal")
        return 1.0 / v;
      if (op == "Erf")
        return std::erf(v);
      if (op == "Tanh")
        return std::tanh(v);
      if (op == "Relu")
        return std::max(v, 0.0);
      if (op == "Exp")
        return std::exp(v);
      return -v;
    });
    return;
  }
  Value v = x.v;
  Type ty = v.getType();
  Value res;
  if (op == "Sqrt")
    res = vit::SqrtOp::create(b, loc, ty, v);
  else if (op == "Reciprocal")
    res = vit::ReciprocalOp::create(b, loc, ty, v);
  else if (op == "Erf")
    res = vit::ErfOp::create(b, loc, ty, v);
  else if (op == "Tanh")
    res = vit::TanhOp::create(b, loc, ty, v);
  else if (op == "Relu")
    res = vit::ReluOp::create(b, loc, ty, v);
  else if (op == "Exp")
    res = vit::ExpOp::create(b, loc, ty, v);
  else {
    Val m1{Value(), hostFloats({}, {-1.0}, HostTensor::Kind::F32)};
    res = vit::MulOp::create(b, loc, ty, v, rt(m1));
  }
  setOutput(0, Val{res, nullptr});
}

void Importer::importMatMul() {
  Val &x = input(0), &y = input(1);
  std::vector<int64_t> a = shapeOf(x), c = shapeOf(y);
  if (a.size() < 2 || c.size() < 2)
    fail("operands " + shapeStr(a) + " and " + shapeStr(c) +
         " must have rank >= 2 (1-D MatMul is not supported)");
  if (a.back() != c[c.size() - 2])
    fail("contraction dimensions differ: " + shapeStr(a) + " × " + shapeStr(c) +
         " (inconsistent shapes)");
  std::vector<int64_t> batch =
      broadcast(std::vector<int64_t>(a.begin(), a.end() - 2),
                std::vector<int64_t>(c.begin(), c.end() - 2));
  batch.push_back(a[a.size() - 2]);
  batch.push_back(c.back());
  checkSize(numel(batch));
  if (x.isConst() && y.isConst()) {
    HostTensor &hx = constInput(0, "A"), &hy = constInput(1, "B");
    if (!hx.isFloat() || !hy.isFloat())
      fail("integer MatMul is not supported");
    eval::Tensor ta(hx.shape), tb(hy.shape);
    ta.data = hx.f;
    tb.data = hy.f;
    eval::Tensor r = eval::matmul(ta, tb);
    setOutput(0, Val{Value(), hostFloats(r.shape, r.data, hx.kind)});
    return;
  }
  setOutput(0, Val{vit::MatmulOp::create(b, loc, tensorTy(batch), rt(x), rt(y)),
                   nullptr});
}

void Importer::importGemm() {
  Val &x = input(0), &y = input(1);
  std::vector<int64_t> a = shapeOf(x), c = shapeOf(y);
  if (a.size() != 2 || c.size() != 2)
    fail("A " + shapeStr(a) + " and B " + shapeStr(c) + " must be 2-D");
  bool transA = attrInt("transA", 0), transB = attrInt("transB", 0);
  double alpha = attrFloat("alpha", 1.0), beta = attrFloat("beta", 1.0);
  for (Val *v : {&x, &y})
    if (v->isConst() && !v->c->isFloat())
      fail("integer Gemm is not supported");
  Value va = rt(x), vb = rt(y);
  if (transA) {
    std::swap(a[0], a[1]);
    va = vit::TransposeOp::create(b, loc, tensorTy(a), va,
                                  llvm::ArrayRef<int64_t>{1, 0});
  }
  if (transB) {
    std::swap(c[0], c[1]);
    vb = vit::TransposeOp::create(b, loc, tensorTy(c), vb,
                                  llvm::ArrayRef<int64_t>{1, 0});
  }
  if (a[1] != c[0])
    fail("contraction dimensions differ: A' " + shapeStr(a) + " × B' " +
         shapeStr(c) + " (inconsistent shapes)");
  std::vector<int64_t> out = {a[0], c[1]};
  Value res = vit::MatmulOp::create(b, loc, tensorTy(out), va, vb);
  if (alpha != 1.0) {
    Val s{Value(), hostFloats({}, {alpha}, HostTensor::Kind::F32)};
    res = vit::MulOp::create(b, loc, tensorTy(out), res, rt(s));
  }
  if (hasInput(2) && beta != 0.0) {
    Val &cv = input(2);
    if (cv.isConst() && !cv.c->isFloat())
      fail("C must be a float tensor");
    std::vector<int64_t> bs = broadcast(out, shapeOf(cv));
    if (bs != out)
      fail("C " + shapeStr(shapeOf(cv)) + " does not broadcast to the result " +
           shapeStr(out));
    Value vc = rt(cv);
    if (beta != 1.0) {
      Val s{Value(), hostFloats({}, {beta}, HostTensor::Kind::F32)};
      vc = vit::MulOp::create(b, loc, vc.getType(), vc, rt(s));
    }
    res = vit::AddOp::create(b, loc, tensorTy(out), res, vc);
  }
  setOutput(0, Val{res, nullptr});
}

void Importer::importConv() {
  Val &x = input(0), &w = input(1);
  std::vector<int64_t> xs = shapeOf(x), ws = shapeOf(w);
  if (xs.size() != 4 || ws.size() != 4)
    fail("only 2-D convolution is supported: X " + shapeStr(xs) + ", W " +
         shapeStr(ws) + " (expected rank 4)");
  if (attrInt("group", 1) != 1)
    fail("attribute group = " + llvm::Twine(attrInt("group", 1)) +
         " is not supported (expected 1)");
  std::string autoPad = attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    fail("attribute auto_pad = '" + autoPad +
         "' is not supported (expected NOTSET, VALID, SAME_UPPER or "
         "SAME_LOWER)");
  std::vector<int64_t> strides =
      attrInts("strides").value_or(std::vector<int64_t>{1, 1});
  std::vector<int64_t> pads =
      attrInts("pads").value_or(std::vector<int64_t>{0, 0, 0, 0});
  if (autoPad != "NOTSET" && attr("pads") &&
      llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    fail("attribute pads " + shapeStr(pads) + " together with auto_pad = " +
         autoPad + " is not supported (auto_pad sets the padding)");
  std::vector<int64_t> dil =
      attrInts("dilations").value_or(std::vector<int64_t>{1, 1});
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1)
    fail("strides " + shapeStr(strides) + " (expected two positive values)");
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    fail("pads " + shapeStr(pads) + " (expected four non-negative values)");
  if (dil != std::vector<int64_t>{1, 1})
    fail("dilations " + shapeStr(dil) + " are not supported (expected [1, 1])");
  if (auto ks = attrInts("kernel_shape"))
    if (*ks != std::vector<int64_t>{ws[2], ws[3]})
      fail("kernel_shape " + shapeStr(*ks) + " does not match W " +
           shapeStr(ws));
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // Output size ceil(in / stride); the total padding is split evenly,
    // the odd one at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
    for (int i = 0; i < 2; ++i) {
      int64_t in = xs[2 + i], k = ws[2 + i], s = strides[i];
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + k - in);
      int64_t small = total / 2, large = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : large;
      pads[2 + i] = autoPad == "SAME_UPPER" ? large : small;
    }
  }
  if (xs[1] != ws[1])
    fail("X " + shapeStr(xs) + " has " + llvm::Twine(xs[1]) +
         " channels but W " + shapeStr(ws) + " expects " + llvm::Twine(ws[1]) +
         " (inconsistent shapes)");
  int64_t h = xs[2] + pads[0] + pads[2], wd = xs[3] + pads[1] + pads[3];
  if (h < ws[2] || wd < ws[3])
    fail("kernel is larger than the padded image");
  std::vector<int64_t> out = {xs[0], ws[0], (h - ws[2]) / strides[0] + 1,
                              (wd - ws[3]) / strides[1] + 1};
  checkSize(numel(out));
  Value bias;
  if (hasInput(2)) {
    Val &bv = input(2);
    if (shapeOf(bv) != std::vector<int64_t>{ws[0]})
      fail("B " + shapeStr(shapeOf(bv)) + " must be [" + llvm::Twine(ws[0]) +
           "]");
    bias = rt(bv);
  }
  Value xv = x.isConst() ? rt(x) : x.v;
  setOutput(0, Val{vit::ConvPatchOp::create(b, loc, tensorTy(out), xv, rt(w),
                                            bias, strides, pads),
                   nullptr});
}

void Importer::importSoftmax() {
  Val &x = input(0);
  if (x.isConst())
    fail("Softmax of a constant is not supported");
  int64_t rank = shapeOf(x).size();
  int64_t axis = normAxis(attrInt("axis", opset < 13 ? 1 : -1), rank);
  if (opset < 13 && axis != rank - 1)
    fail("Softmax before opset 13 with axis " + llvm::Twine(axis) +
         " != rank - 1 (a flattened softmax) is not supported");
  setOutput(0,
            Val{vit::SoftmaxOp::create(b, loc, x.v.getType(), x.v, axis - rank),
                nullptr});
}

void Importer::importLayerNorm() {
  // ONNX LayerNormalization-17: normalises over the axes [axis, rank) with
  // Scale and B broadcast to that shape; optional outputs Mean and
  // InvStdDev (shape X[:axis] + [1, ...]). Any axis: X is viewed as
  // X[:axis] + [D] (D the product of the normalised dimensions) for
  // vit.layer_norm and reshaped back.
  Val &x = input(0);
  if (x.isConst())
    fail("LayerNormalization of a constant is not supported");
  std::vector<int64_t> xs = shapeOf(x);
  int64_t rank = xs.size();
  int64_t axis = normAxis(attrInt("axis", -1), rank);
  if (int64_t st = attrInt("stash_type", onnx::TensorProto::FLOAT);
      st != onnx::TensorProto::FLOAT)
    fail("attribute stash_type = " + llvm::Twine(st) +
         " is not supported (expected 1, float)");
  double eps = attrFloat("epsilon", 1e-5);
  std::vector<int64_t> normShape(xs.begin() + axis, xs.end());
  int64_t d = numel(normShape);
  if (d <= 0)
    fail("the normalised dimensions " + shapeStr(normShape) +
         " are empty or too large");
  std::vector<int64_t> flat(xs.begin(), xs.begin() + axis);
  if (flat.empty())
    flat.push_back(1);
  flat.push_back(d);
  Type ty = x.v.getType();
  // Scale/B with D elements become the op's [D] operands; a smaller one
  // that broadcasts to the normalised shape is applied after it (and B
  // after a Scale applied after it: y = n·Scale + B).
  Value postScale, postBias;
  auto param = [&](int i, double fill, Value &post, bool forcePost) -> Value {
    auto fillD = [&] {
      Val z{Value(), hostFloats({d}, std::vector<double>(d, fill),
                                HostTensor::Kind::F32)};
      return rt(z);
    };
    if (!hasInput(i))
      return fillD();
    Val &p = input(i);
    if (p.isConst() && !p.c->isFloat())
      fail(llvm::Twine(i == 1 ? "Scale" : "B") + " must be a float tensor");
    std::vector<int64_t> ps = shapeOf(p), bs;
    if (!eval::broadcastShapes(normShape, ps, bs) || bs != normShape)
      fail((i == 1 ? "Scale " : "B ") + shapeStr(ps) +
           " does not broadcast to the normalised shape " +
           shapeStr(normShape));
    if (numel(ps) == d && !forcePost)
      return reshape(rt(p), {d});
    post = rt(p);
    return fillD();
  };
  Value g = param(1, 1.0, postScale, false);
  Value be = param(2, 0.0, postBias, bool(postScale));
  Value y = vit::LayerNormOp::create(b, loc, tensorTy(flat), reshape(x.v, flat),
                                     g, be, b.getF64FloatAttr(eps));
  y = reshape(y, xs);
  if (postScale)
    y = vit::MulOp::create(b, loc, ty, y, postScale);
  if (postBias)
    y = vit::AddOp::create(b, loc, ty, y, postBias);
  setOutput(0, Val{y, nullptr});
  // Mean and InvStdDev, when the graph reads them: from primitive ops
  // (plaintext; nothing lowers reciprocal/sqrt privately).
  auto read = [&](int k) {
    return node->output_size() > k && !node->output(k).empty() &&
           consumed.count(node->output(k));
  };
  bool wantMean = read(1), wantInv = read(2);
  if (!wantMean && !wantInv)
    return;
  std::vector<int64_t> axes, statShape(xs.begin(), xs.begin() + axis);
  for (int64_t a = axis; a < rank; ++a) {
    axes.push_back(a);
    statShape.push_back(1);
  }
  Value mean =
      vit::ReduceMeanOp::create(b, loc, tensorTy(statShape), x.v, axes, true);
  if (wantMean)
    setOutput(1, Val{mean, nullptr});
  if (!wantInv)
    return;
  Value dev = vit::SubOp::create(b, loc, ty, x.v, mean);
  Value var = vit::ReduceMeanOp::create(
      b, loc, tensorTy(statShape), vit::MulOp::create(b, loc, ty, dev, dev),
      axes, true);
  Value sd = vit::SqrtOp::create(
      b, loc, var.getType(),
      vit::AddOp::create(b, loc, var.getType(), var, scalar(eps)));
  setOutput(2,
            Val{vit::ReciprocalOp::create(b, loc, var.getType(), sd), nullptr});
}

void Importer::importGelu() {
  Val &x = input(0);
  if (x.isConst())
    fail("Gelu of a constant is not supported");
  std::string approx = attrString("approximate", "none");
  vit::GeluKind kind;
  if (approx == "none")
    kind = vit::GeluKind::Erf;
  else if (approx == "tanh")
    kind = vit::GeluKind::Tanh;
  else
    fail("approximate = '" + approx + "' (expected none or tanh)");
  setOutput(0, Val{vit::GeluOp::create(b, loc, x.v.getType(), x.v,
                                       vit::GeluKindAttr::get(&ctx, kind)),
                   nullptr});
}

void Importer::importTranspose() {
  Val &x = input(0);
  std::vector<int64_t> xs = shapeOf(x);
  int64_t rank = xs.size();
  std::vector<int64_t> perm;
  if (auto p = attrInts("perm"))
    perm = *p;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  std::vector<bool> seen(rank, false);
  if (int64_t(perm.size()) != rank)
    fail("perm " + shapeStr(perm) + " does not match rank " +
         llvm::Twine(rank));
  std::vector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      fail("perm " + shapeStr(perm) + " is not a permutation");
    seen[p] = true;
    out.push_back(xs[p]);
  }
  if (x.isConst()) {
    HostTensor &h = constInput(0, "data");
    setOutput(0, Val{Value(), hostMove(h, [&](const eval::Tensor &t) {
                       return eval::transpose(t, perm);
                     })});
    return;
  }
  setOutput(0, Val{vit::TransposeOp::create(b, loc, tensorTy(out), x.v, perm),
                   nullptr});
}

void Importer::importReshapeLike(llvm::StringRef op) {
  Val &x = input(0);
  std::vector<int64_t> xs = shapeOf(x), out;
  int64_t rank = xs.size();
  if (op == "Reshape") {
    std::vector<int64_t> spec = constInts(1, "shape");
    bool allowZero = attrInt("allowzero", 0);
    int64_t infer = -1, known = 1;
    for (size_t i = 0; i < spec.size(); ++i) {
      int64_t d = spec[i];
      if (d == 0 && !allowZero) {
        if (int64_t(i) >= rank)
          fail("shape " + shapeStr(spec) + " copies dimension " +
               llvm::Twine(i) + " of a rank-" + llvm::Twine(rank) + " input");
        d = xs[i];
      }
      if (d == -1) {
        if (infer >= 0)
          fail("shape " + shapeStr(spec) + " has more than one -1");
        infer = i;
      } else if (d < 0) {
        fail("shape " + shapeStr(spec) + " has a negative dimension");
      } else {
        known = numel({known, d});
        if (known < 0)
          fail("shape " + shapeStr(spec) + " is too large");
      }
      out.push_back(d);
    }
    int64_t n = numel(xs);
    if (infer >= 0) {
      if (known == 0 || n % known)
        fail("cannot reshape " + shapeStr(xs) + " to " + shapeStr(spec));
      out[infer] = n / known;
    }
    if (numel(out) != n)
      fail("cannot reshape " + shapeStr(xs) + " (" + llvm::Twine(n) +
           " elements) to " + shapeStr(out) + " (inconsistent shapes)");
  } else if (op == "Flatten") {
    int64_t axis = attrInt("axis", 1);
    if (axis < -rank || axis > rank)
      fail("axis " + llvm::Twine(axis) + " is out of range for rank " +
           llvm::Twine(rank));
    if (axis < 0)
      axis += rank;
    out = {numel(llvm::ArrayRef<int64_t>(xs).take_front(axis)),
           numel(llvm::ArrayRef<int64_t>(xs).drop_front(axis))};
  } else {
    std::vector<int64_t> axes;
    bool haveAxes = false;
    if (opset >= 13 && hasInput(1)) {
      axes = constInts(1, "axes");
      haveAxes = true;
    } else if (auto a = attrInts("axes")) {
      axes = *a;
      haveAxes = true;
    }
    if (op == "Squeeze") {
      std::vector<bool> drop(rank, false);
      if (!haveAxes)
        for (int64_t i = 0; i < rank; ++i)
          drop[i] = xs[i] == 1;
      for (int64_t a : axes) {
        int64_t n = normAxis(a, rank);
        if (xs[n] != 1)
          fail("cannot squeeze axis " + llvm::Twine(a) + " of size " +
               llvm::Twine(xs[n]));
        drop[n] = true;
      }
      for (int64_t i = 0; i < rank; ++i)
        if (!drop[i])
          out.push_back(xs[i]);
    } else {
      if (!haveAxes)
        fail("needs axes");
      int64_t outRank = rank + axes.size();
      std::vector<bool> ins(outRank, false);
      for (int64_t a : axes) {
        int64_t n = normAxis(a, outRank);
        if (ins[n])
          fail("axis " + llvm::Twine(a) + " appears twice");
        ins[n] = true;
      }
      size_t k = 0;
      for (int64_t i = 0; i < outRank; ++i)
        out.push_back(ins[i] ? 1 : xs[k++]);
    }
  }
  if (x.isConst()) {
    auto h = std::make_shared<HostTensor>(constInput(0, "data"));
    h->shape = out;
    setOutput(0, Val{Value(), h});
    return;
  }
  setOutput(0, Val{reshape(x.v, out), nullptr});
}

void Importer::importConcat() {
  if (!attr("axis"))
    fail("needs the axis attribute");
  if (numInputs() == 0)
    fail("needs at least one input");
  std::vector<int64_t> first = shapeOf(input(0));
  int64_t rank = first.size();
  int64_t axis = normAxis(attrInt("axis", 0), rank);
  bool allConst = true;
  std::vector<int64_t> out = first;
  out[axis] = 0;
  for (size_t i = 0; i < numInputs(); ++i) {
    std::vector<int64_t> s = shapeOf(input(i));
    if (int64_t(s.size()) != rank)
      fail("input #" + llvm::Twine(i) + " " + shapeStr(s) +
           " has a different rank than input #0 " + shapeStr(first));
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && s[d] != first[d])
        fail("input #" + llvm::Twine(i) + " " + shapeStr(s) +
             " differs from input #0 " + shapeStr(first) + " outside axis " +
             llvm::Twine(axis) + " (inconsistent shapes)");
    out[axis] += s[axis];
    allConst &= input(i).isConst();
  }
  checkSize(numel(out));
  if (allConst) {
    // Concatenate index maps, then gather from the joined data.
    std::vector<eval::Tensor> idx;
    auto h = std::make_shared<HostTensor>();
    HostTensor &h0 = constInput(0, "input");
    h->kind = h0.kind;
    double base = 0;
    std::vector<double> fAll;
    std::vector<int64_t> iAll;
    for (size_t i = 0; i < numInputs(); ++i) {
      HostTensor &hi = constInput(i, "input");
      if (hi.isFloat() != h0.isFloat())
        fail("mixes float and integer inputs");
      eval::Tensor t(hi.shape);
      for (size_t j = 0; j < t.data.size(); ++j)
        t.data[j] = base + j;
      base += t.data.size();
      idx.push_back(std::move(t));
      fAll.insert(fAll.end(), hi.f.begin(), hi.f.end());
      iAll.insert(iAll.end(), hi.i.begin(), hi.i.end());
    }
    std::vector<const eval::Tensor *> ptrs;
    for (eval::Tensor &t : idx)
      ptrs.push_back(&t);
    eval::Tensor r = eval::concat(ptrs, axis);
    h->shape = r.shape;
    for (double d : r.data) {
      if (h->isFloat())
        h->f.push_back(fAll[size_t(d)]);
      else
        h->i.push_back(iAll[size_t(d)]);
    }
    setOutput(0, Val{Value(), h});
    return;
  }
  SmallVector<Value> vs;
  for (size_t i = 0; i < numInputs(); ++i) {
    if (input(i).isConst() && !input(i).c->isFloat())
      fail("mixes runtime tensors with integer constants");
    if (numel(shapeOf(input(i))) == 0)
      continue; // an empty part adds nothing
    vs.push_back(rt(input(i)));
  }
  if (vs.empty()) {
    setOutput(0, Val{Value(), emptyHost(out, true)});
    return;
  }
  if (vs.size() == 1) {
    setOutput(0, Val{vs[0], nullptr});
    return;
  }
  setOutput(
      0, Val{vit::ConcatOp::create(b, loc, tensorTy(out), vs, axis), nullptr});
}

void Importer::importSplit() {
  Val &x = input(0);
  std::vector<int64_t> xs = shapeOf(x);
  int64_t axis = normAxis(attrInt("axis", 0), xs.size());
  int nOut = node->output_size();
  if (nOut < 1)
    fail("needs at least one output");
  std::vector<int64_t> sizes;
  if (attr("num_outputs") && hasInput(1))
    fail("attribute 'num_outputs' and the split input are both given (ONNX "
         "allows one of them)");
  if (opset >= 13 && hasInput(1))
    sizes = constInts(1, "split");
  else if (auto s = attrInts("split"))
    sizes = *s;
  else {
    int64_t parts = attr("num_outputs") ? attrInt("num_outputs", nOut) : nOut;
    if (parts < 1)
      fail("num_outputs must be positive");
    int64_t each = (xs[axis] + parts - 1) / parts;
    for (int64_t i = 0, left = xs[axis]; i < parts; ++i) {
      sizes.push_back(std::min(each, left));
      left -= sizes.back();
    }
  }
  if (int64_t(sizes.size()) != nOut)
    fail("has " + llvm::Twine(nOut) + " outputs but " +
         llvm::Twine(sizes.size()) + " split sizes");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > xs[axis])
      fail("split sizes must be non-negative, got " + shapeStr(sizes));
    total += s;
  }
  if (total != xs[axis])
    fail("split sizes " + shapeStr(sizes) + " do not add up to dimension " +
         llvm::Twine(axis) + " = " + llvm::Twine(xs[axis]));
  int64_t off = 0;
  for (int i = 0; i < nOut; ++i) {
    std::vector<int64_t> offs(xs.size(), 0), sz = xs, st(xs.size(), 1);
    offs[axis] = off;
    sz[axis] = sizes[i];
    off += sizes[i];
    if (numel(sz) == 0) {
      // An empty part: a constant, whatever the input's values.
      HostPtr e = emptyHost(sz, isFloatVal(x));
      if (x.isConst())
        e->kind = x.c->kind;
      offs[axis] = 0;
      setOutput(i, Val{Value(), e});
    } else if (x.isConst()) {
      HostTensor &h = constInput(0, "input");
      setOutput(i, Val{Value(), hostMove(h, [&](const eval::Tensor &t) {
                         return eval::slice(t, offs, sz, st);
                       })});
    } else {
      setOutput(
          i, Val{vit::SliceOp::create(b, loc, tensorTy(sz), x.v, offs, sz, st),
                 nullptr});
    }
  }
}

void Importer::importSlice() {
  Val &x = input(0);
  std::vector<int64_t> xs = shapeOf(x);
  int64_t rank = xs.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    starts = constInts(1, "starts");
    ends = constInts(2, "ends");
    if (hasInput(3))
      axes = constInts(3, "axes");
    if (hasInput(4))
      steps = constInts(4, "steps");
  } else {
    starts = attrInts("starts").value_or(std::vector<int64_t>{});
    ends = attrInts("ends").value_or(std::vector<int64_t>{});
    axes = attrInts("axes").value_or(std::vector<int64_t>{});
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    fail("starts, ends, axes and steps differ in length");
  // ONNX Slice semantics: negative starts/ends count from the end; with a
  // positive step both are clamped to [0, dim], with a negative step start
  // to [0, dim − 1] and end to [−1, dim − 1]. A negative step is the
  // ascending slice of the same elements followed by a reversal (a
  // constant-index gather, free under 2PC).
  std::vector<int64_t> offs(rank, 0), sz = xs, st(rank, 1);
  std::vector<bool> seen(rank, false), reversed(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = normAxis(axes[i], rank);
    if (seen[a])
      fail("axis " + llvm::Twine(axes[i]) + " appears twice");
    seen[a] = true;
    int64_t dim = xs[a], step = steps[i];
    if (step == 0)
      fail("step 0 along axis " + llvm::Twine(axes[i]) + " is invalid");
    auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += dim; // no overflow: dim >= 0
      return std::clamp(v, lo, hi);
    };
    int64_t n, first, stride;
    if (step > 0) {
      int64_t s = clampIdx(starts[i], 0, dim), e = clampIdx(ends[i], 0, dim);
      n = e > s ? 1 + (e - s - 1) / step : 0;
      first = s;
      stride = step;
    } else {
      int64_t s = dim ? clampIdx(starts[i], 0, dim - 1) : 0,
              e = dim ? clampIdx(ends[i], -1, dim - 1) : 0;
      stride = step == std::numeric_limits<int64_t>::min()
                   ? std::numeric_limits<int64_t>::max()
                   : -step;
      n = s > e ? 1 + (s - e - 1) / stride : 0;
      first = n ? s - (n - 1) * stride : 0; // the lowest index read
      reversed[a] = n > 1;
    }
    offs[a] = n ? first : 0;
    sz[a] = n;
    st[a] = n > 1 ? stride : 1;
  }
  if (numel(sz) == 0) {
    // An empty result: a constant, whatever the input's values.
    HostPtr e = emptyHost(sz, isFloatVal(x));
    if (x.isConst())
      e->kind = x.c->kind;
    setOutput(0, Val{Value(), e});
    return;
  }
  auto reverse = [&](int64_t a) {
    std::vector<int64_t> idx;
    for (int64_t j = sz[a] - 1; j >= 0; --j)
      idx.push_back(j);
    return idx;
  };
  if (x.isConst()) {
    HostTensor &h = constInput(0, "data");
    setOutput(0, Val{Value(), hostMove(h, [&](const eval::Tensor &t) {
                       eval::Tensor r = eval::slice(t, offs, sz, st);
                       for (int64_t a = 0; a < rank; ++a)
                         if (reversed[a])
                           r = eval::gather(r, a, reverse(a));
                       return r;
                     })});
    return;
  }
  Value v = x.v;
  if (sz != xs)
    v = vit::SliceOp::create(b, loc, tensorTy(sz), v, offs, sz, st);
  for (int64_t a = 0; a < rank; ++a)
    if (reversed[a])
      v = vit::GatherOp::create(b, loc, tensorTy(sz), v, a, reverse(a));
  setOutput(0, Val{v, nullptr});
}

void Importer::importGather() {
  Val &x = input(0);
  std::vector<int64_t> xs = shapeOf(x);
  if (xs.empty())
    fail("data must have rank >= 1");
  int64_t axis = normAxis(attrInt("axis", 0), xs.size());
  HostTensor &hi = constInput(1, "indices");
  if (hi.isFloat())
    fail("indices must be integers");
  std::vector<int64_t> idx = hi.i;
  for (int64_t &v : idx) {
    if (v < -xs[axis] || v >= xs[axis])
      fail("index " + llvm::Twine(v) + " is out of range for axis " +
           llvm::Twine(axis) + " of " + shapeStr(xs));
    if (v < 0)
      v += xs[axis];
  }
  std::vector<int64_t> out(xs.begin(), xs.begin() + axis);
  out.insert(out.end(), hi.shape.begin(), hi.shape.end());
  out.insert(out.end(), xs.begin() + axis + 1, xs.end());
  checkSize(numel(out));
  if (x.isConst()) {
    HostTensor &h = constInput(0, "data");
    auto r = hostMove(
        h, [&](const eval::Tensor &t) { return eval::gather(t, axis, idx); });
    r->shape = out;
    setOutput(0, Val{Value(), r});
    return;
  }
  if (idx.empty())
    fail("empty indices are not supported");
  std::vector<int64_t> mid = xs;
  mid[axis] = idx.size();
  Value v;
  if (idx.size() == 1) {
    std::vector<int64_t> offs(xs.size(), 0), st(xs.size(), 1);
    offs[axis] = idx[0];
    v = vit::SliceOp::create(b, loc, tensorTy(mid), x.v, offs, mid, st);
  } else {
    v = vit::GatherOp::create(b, loc, tensorTy(mid), x.v, axis, idx);
  }
  setOutput(0, Val{reshape(v, out), nullptr});
}

void Importer::importExpand() {
  Val &x = input(0);
  std::vector<int64_t> target = constInts(1, "shape");
  for (int64_t d : target)
    if (d < 0)
      fail("shape " + shapeStr(target) + " has a negative dimension");
  std::vector<int64_t> out = broadcast(shapeOf(x), target);
  checkSize(numel(out));
  if (x.isConst()) {
    HostTensor &h = constInput(0, "input");
    eval::Tensor zeros(out);
    setOutput(0, Val{Value(), hostMove(h, [&](const eval::Tensor &t) {
                       return eval::broadcastBinary(
                           t, zeros, [](double p, double) { return p; });
                     })});
    return;
  }
  if (out == shapeOf(x)) {
    setOutput(0, x);
    return;
  }
  RankedTensorType ty = tensorTy(out);
  Value zero = vit::ConstantOp::create(b, loc,
                                       floatTy.isF32()
                                           ? DenseElementsAttr::get(ty, 0.0f)
                                           : DenseElementsAttr::get(ty, 0.0));
  setOutput(0, Val{vit::AddOp::create(b, loc, ty, x.v, zero), nullptr});
}

void Importer::importReduce(llvm::StringRef op) {
  Val x = input(0); // a copy: ReduceSumSquare replaces it by x·x
  std::vector<int64_t> xs = shapeOf(x);
  int64_t rank = xs.size();
  // Axes as an input: ReduceSum from opset 13, the others from 18.
  bool axesAsInput = op == "ReduceSum" ? opset >= 13 : opset >= 18;
  std::vector<int64_t> axes;
  if (axesAsInput) {
    if (hasInput(1))
      axes = constInts(1, "axes");
  } else if (auto a = attrInts("axes")) {
    axes = *a;
  }
  bool keep = attrInt("keepdims", 1);
  bool square = op == "ReduceSumSquare";
  if (square && !x.isConst()) {
    // ReduceSumSquare(x) = ReduceSum(x·x).
    x = Val{vit::MulOp::create(b, loc, x.v.getType(), x.v, x.v), nullptr};
  }
  if (axes.empty()) {
    if (attrInt("noop_with_empty_axes", 0)) {
      if (square && x.isConst())
        fail("ReduceSumSquare of a constant without axes is not supported");
      setOutput(0, x);
      return;
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> norm, out;
  for (int64_t a : axes) {
    int64_t n = normAxis(a, rank);
    if (seen[n])
      fail("axis " + llvm::Twine(a) + " appears twice");
    seen[n] = true;
    norm.push_back(n);
  }
  for (int64_t i = 0; i < rank; ++i)
    if (!seen[i])
      out.push_back(xs[i]);
    else if (keep)
      out.push_back(1);
  eval::ReduceKind kind = op == "ReduceMean"  ? eval::ReduceKind::Mean
                          : op == "ReduceMax" ? eval::ReduceKind::Max
                                              : eval::ReduceKind::Sum;
  if (x.isConst()) {
    HostTensor &h = constInput(0, "data");
    if (!h.isFloat())
      fail("integer reductions are not supported");
    eval::Tensor t(h.shape);
    t.data = h.f;
    if (square)
      for (double &v : t.data)
        v = h.kind == HostTensor::Kind::F32 ? double(float(v * v)) : v * v;
    eval::Tensor r = eval::reduce(t, norm, keep, kind);
    setOutput(0, Val{Value(), hostFloats(r.shape, r.data, h.kind)});
    return;
  }
  RankedTensorType ty = tensorTy(out);
  Value r;
  if (kind == eval::ReduceKind::Mean)
    r = vit::ReduceMeanOp::create(b, loc, ty, x.v, axes, keep);
  else if (kind == eval::ReduceKind::Sum)
    r = vit::ReduceSumOp::create(b, loc, ty, x.v, axes, keep);
  else
    r = vit::ReduceMaxOp::create(b, loc, ty, x.v, axes, keep);
  setOutput(0, Val{r, nullptr});
}

void Importer::importCast() {
  Val &x = input(0);
  int64_t to = attrInt("to", -1);
  if (x.isConst()) {
    HostTensor &h = constInput(0, "input");
    auto r = std::make_shared<HostTensor>();
    r->shape = h.shape;
    switch (to) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
      r->kind = to == onnx::TensorProto::FLOAT ? HostTensor::Kind::F32
                                               : HostTensor::Kind::F64;
      r->f = h.isFloat() ? h.f : std::vector<double>(h.i.begin(), h.i.end());
      if (r->kind == HostTensor::Kind::F32)
        for (double &v : r->f)
          v = static_cast<float>(v);
      break;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::BOOL:
      r->kind = to == onnx::TensorProto::BOOL ? HostTensor::Kind::Bool
                                              : HostTensor::Kind::I64;
      if (h.isFloat()) {
        for (double v : h.f) {
          if (!(std::fabs(v) < 9.2e18))
            fail("cannot cast " + std::to_string(v) + " to an integer");
          r->i.push_back(static_cast<int64_t>(v));
        }
      } else {
        r->i = h.i;
      }
      if (r->kind == HostTensor::Kind::Bool)
        for (int64_t &v : r->i)
          v = v != 0;
      break;
    default:
      fail("cast to data type " + llvm::Twine(to) + " is not supported");
    }
    setOutput(0, Val{Value(), r});
    return;
  }
  if ((to == onnx::TensorProto::FLOAT && floatTy.isF32()) ||
      (to == onnx::TensorProto::DOUBLE && floatTy.isF64())) {
    setOutput(0, x);
    return;
  }
  fail("Cast of a runtime tensor to data type " + llvm::Twine(to) +
       " is not supported (only to its own float type)");
}

void Importer::importShape() {
  std::vector<int64_t> xs = shapeOf(input(0));
  int64_t rank = xs.size();
  int64_t start = attrInt("start", 0), end = attrInt("end", rank);
  auto clampIdx = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  start = clampIdx(start);
  end = clampIdx(end);
  std::vector<int64_t> out;
  for (int64_t i = start; i < end; ++i)
    out.push_back(xs[i]);
  setOutput(0, Val{Value(), hostInts({int64_t(out.size())}, out)});
}

void Importer::importConstantOfShape() {
  std::vector<int64_t> shape = constInts(0, "shape");
  for (int64_t d : shape)
    if (d < 0)
      fail("shape " + shapeStr(shape) + " has a negative dimension");
  int64_t n = numel(shape);
  checkSize(n);
  const onnx::AttributeProto *a = attr("value");
  if (!a)
    return setOutput(0, Val{Value(), hostFloats(shape, std::vector<double>(n),
                                                HostTensor::Kind::F32)});
  if (a->type() != onnx::AttributeProto::TENSOR)
    fail("attribute 'value' must be a tensor");
  Expected<HostTensor> v =
      decodeTensorProto(a->t(), false, opts.maxElements, "value");
  if (!v)
    fail(llvm::toString(v.takeError()));
  if (v->numElements() != 1)
    fail("attribute 'value' must hold one element");
  auto h = std::make_shared<HostTensor>();
  h->kind = v->kind;
  h->shape = shape;
  if (v->isFloat())
    h->f.assign(n, v->f[0]);
  else
    h->i.assign(n, v->i[0]);
  setOutput(0, Val{Value(), h});
}

void Importer::importWhere() {
  Val &c = input(0), &x = input(1), &y = input(2);
  if (!c.isConst() || !x.isConst() || !y.isConst())
    fail("Where on runtime tensors is not supported (only shape "
         "computations that fold to constants)");
  HostTensor &hc = constInput(0, "condition"), &hx = constInput(1, "X"),
             &hy = constInput(2, "Y");
  if (hc.isFloat() || hx.isFloat() != hy.isFloat())
    fail("condition must be bool and X, Y of one type");
  std::vector<int64_t> shape =
      broadcast(broadcast(hc.shape, hx.shape), hy.shape);
  checkSize(numel(shape));
  eval::Tensor zeros(shape);
  auto idxOf = [&](const HostTensor &h) {
    eval::Tensor t(h.shape);
    for (size_t j = 0; j < t.data.size(); ++j)
      t.data[j] = double(j);
    return eval::broadcastBinary(t, zeros, [](double p, double) { return p; });
  };
  eval::Tensor ic = idxOf(hc), ix = idxOf(hx), iy = idxOf(hy);
  auto h = std::make_shared<HostTensor>();
  h->kind = hx.kind;
  h->shape = shape;
  for (size_t j = 0; j < ic.data.size(); ++j) {
    bool cond = hc.i[size_t(ic.data[j])];
    if (hx.isFloat())
      h->f.push_back(cond ? hx.f[size_t(ix.data[j])]
                          : hy.f[size_t(iy.data[j])]);
    else
      h->i.push_back(cond ? hx.i[size_t(ix.data[j])]
                          : hy.i[size_t(iy.data[j])]);
  }
  setOutput(0, Val{Value(), h});
}

void Importer::importRange() {
  HostTensor &s = constInput(0, "start"), &l = constInput(1, "limit"),
             &d = constInput(2, "delta");
  if (s.numElements() != 1 || l.numElements() != 1 || d.numElements() != 1)
    fail("start, limit and delta must be scalars");
  if (s.isFloat())
    fail("float Range is not supported");
  int64_t st = s.i[0], li = l.i[0], de = d.i[0];
  if (de == 0)
    fail("delta must not be zero");
  double count = std::ceil((double(li) - double(st)) / double(de));
  int64_t n = std::max<int64_t>(0, count > 1e12 ? -1 : int64_t(count));
  checkSize(n);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    out.push_back(st + i * de);
  setOutput(0, Val{Value(), hostInts({n}, out)});
}

} // namespace

Expected<OwningOpRef<ModuleOp>>
importGraph(const onnx::ModelProto &model, llvm::StringRef file, int64_t opset,
            const std::vector<std::vector<int64_t>> &inputShapes,
            MLIRContext &ctx, const ImportOptions &opts) {
  ctx.loadDialect<vit::VitDialect, func::FuncDialect>();
  Importer imp(model, file, opset, ctx, opts);
  return imp.run(inputShapes);
}

} // namespace mpcvit::onnx_import
