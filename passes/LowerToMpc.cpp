//===- LowerToMpc.cpp - --mpcvit-lower-to-mpc: vit → mpc -------*- C++ -*-===//
//
// Lowers every function of plaintext `vit` ops to secret-shared `mpc` ops
// (DESIGN.md §1, issue 6):
//
// * Visibility: function arguments are the client's input
//   (`private<client>`, shared at once with `mpc.share`); every
//   `vit.constant` that a protocol consumes is a server weight
//   (`mpc.weight`, `private<server>`), except single-element constants of
//   the architecture (attention scale, 1/N) which are public
//   (`mpc.constant`); everything computed from both is `shared`. Each
//   returned value is revealed to the client (`mpc.reveal`): the only
//   plain value of the program (PROTOCOLS.md).
// * Fixed point: `frac-bits` f fractional bits everywhere; a product has
//   2f and is followed by one `mpc.trunc` (kind from `trunc`). Merged
//   truncations (provably safe, the sum stays below 2^(2f + 20) for
//   |values| < 2^20): the bias of a linear / conv is added at 2f bits
//   before the one truncation, and a·x² + b·x + c of `vit.quad` is
//   truncated once after the sum.
// * Protocols: `linear`/`conv_patch` → `mmul_sp` with Wᵀ (conv: `im2col`
//   first), `matmul` → `mmul_ss`, `mul` → `mul_public` (scalar constant)
//   or `mul_ss`, `gelu` → `mpc.gelu`, `quad` → `square` + public products,
//   `layer_norm`, `softmax`, `relu` → fused protocols; data movement
//   (reshape, transpose, slice, gather, concat) is local.
// * `attention_norm` with mixed kinds: the heads of each kind are gathered
//   along `head_axis` (public indices), normalised by that kind's protocol
//   only, concatenated, and put back in head order with the inverse
//   permutation. No head computes two kinds. Each normalisation op (for
//   `scale` the `mul_public` by 1/N) carries the discardable attribute
//   `mpcvit.attention_norm = {id, heads, rows, cols, kinds}`: the ordinal
//   of the `vit.attention_norm` in its function, its head count, the rows
//   and columns of one head's score matrix, and the kind of every head —
//   what `--mpcvit-cost-report` needs for the per-head costs of every kind.
//   Every lowered op keeps the location of its `vit` op (the importer's
//   NameLoc with the ONNX node name, used for per-layer attribution).
//
// A weight or public constant that the fixed-point ring cannot carry
// (|v · 2^f| ≥ 2^62 at its fractional bits f, NaN, Inf) is an error naming
// the weight, the ONNX tensor it came from (the importer's location
// metadata) and the value, so that `mpcvit-compile --emit=mlir` refuses it.
//
// Errors name the op and what was expected; primitive ops that
// `--mpcvit-raise-patterns` did not raise (sub, div, pow, erf, ...) have no
// private lowering and are errors.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/ShapeFormat.h"
#include "mpcvit/dialects/mpc/HeadNorm.h"
#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/dialects/vit/VitOps.h"
#include "mpcvit/passes/ConstantWeights.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <type_traits>

namespace mpcvit {
#define GEN_PASS_DEF_LOWERTOMPC
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;
using mpc::RingTensorType;
using mpc::Visibility;

namespace {

/// Lowers one function; holds the value map and the weight names.
class FunctionLowering {
public:
  FunctionLowering(func::FuncOp fn, unsigned f, mpc::TruncKind truncKind,
                   llvm::StringSet<> &usedNames)
      : fn(fn), f(f), truncKind(truncKind), usedNames(usedNames),
        b(fn.getContext()) {}

  LogicalResult run();

private:
  // ---- types -------------------------------------------------------------
  RingTensorType ringType(ArrayRef<int64_t> shape, Visibility v,
                          unsigned frac) {
    return RingTensorType::get(fn.getContext(), shape, v, frac);
  }
  RingTensorType sharedType(ArrayRef<int64_t> shape, unsigned frac) {
    return ringType(shape, Visibility::Shared, frac);
  }
  static RingTensorType ty(Value v) {
    return llvm::cast<RingTensorType>(v.getType());
  }
  static ArrayRef<int64_t> vitShape(Value v) {
    return llvm::cast<RankedTensorType>(v.getType()).getShape();
  }

  // ---- constants -----------------------------------------------------------
  bool isConstant(Value v) {
    return v.getDefiningOp<vit::ConstantOp>() != nullptr;
  }
  FailureOr<std::vector<double>> values(Operation *user, Value v) {
    FailureOr<std::vector<double>> vals = getConstantValues(v);
    if (failed(vals))
      user->emitOpError("operand constant has no readable float data "
                        "(expected dense or dense_resource f32/f64)");
    return vals;
  }
  std::string weightName(Value v, StringRef role) {
    std::string base;
    if (auto c = v.getDefiningOp<vit::ConstantOp>())
      if (auto r = llvm::dyn_cast<DenseResourceElementsAttr>(c.getValue()))
        base = r.getRawHandle().getKey().str();
    if (base.empty())
      base = (role + "_" + Twine(usedNames.size())).str();
    std::string name = base;
    for (int i = 1; usedNames.contains(name); ++i)
      name = base + "_" + std::to_string(i);
    usedNames.insert(name);
    return name;
  }
  /// A float attribute of `shape` holding `vals` (blob above 16 elements).
  ElementsAttr floatAttr(ArrayRef<int64_t> shape, ArrayRef<double> vals,
                         StringRef name) {
    auto type = RankedTensorType::get(shape, b.getF32Type());
    SmallVector<float> fl(vals.begin(), vals.end());
    if (vals.size() <= 16)
      return llvm::cast<ElementsAttr>(
          DenseElementsAttr::get(type, ArrayRef<float>(fl)));
    return llvm::cast<ElementsAttr>(DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(fl))));
  }
  /// The ONNX tensor a constant holds, from the importer's location
  /// metadata `{onnx.tensor = "NAME"}` (lib/onnx/GraphImporter.cpp), or "".
  static std::string onnxTensorName(Value src) {
    std::string found;
    if (Operation *def = src ? src.getDefiningOp() : nullptr)
      def->getLoc()->walk([&](Location l) {
        if (auto fused = llvm::dyn_cast<FusedLoc>(l))
          if (auto md =
                  llvm::dyn_cast_or_null<DictionaryAttr>(fused.getMetadata()))
            if (auto n = md.getAs<StringAttr>("onnx.tensor")) {
              found = n.str();
              return WalkResult::interrupt();
            }
        return WalkResult::advance();
      });
    return found;
  }
  /// Fixed-point range: a value v encoded with `frac` fractional bits needs
  /// |v · 2^frac| < 2^62 (the bound of the weights file writer,
  /// lib/target/WeightsFile.cpp, checked here so that `--emit=mlir`
  /// already refuses it); NaN and Inf never fit. Values are checked as the
  /// f32 the IR stores. Reports the first value out of range, naming the
  /// weight and the ONNX tensor it came from; the lowering fails once the
  /// current op is lowered.
  void checkRange(Location loc, Value src, ArrayRef<double> vals,
                  const Twine &what, unsigned frac) {
    const double scale = std::ldexp(1.0, int(frac)),
                 bound = std::ldexp(1.0, 62);
    size_t bad = 0;
    std::optional<double> first;
    for (double v : vals) {
      // As stored (f32); beyond the float range (UB to convert) as is.
      double fv =
          std::isfinite(v) && std::fabs(v) <= std::numeric_limits<float>::max()
              ? double(float(v))
              : v;
      double s = fv * scale;
      if (!std::isfinite(s) || std::fabs(s) >= bound) {
        ++bad;
        if (!first)
          first = fv;
      }
    }
    if (!bad)
      return;
    outOfRange = true;
    auto str = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.7g", v);
      return std::string(buf);
    };
    std::string onnx = onnxTensorName(src);
    InFlightDiagnostic d = mlir::emitError(loc) << what;
    if (!onnx.empty())
      d << " (ONNX tensor '" << onnx << "')";
    if (!std::isfinite(*first))
      d << ": value " << str(*first) << " is not a finite number";
    else
      d << ": value " << str(*first)
        << " does not fit the fixed-point ring with " << frac
        << " fractional bits (|value| must be below 2^" << (62 - int(frac))
        << " = " << str(std::ldexp(1.0, 62 - int(frac))) << ")";
    d << "; " << bad << " of " << vals.size() << " values out of range";
  }
  bool outOfRange = false;

  Value weight(Location loc, ArrayRef<int64_t> shape, ArrayRef<double> vals,
               StringRef name, unsigned frac, Value src) {
    checkRange(loc, src, vals, "weight '" + name + "'", frac);
    // Weights come first in the function, in order of creation.
    if (lastWeight)
      b.setInsertionPointAfter(lastWeight);
    else
      b.setInsertionPointToStart(&fn.getBody().front());
    auto w = mpc::WeightOp::create(
        b, loc, ringType(shape, Visibility::ServerPrivate, frac),
        b.getStringAttr(name), floatAttr(shape, vals, name));
    lastWeight = w;
    b.setInsertionPoint(current);
    return w;
  }
  /// The server weight of constant `v` as is (same shape), shared by every
  /// use with the same fractional bits (e.g. one LayerNorm γ used twice).
  FailureOr<Value> plainWeight(Operation *user, Value v, StringRef role,
                               unsigned frac) {
    auto key = std::make_pair(v, frac);
    if (Value w = weights.lookup(key))
      return w;
    FailureOr<std::vector<double>> vals = values(user, v);
    if (failed(vals))
      return failure();
    Value w = weight(user->getLoc(), vitShape(v), *vals, weightName(v, role),
                     frac, v);
    weights[key] = w;
    return w;
  }
  Value publicScalar(Location loc, double v, unsigned frac, Value src = {}) {
    checkRange(loc, src, {v}, "public constant", frac);
    auto type = RankedTensorType::get({}, b.getF32Type());
    return mpc::ConstantOp::create(
        b, loc, ringType({}, Visibility::Public, frac),
        llvm::cast<ElementsAttr>(
            DenseElementsAttr::get(type, ArrayRef<float>{float(v)})));
  }

  /// The shared value of a lowered vit value; a constant becomes a server
  /// weight shared by the server (0 bytes).
  FailureOr<Value> shared(Operation *user, Value v) {
    if (Value m = map.lookup(v))
      return m;
    if (!isConstant(v))
      return user->emitOpError("operand was not lowered"), failure();
    FailureOr<Value> w = plainWeight(user, v, "const", f);
    if (failed(w))
      return failure();
    Value s =
        mpc::ShareOp::create(b, user->getLoc(), sharedType(vitShape(v), f), *w);
    map[v] = s;
    return s;
  }

  Value trunc(Location loc, Value x, unsigned toFrac) {
    return mpc::TruncOp::create(
        b, loc, sharedType(ty(x).getShape(), toFrac), x,
        mpc::TruncKindAttr::get(b.getContext(), truncKind));
  }

  /// A constant operand of a sum or difference: a public scalar, else the
  /// server's tensor (both with f bits).
  FailureOr<Value> addend(Operation *user, Value c) {
    FailureOr<std::vector<double>> v = values(user, c);
    if (failed(v))
      return failure();
    if (v->size() == 1)
      return publicScalar(user->getLoc(), v->front(), f, c);
    return plainWeight(user, c, "add", f);
  }
  /// Requires constant `c` to broadcast to `shape` (NumPy rules) without
  /// growing it: a server tensor multiplies a shared one elementwise.
  LogicalResult requireBroadcastsTo(Operation *user, Value c,
                                    ArrayRef<int64_t> shape) {
    ArrayRef<int64_t> cs = vitShape(c);
    bool ok = cs.size() <= shape.size();
    for (size_t i = 0; ok && i < cs.size(); ++i) {
      int64_t d = cs[cs.size() - 1 - i], e = shape[shape.size() - 1 - i];
      ok = d == 1 || d == e;
    }
    if (!ok)
      return user->emitOpError("constant of shape ")
             << mpcvit::shapeStr(cs) << " does not broadcast to the secret "
             << "operand " << mpcvit::shapeStr(shape);
    return success();
  }
  /// vit.reduce_sum / vit.reduce_mean over any axes: one local mpc.sum per
  /// axis, for the mean a public 1/N product and one truncation, then a
  /// reshape when the axes are dropped.
  template <typename ReduceOp> LogicalResult lowerReduce(ReduceOp o) {
    FailureOr<Value> x = shared(o, o.getInput());
    if (failed(x))
      return failure();
    Location loc = o.getLoc();
    int64_t rank = ty(*x).getRank();
    SmallVector<int64_t> axes;
    for (int64_t a : o.getAxes())
      axes.push_back(a < 0 ? a + rank : a);
    llvm::sort(axes);
    Value v = *x;
    uint64_t count = 1;
    for (int64_t a : axes) {
      SmallVector<int64_t> shape(ty(v).getShape());
      count *= uint64_t(shape[a]);
      shape[a] = 1;
      v = mpc::SumOp::create(b, loc, sharedType(shape, f), v,
                             b.getI64IntegerAttr(a));
    }
    if (std::is_same_v<ReduceOp, vit::ReduceMeanOp> && count > 1) {
      Value p = mpc::MulPublicOp::create(
          b, loc, sharedType(ty(v).getShape(), 2 * f), v,
          publicScalar(loc, 1.0 / double(count), f));
      v = trunc(loc, p, f);
    }
    ArrayRef<int64_t> out = vitShape(o.getResult());
    if (ty(v).getShape() != out)
      v = mpc::ReshapeOp::create(b, loc, sharedType(out, f), v);
    map[o.getResult()] = v;
    return success();
  }

  // ---- ops -----------------------------------------------------------------
  LogicalResult lower(Operation *op);
  LogicalResult lowerLinearLike(Operation *op, Value x, Value w, Value bias,
                                ArrayRef<int64_t> wtShape,
                                std::vector<double> wt, Value &out);
  LogicalResult lowerAttentionNorm(vit::AttentionNormOp op);
  /// Tags the op computing normalisation `r` with `info`
  /// (mpcvit.attention_norm; for `scale`, the public product by 1/N).
  void tagAttention(Value r, vit::HeadKind kind, DictionaryAttr info);
  unsigned attentionCount = 0;
  FailureOr<Value> normaliseKind(Location loc, vit::HeadKind kind, Value x,
                                 double eps);

  func::FuncOp fn;
  unsigned f;
  mpc::TruncKind truncKind;
  llvm::StringSet<> &usedNames;
  OpBuilder b;
  DenseMap<Value, Value> map;
  DenseMap<std::pair<Value, unsigned>, Value> weights;
  Operation *current = nullptr, *lastWeight = nullptr;
};

LogicalResult FunctionLowering::lowerLinearLike(Operation *op, Value x, Value w,
                                                Value bias,
                                                ArrayRef<int64_t> wtShape,
                                                std::vector<double> wt,
                                                Value &out) {
  Location loc = op->getLoc();
  RingTensorType xt = ty(x);
  Value wv = weight(loc, wtShape, wt, weightName(w, "w"), f, w);
  SmallVector<int64_t> shape(xt.getShape());
  shape.back() = wtShape[1];
  Value y = mpc::MMulSPOp::create(b, loc, sharedType(shape, 2 * f), x, wv);
  if (bias) {
    // Merged truncation: the bias is encoded with 2f bits and added before
    // the single truncation of the product.
    FailureOr<Value> bw = plainWeight(op, bias, "b", 2 * f);
    if (failed(bw))
      return failure();
    y = mpc::AddOp::create(b, loc, sharedType(shape, 2 * f), y, *bw);
  }
  out = trunc(loc, y, f);
  return success();
}

FailureOr<Value> FunctionLowering::normaliseKind(Location loc,
                                                 vit::HeadKind kind, Value x,
                                                 double eps) {
  return mpc::buildHeadNorm(b, loc, vit::stringifyHeadKind(kind), x, eps);
}

void FunctionLowering::tagAttention(Value r, vit::HeadKind kind,
                                    DictionaryAttr info) {
  Operation *def = r.getDefiningOp();
  if (kind == vit::HeadKind::Scale && def && def->getNumOperands() == 1)
    def = def->getOperand(0).getDefiningOp(); // trunc ← mul_public
  if (def)
    def->setAttr("mpcvit.attention_norm", info);
}

LogicalResult FunctionLowering::lowerAttentionNorm(vit::AttentionNormOp op) {
  FailureOr<Value> x = shared(op, op.getInput());
  if (failed(x))
    return failure();
  Location loc = op.getLoc();
  ArrayRef<vit::HeadKind> kinds = op.getKinds().getKinds();
  int64_t axis = op.getHeadAxis();
  double eps = op.getEpsilon().convertToDouble();
  // Cost-report metadata: rows × cols of one head's scores.
  RingTensorType xt = ty(*x);
  int64_t cols = xt.getShape().back(), heads = int64_t(kinds.size());
  int64_t rows = cols && heads ? xt.getNumElements() / (cols * heads) : 0;
  SmallVector<Attribute> kindNames;
  for (vit::HeadKind k : kinds)
    kindNames.push_back(b.getStringAttr(vit::stringifyHeadKind(k)));
  DictionaryAttr info = b.getDictionaryAttr(
      {b.getNamedAttr("id", b.getI64IntegerAttr(attentionCount++)),
       b.getNamedAttr("heads", b.getI64IntegerAttr(heads)),
       b.getNamedAttr("rows", b.getI64IntegerAttr(rows)),
       b.getNamedAttr("cols", b.getI64IntegerAttr(cols)),
       b.getNamedAttr("kinds", b.getArrayAttr(kindNames))});
  // Group the heads by kind, in order of first appearance.
  SmallVector<vit::HeadKind> order;
  SmallVector<SmallVector<int64_t>> groups;
  for (auto [h, k] : llvm::enumerate(kinds)) {
    auto it = llvm::find(order, k);
    if (it == order.end()) {
      order.push_back(k);
      groups.push_back({int64_t(h)});
    } else {
      groups[it - order.begin()].push_back(int64_t(h));
    }
  }
  if (order.size() == 1) {
    FailureOr<Value> r = normaliseKind(loc, order[0], *x, eps);
    if (failed(r))
      return failure();
    tagAttention(*r, order[0], info);
    map[op.getResult()] = *r;
    return success();
  }
  SmallVector<Value> parts;
  SmallVector<int64_t> perm; // head at position i of the concatenation
  for (auto [k, heads] : llvm::zip(order, groups)) {
    SmallVector<int64_t> shape(ty(*x).getShape());
    shape[axis] = heads.size();
    Value g = mpc::GatherOp::create(b, loc, sharedType(shape, f), *x,
                                    b.getI64IntegerAttr(axis),
                                    b.getDenseI64ArrayAttr(heads));
    FailureOr<Value> r = normaliseKind(loc, k, g, eps);
    if (failed(r))
      return failure();
    tagAttention(*r, k, info);
    parts.push_back(*r);
    perm.append(heads.begin(), heads.end());
  }
  Value cat =
      mpc::ConcatOp::create(b, loc, ty(*x), parts, b.getI64IntegerAttr(axis));
  SmallVector<int64_t> inverse(perm.size());
  for (auto [pos, h] : llvm::enumerate(perm))
    inverse[h] = int64_t(pos);
  map[op.getResult()] =
      mpc::GatherOp::create(b, loc, ty(*x), cat, b.getI64IntegerAttr(axis),
                            b.getDenseI64ArrayAttr(inverse));
  return success();
}

/// Transposes a row-major [rows, cols] matrix.
std::vector<double> transposed(ArrayRef<double> m, int64_t rows, int64_t cols) {
  std::vector<double> t(m.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[c * rows + r] = m[r * cols + c];
  return t;
}

LogicalResult FunctionLowering::lower(Operation *op) {
  current = op;
  b.setInsertionPoint(op);
  Location loc = op->getLoc();
  auto result = [&](Value v) {
    map[op->getResult(0)] = v;
    return success();
  };
  auto resShape = [&]() { return vitShape(op->getResult(0)); };
  auto sharedOperand = [&](unsigned i) {
    return shared(op, op->getOperand(i));
  };
  // The values of a linear's / conv's weight; weight and bias must be
  // constants (the server's weights), else an error naming the op.
  auto serverWeights = [&](auto o) -> FailureOr<std::vector<double>> {
    if (!isConstant(o.getWeight()) || (o.getBias() && !isConstant(o.getBias())))
      return o.emitOpError("weight and bias must be constants (the "
                           "server's weights)");
    return values(o, o.getWeight());
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](vit::ConstantOp) { return success(); }) // lowered at use
      .Case([&](vit::LinearOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        FailureOr<std::vector<double>> w = serverWeights(o);
        if (failed(w))
          return failure();
        ArrayRef<int64_t> ws = vitShape(o.getWeight()); // [N, K]
        Value out;
        if (failed(lowerLinearLike(o, *x, o.getWeight(), o.getBias(),
                                   {ws[1], ws[0]}, transposed(*w, ws[0], ws[1]),
                                   out)))
          return failure();
        return result(out);
      })
      .Case([&](vit::ConvPatchOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        FailureOr<std::vector<double>> w = serverWeights(o);
        if (failed(w))
          return failure();
        ArrayRef<int64_t> ws = vitShape(o.getWeight()); // [D, C, kh, kw]
        ArrayRef<int64_t> rs = resShape();              // [B, D, Ho, Wo]
        int64_t d = ws[0], ckk = ws[1] * ws[2] * ws[3], p = rs[2] * rs[3];
        Value cols =
            mpc::Im2ColOp::create(b, loc, sharedType({rs[0], p, ckk}, f), *x,
                                  b.getDenseI64ArrayAttr({ws[2], ws[3]}),
                                  o.getStridesAttr(), o.getPadsAttr());
        Value y;
        if (failed(lowerLinearLike(o, cols, o.getWeight(), o.getBias(),
                                   {ckk, d}, transposed(*w, d, ckk), y)))
          return failure();
        Value t =
            mpc::TransposeOp::create(b, loc, sharedType({rs[0], d, p}, f), y,
                                     b.getDenseI64ArrayAttr({0, 2, 1}));
        return result(mpc::ReshapeOp::create(b, loc, sharedType(rs, f), t));
      })
      .Case([&](vit::MatmulOp o) -> LogicalResult {
        ArrayRef<int64_t> ls = vitShape(o.getLhs()), rsh = vitShape(o.getRhs());
        if (isConstant(o.getRhs()) && !isConstant(o.getLhs()) &&
            rsh.size() == 2) {
          FailureOr<Value> x = sharedOperand(0);
          FailureOr<std::vector<double>> w = values(o, o.getRhs());
          if (failed(x) || failed(w))
            return failure();
          Value out;
          if (failed(lowerLinearLike(o, *x, o.getRhs(), Value(), rsh, *w, out)))
            return failure();
          return result(out);
        }
        if (ls.size() != rsh.size() || ls.drop_back(2) != rsh.drop_back(2))
          return o.emitOpError("secret × secret matmul needs equal batch "
                               "dimensions (no broadcasting), got lhs rank ")
                 << ls.size() << " and rhs rank " << rsh.size();
        FailureOr<Value> l = sharedOperand(0), r = sharedOperand(1);
        if (failed(l) || failed(r))
          return failure();
        Value p = mpc::MMulSSOp::create(b, loc, sharedType(resShape(), 2 * f),
                                        *l, *r);
        return result(trunc(loc, p, f));
      })
      .Case([&](vit::AddOp o) -> LogicalResult {
        Value lhs = o.getLhs(), rhs = o.getRhs();
        if (isConstant(lhs))
          std::swap(lhs, rhs);
        FailureOr<Value> x = shared(o, lhs);
        if (failed(x))
          return failure();
        FailureOr<Value> y = isConstant(rhs) ? addend(o, rhs) : shared(o, rhs);
        if (failed(y))
          return failure();
        return result(
            mpc::AddOp::create(b, loc, sharedType(resShape(), f), *x, *y));
      })
      .Case([&](vit::MulOp o) -> LogicalResult {
        Value lhs = o.getLhs(), rhs = o.getRhs();
        if (isConstant(lhs))
          std::swap(lhs, rhs);
        FailureOr<Value> x = shared(o, lhs);
        if (failed(x))
          return failure();
        Value p;
        if (isConstant(rhs)) {
          std::optional<double> c = getScalarConstant(rhs);
          if (c && int64_t(vitShape(rhs).size()) <= ty(*x).getRank()) {
            p = mpc::MulPublicOp::create(b, loc, sharedType(resShape(), 2 * f),
                                         *x, publicScalar(loc, *c, f, rhs));
          } else {
            // LayerScale γ, per-channel affine: the server's tensor.
            if (failed(requireBroadcastsTo(o, rhs, ty(*x).getShape())))
              return failure();
            FailureOr<Value> w = plainWeight(o, rhs, "mul", f);
            if (failed(w))
              return failure();
            p = mpc::MulSPOp::create(b, loc, sharedType(resShape(), 2 * f), *x,
                                     *w);
          }
        } else {
          FailureOr<Value> y = shared(o, rhs);
          if (failed(y))
            return failure();
          if (ty(*x).getShape() != ty(*y).getShape())
            return o.emitOpError("secret × secret product needs equal "
                                 "shapes (no broadcasting)");
          p = mpc::MulSSOp::create(b, loc, sharedType(resShape(), 2 * f), *x,
                                   *y);
        }
        return result(trunc(loc, p, f));
      })
      .Case([&](vit::SubOp o) -> LogicalResult {
        Value lhs = o.getLhs(), rhs = o.getRhs();
        if (isConstant(lhs) && isConstant(rhs))
          return o.emitOpError("of two constants should have been folded");
        if (isConstant(lhs)) {
          // c − x = (−1)·x + c: a public integer product keeps f bits.
          FailureOr<Value> x = shared(o, rhs);
          FailureOr<Value> c = addend(o, lhs);
          if (failed(x) || failed(c))
            return failure();
          Value neg = mpc::MulPublicOp::create(b, loc, ty(*x), *x,
                                               publicScalar(loc, -1.0, 0));
          return result(
              mpc::AddOp::create(b, loc, sharedType(resShape(), f), neg, *c));
        }
        FailureOr<Value> x = shared(o, lhs);
        FailureOr<Value> y = isConstant(rhs) ? addend(o, rhs) : shared(o, rhs);
        if (failed(x) || failed(y))
          return failure();
        return result(
            mpc::SubOp::create(b, loc, sharedType(resShape(), f), *x, *y));
      })
      .Case([&](vit::DivOp o) -> LogicalResult {
        if (!isConstant(o.getRhs()))
          return o.emitOpError("division by a secret value has no private "
                               "lowering (expected a constant divisor, "
                               "e.g. 255 or a per-channel std)");
        FailureOr<Value> x = sharedOperand(0);
        FailureOr<std::vector<double>> d = values(o, o.getRhs());
        if (failed(x) || failed(d))
          return failure();
        std::vector<double> inv(d->size());
        for (auto [i, v] : llvm::enumerate(*d)) {
          if (v == 0.0)
            return o.emitOpError("division by a constant 0");
          inv[i] = 1.0 / v;
        }
        Value p;
        ArrayRef<int64_t> dShape = vitShape(o.getRhs());
        if (inv.size() == 1 && int64_t(dShape.size()) <= ty(*x).getRank()) {
          p = mpc::MulPublicOp::create(
              b, loc, sharedType(resShape(), 2 * f), *x,
              publicScalar(loc, inv[0], f, o.getRhs()));
        } else {
          if (failed(requireBroadcastsTo(o, o.getRhs(), ty(*x).getShape())))
            return failure();
          Value w = weight(loc, dShape, inv, weightName(o.getRhs(), "div"), f,
                           o.getRhs());
          p = mpc::MulSPOp::create(b, loc, sharedType(resShape(), 2 * f), *x,
                                   w);
        }
        return result(trunc(loc, p, f));
      })
      .Case([&](vit::TanhOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(mpc::TanhOp::create(b, loc, ty(*x), *x));
      })
      .Case<vit::ReduceSumOp, vit::ReduceMeanOp>(
          [&](auto o) -> LogicalResult { return lowerReduce(o); })
      .Case([&](vit::ReluOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(mpc::ReluOp::create(b, loc, ty(*x), *x));
      })
      .Case([&](vit::GeluOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(mpc::GeluOp::create(b, loc, ty(*x), *x));
      })
      .Case([&](vit::QuadOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        ArrayRef<int64_t> s = ty(*x).getShape();
        double a = o.getA().convertToDouble(), bc = o.getB().convertToDouble(),
               c = o.getC().convertToDouble();
        Value sq = trunc(
            loc, mpc::SquareOp::create(b, loc, sharedType(s, 2 * f), *x), f);
        Value ax2 = mpc::MulPublicOp::create(b, loc, sharedType(s, 2 * f), sq,
                                             publicScalar(loc, a, f));
        Value bx = mpc::MulPublicOp::create(b, loc, sharedType(s, 2 * f), *x,
                                            publicScalar(loc, bc, f));
        Value sum = mpc::AddOp::create(b, loc, sharedType(s, 2 * f), ax2, bx);
        sum = mpc::AddOp::create(b, loc, sharedType(s, 2 * f), sum,
                                 publicScalar(loc, c, 2 * f));
        return result(trunc(loc, sum, f));
      })
      .Case([&](vit::SoftmaxOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        int64_t rank = ty(*x).getRank(), axis = o.getAxis();
        if (axis < 0)
          axis += rank;
        if (axis != rank - 1)
          return o.emitOpError("softmax over axis ")
                 << o.getAxis() << " has no private lowering (expected the "
                 << "last axis)";
        return result(mpc::SoftmaxOp::create(b, loc, ty(*x), *x,
                                             b.getI64IntegerAttr(axis)));
      })
      .Case([&](vit::AttentionNormOp o) { return lowerAttentionNorm(o); })
      .Case([&](vit::LayerNormOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        if (!isConstant(o.getGamma()) || !isConstant(o.getBeta()))
          return o.emitOpError("gamma and beta must be constants (the "
                               "server's weights)");
        FailureOr<Value> gw = plainWeight(o, o.getGamma(), "ln_gamma", f),
                         bw = plainWeight(o, o.getBeta(), "ln_beta", f);
        if (failed(gw) || failed(bw))
          return failure();
        // γ ≡ 1 (folded into the next linear by --mpcvit-fuse-linear): the
        // protocol skips the product with γ.
        FailureOr<std::vector<double>> g = getConstantValues(o.getGamma());
        const bool unitGamma =
            succeeded(g) && llvm::all_of(*g, [](double v) { return v == 1.0; });
        return result(mpc::LayerNormOp::create(b, loc, ty(*x), *x, *gw, *bw,
                                               o.getEpsilonAttr(),
                                               unitGamma ? b.getUnitAttr()
                                                         : UnitAttr()));
      })
      .Case([&](vit::ReshapeOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(
            mpc::ReshapeOp::create(b, loc, sharedType(resShape(), f), *x));
      })
      .Case([&](vit::TransposeOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(mpc::TransposeOp::create(
            b, loc, sharedType(resShape(), f), *x, o.getPermAttr()));
      })
      .Case([&](vit::SliceOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        return result(mpc::SliceOp::create(
            b, loc, sharedType(resShape(), f), *x, o.getOffsetsAttr(),
            o.getSizesAttr(), o.getStridesAttr()));
      })
      .Case([&](vit::GatherOp o) -> LogicalResult {
        FailureOr<Value> x = sharedOperand(0);
        if (failed(x))
          return failure();
        int64_t axis = o.getAxis();
        if (axis < 0)
          axis += ty(*x).getRank();
        return result(mpc::GatherOp::create(b, loc, sharedType(resShape(), f),
                                            *x, b.getI64IntegerAttr(axis),
                                            o.getIndicesAttr()));
      })
      .Case([&](vit::ConcatOp o) -> LogicalResult {
        SmallVector<Value> ins;
        for (unsigned i = 0; i < o->getNumOperands(); ++i) {
          FailureOr<Value> x = sharedOperand(i);
          if (failed(x))
            return failure();
          ins.push_back(*x);
        }
        int64_t axis = o.getAxis();
        if (axis < 0)
          axis += int64_t(resShape().size());
        return result(mpc::ConcatOp::create(b, loc, sharedType(resShape(), f),
                                            ins, b.getI64IntegerAttr(axis)));
      })
      .Case([&](func::ReturnOp o) -> LogicalResult {
        SmallVector<Value> outs;
        for (Value v : o.getOperands()) {
          FailureOr<Value> x = shared(o, v);
          if (failed(x))
            return failure();
          outs.push_back(mpc::RevealOp::create(
              b, loc,
              ringType(ty(*x).getShape(), Visibility::ClientPrivate,
                       ty(*x).getFracBits()),
              *x));
        }
        func::ReturnOp::create(b, loc, outs);
        return success();
      })
      .Default([&](Operation *o) -> LogicalResult {
        if (!o->getDialect() || o->getDialect()->getNamespace() != "vit")
          return o->emitOpError("has no private (2PC) lowering");
        // Primitives --mpcvit-raise-patterns folds into GeLU (erf) or
        // LayerNorm (pow, sqrt, reciprocal): before raising that is the
        // fix. Any other vit op (exp, max, ...) is not removed by raising:
        // it simply has no private lowering yet.
        if (isa<vit::ErfOp, vit::PowOp, vit::SqrtOp, vit::ReciprocalOp>(o))
          return o->emitOpError("has no private (2PC) lowering; primitive "
                                "ops must be raised first "
                                "(--mpcvit-raise-patterns); if they were, "
                                "this one is not part of a GeLU, LayerNorm "
                                "or attention pattern and has no private "
                                "lowering yet");
        return o->emitOpError("has no private (2PC) lowering yet (raising "
                              "does not remove it: a model that needs '")
               << o->getName() << "' cannot be compiled privately)";
      });
}

LogicalResult FunctionLowering::run() {
  if (fn.isExternal())
    return success();
  Block &entry = fn.getBody().front();
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError("expected a single block");
  // Arguments: the client's private input, shared at once.
  b.setInsertionPointToStart(&entry);
  SmallVector<Type> argTypes;
  SmallVector<std::pair<BlockArgument, Value>> argShares;
  for (BlockArgument arg : entry.getArguments()) {
    auto t = llvm::dyn_cast<RankedTensorType>(arg.getType());
    if (!t || !t.hasStaticShape())
      return fn.emitOpError("argument ")
             << arg.getArgNumber() << " must be a static tensor, got "
             << arg.getType();
    argTypes.push_back(ringType(t.getShape(), Visibility::ClientPrivate, f));
  }
  // Lower the body op by op, in order.
  SmallVector<Operation *> ops;
  for (Operation &op : entry)
    ops.push_back(&op);
  for (BlockArgument arg : entry.getArguments()) {
    arg.setType(argTypes[arg.getArgNumber()]);
    b.setInsertionPointToStart(&entry);
    map[arg] = mpc::ShareOp::create(b, fn.getLoc(),
                                    sharedType(ty(arg).getShape(), f), arg);
  }
  for (Operation *op : ops)
    if (failed(lower(op)) || outOfRange)
      return failure();
  // Erase the vit ops (reverse order: users first).
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  auto ret = llvm::cast<func::ReturnOp>(entry.getTerminator());
  fn.setFunctionType(
      FunctionType::get(fn.getContext(), argTypes, ret.getOperandTypes()));
  return success();
}

struct LowerToMpcPass : public mpcvit::impl::LowerToMpcBase<LowerToMpcPass> {
  using LowerToMpcBase::LowerToMpcBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The runtime's fused protocols (LayerNorm keeps f + 8 bits, rsqrt
    // takes ≤ 28 input bits, exp works with f + 8) are validated for
    // 10 ≤ f ≤ 18 (fmnist-tiny logits within 1e-2 of PyTorch; f = 20 fails).
    if (fracBits < 10 || fracBits > 18) {
      module.emitError("--mpcvit-lower-to-mpc: frac-bits must be in [10, 18] "
                       "(the range the runtime protocols are validated "
                       "for), got ")
          << static_cast<unsigned>(fracBits);
      return signalPassFailure();
    }
    std::optional<mpc::TruncKind> kind = mpc::symbolizeTruncKind(truncMode);
    if (!kind) {
      module.emitError("--mpcvit-lower-to-mpc: trunc must be probabilistic "
                       "or exact, got '")
          << truncMode << "'";
      return signalPassFailure();
    }
    std::optional<mpc::ProtocolKind> suite =
        mpc::symbolizeProtocolKind(protocols);
    if (!suite) {
      module.emitError("--mpcvit-lower-to-mpc: protocols must be a2b or fss, "
                       "got '")
          << protocols << "'";
      return signalPassFailure();
    }
    // The session first: the lowering's builders read it (mpc::getSession).
    module->setAttr(mpc::kSessionAttrName,
                    mpc::SessionAttr::get(module.getContext(),
                                          mpc::MpcDialect::kRingBits, fracBits,
                                          *kind, *suite));
    llvm::StringSet<> names;
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      FunctionLowering lowering(fn, fracBits, *kind, names);
      if (failed(lowering.run()))
        return signalPassFailure();
    }
  }
};

} // namespace
