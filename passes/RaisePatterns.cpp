//===- RaisePatterns.cpp - --mpcvit-raise-patterns --------------*- C++ -*-===//
//
// Recognises the high-level ViT operations in imported (primitive) `vit`
// IR, so that the MPC-friendly passes can find them:
//
//  - GeLU: any single-input elementwise subgraph of vit ops and scalar
//    constants containing `vit.erf` (or `vit.tanh`) whose function equals
//    0.5·x·(1 + erf(x/√2)) (or the tanh formula) is replaced by
//    `vit.gelu erf|tanh`. The function is checked numerically at fixed
//    sample points, which covers every association/commutation exporters
//    emit (x·0.5·(1+erf(x/1.414)), x·Φ(x) with 1/√2 as a product, …).
//  - LayerNorm: (x − mean(x)) / sqrt(mean((x − mean(x))²) + ε) · γ + β over
//    the last axis (mean = reduce_mean keepdims; the square as pow 2 or a
//    product; division or product with the reciprocal; γ, β optional) →
//    `vit.layer_norm`.
//  - Attention: `vit.softmax` over the last axis of a scaled Q·Kᵀ product
//    (matmul of two activations, optionally times/divided by a scalar
//    constant) with rank ≥ 3 → `vit.attention_norm` with one `softmax` kind
//    per head. Rank 4 [B, H, N, N]: head axis 1. Rank 3 [B·H, N, N] (what
//    nn.MultiheadAttention exports): reshaped to [B, H, N, N] with B the
//    leading dimension of the function's first argument, and back.
//  - Linear: `vit.matmul` of an activation and a constant [K, N] (or the
//    transpose of a constant [N, K], as Gemm with transB = 1 imports) →
//    `vit.linear` with W [N, K]; a following `vit.add` of a constant bias
//    with N elements becomes the linear's bias.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/vit/VitOps.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <cstring>

namespace mpcvit {
#define GEN_PASS_DEF_RAISEPATTERNS
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// Row-major values of a vit.constant with f32/f64 elements, if available.
std::optional<std::vector<double>> constValues(Value v) {
  auto c = v.getDefiningOp<vit::ConstantOp>();
  if (!c)
    return std::nullopt;
  ElementsAttr attr = c.getValue();
  auto type = llvm::cast<ShapedType>(attr.getType());
  Type elt = type.getElementType();
  if (!elt.isF32() && !elt.isF64())
    return std::nullopt;
  std::vector<double> out(type.getNumElements());
  if (auto dense = llvm::dyn_cast<DenseElementsAttr>(attr)) {
    size_t i = 0;
    if (elt.isF32())
      for (float f : dense.getValues<float>())
        out[i++] = f;
    else
      for (double d : dense.getValues<double>())
        out[i++] = d;
    return out;
  }
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    size_t es = elt.isF32() ? 4 : 8;
    if (!blob || blob->getData().size() != es * out.size())
      return std::nullopt;
    const char *p = blob->getData().data();
    for (size_t i = 0; i < out.size(); ++i) {
      if (elt.isF32()) {
        float f;
        std::memcpy(&f, p + 4 * i, 4);
        out[i] = f;
      } else {
        std::memcpy(&out[i], p + 8 * i, 8);
      }
    }
    return out;
  }
  return std::nullopt;
}

/// The value of a single-element constant.
std::optional<double> scalarConst(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getNumElements() != 1)
    return std::nullopt;
  auto vals = constValues(v);
  if (!vals)
    return std::nullopt;
  return (*vals)[0];
}

/// A new vit.constant of `type` holding `values` (dense_resource blob).
Value makeConstant(PatternRewriter &rw, Location loc, RankedTensorType type,
                   llvm::ArrayRef<double> values, StringRef name) {
  ElementsAttr attr;
  if (type.getElementType().isF32()) {
    std::vector<float> f(values.begin(), values.end());
    attr = DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            llvm::ArrayRef<char>(reinterpret_cast<const char *>(f.data()),
                                 f.size() * 4),
            4));
  } else {
    attr = DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            llvm::ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                                 values.size() * 8),
            8));
  }
  return vit::ConstantOp::create(rw, loc, attr);
}

RankedTensorType tensorTy(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

bool isConst(Value v) { return v.getDefiningOp<vit::ConstantOp>() != nullptr; }

/// Both operand orders of a commutative op: calls f(a, b) then f(b, a).
template <typename F> bool eitherOrder(Operation *op, F f) {
  return f(op->getOperand(0), op->getOperand(1)) ||
         f(op->getOperand(1), op->getOperand(0));
}

//===----------------------------------------------------------------------===//
// GeLU
//===----------------------------------------------------------------------===//

bool isElementwise(Operation *op) {
  return isa<vit::AddOp, vit::SubOp, vit::MulOp, vit::DivOp, vit::PowOp,
             vit::SqrtOp, vit::ReciprocalOp, vit::ErfOp, vit::TanhOp,
             vit::ExpOp>(op);
}

/// Evaluates the scalar function computed by the cone of `v` with `leaf`
/// set to x; nullopt if the cone holds anything else than elementwise ops
/// and single-element constants.
std::optional<double> evalCone(Value v, Value leaf, double x, int depth = 0) {
  if (v == leaf)
    return x;
  if (depth > 24)
    return std::nullopt;
  if (auto c = scalarConst(v))
    return c;
  Operation *op = v.getDefiningOp();
  if (!op || !isElementwise(op))
    return std::nullopt;
  std::optional<double> a = evalCone(op->getOperand(0), leaf, x, depth + 1);
  if (!a)
    return std::nullopt;
  if (op->getNumOperands() == 1) {
    if (isa<vit::SqrtOp>(op))
      return std::sqrt(*a);
    if (isa<vit::ReciprocalOp>(op))
      return 1.0 / *a;
    if (isa<vit::ErfOp>(op))
      return std::erf(*a);
    if (isa<vit::TanhOp>(op))
      return std::tanh(*a);
    return std::exp(*a);
  }
  std::optional<double> b = evalCone(op->getOperand(1), leaf, x, depth + 1);
  if (!b)
    return std::nullopt;
  if (isa<vit::AddOp>(op))
    return *a + *b;
  if (isa<vit::SubOp>(op))
    return *a - *b;
  if (isa<vit::MulOp>(op))
    return *a * *b;
  if (isa<vit::DivOp>(op))
    return *a / *b;
  return std::pow(*a, *b);
}

/// Collects the ops of the cone of `root` above `leaf`; false if the cone
/// is not closed (an interior value is used outside it) or holds a
/// non-scalar, non-elementwise value other than `leaf`.
bool collectCone(Operation *root, Value leaf,
                 llvm::SetVector<Operation *> &cone) {
  llvm::SmallVector<Operation *> work = {root};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!cone.insert(op))
      continue;
    for (Value v : op->getOperands()) {
      if (v == leaf || scalarConst(v))
        continue;
      Operation *def = v.getDefiningOp();
      if (!def || !isElementwise(def))
        return false;
      work.push_back(def);
    }
  }
  for (Operation *op : cone)
    if (op != root)
      for (Operation *user : op->getUsers())
        if (!cone.contains(user))
          return false;
  return true;
}

double geluErf(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
double geluTanh(double x) {
  return 0.5 * x *
         (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

struct RaiseGelu : OpRewritePattern<vit::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::MulOp root,
                                PatternRewriter &rw) const override {
    // Candidate leaves: the non-constant values feeding the cone, nearest
    // to the root first.
    llvm::SetVector<Value> candidates;
    llvm::SmallVector<Operation *> work = {root};
    llvm::DenseSet<Operation *> seen;
    bool hasErf = false, hasTanh = false;
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      if (!seen.insert(op).second || seen.size() > 32)
        continue;
      hasErf |= isa<vit::ErfOp>(op);
      hasTanh |= isa<vit::TanhOp>(op);
      for (Value v : op->getOperands()) {
        if (scalarConst(v))
          continue;
        candidates.insert(v);
        if (Operation *d = v.getDefiningOp(); d && isElementwise(d))
          work.push_back(d);
      }
    }
    if (!hasErf && !hasTanh)
      return failure();
    for (Value leaf : candidates) {
      if (tensorTy(leaf) != root.getType())
        continue;
      llvm::SetVector<Operation *> cone;
      if (!collectCone(root, leaf, cone))
        continue;
      bool coneErf =
          llvm::any_of(cone, [](Operation *o) { return isa<vit::ErfOp>(o); });
      bool coneTanh =
          llvm::any_of(cone, [](Operation *o) { return isa<vit::TanhOp>(o); });
      if (coneErf == coneTanh)
        continue;
      auto ref = coneErf ? geluErf : geluTanh;
      bool ok = true;
      for (double x : {-4.0, -2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 3.0}) {
        std::optional<double> y = evalCone(root, leaf, x);
        if (!y || std::fabs(*y - ref(x)) > 1e-5 * (1 + std::fabs(ref(x)))) {
          ok = false;
          break;
        }
      }
      if (!ok)
        continue;
      rw.replaceOpWithNewOp<vit::GeluOp>(
          root, root.getType(), leaf,
          vit::GeluKindAttr::get(getContext(), coneErf ? vit::GeluKind::Erf
                                                       : vit::GeluKind::Tanh));
      return success();
    }
    return failure();
  }
};

//===----------------------------------------------------------------------===//
// LayerNorm
//===----------------------------------------------------------------------===//

/// True if `op` is a reduce_mean over exactly the last axis with keepdims.
bool isLastAxisMean(Operation *op) {
  auto m = dyn_cast_or_null<vit::ReduceMeanOp>(op);
  if (!m || !m.getKeepdims() || m.getAxes().size() != 1)
    return false;
  int64_t rank = tensorTy(m.getInput()).getRank();
  int64_t a = m.getAxes()[0];
  return a == -1 || a == rank - 1;
}

/// Matches d = x − mean(x) (last axis); returns x.
Value matchCentered(Value d) {
  auto sub = d.getDefiningOp<vit::SubOp>();
  if (!sub || !isLastAxisMean(sub.getRhs().getDefiningOp()))
    return {};
  Value x = sub.getLhs();
  if (sub.getRhs().getDefiningOp<vit::ReduceMeanOp>().getInput() != x ||
      tensorTy(x) != tensorTy(d))
    return {};
  return x;
}

/// Matches s = sqrt(mean(d²) + eps) (last axis) for the given d; returns eps.
std::optional<double> matchStd(Value s, Value d) {
  auto sq = s.getDefiningOp<vit::SqrtOp>();
  if (!sq)
    return std::nullopt;
  auto add = sq.getInput().getDefiningOp<vit::AddOp>();
  if (!add)
    return std::nullopt;
  std::optional<double> eps;
  Value var;
  eitherOrder(add, [&](Value a, Value b) {
    if (auto e = scalarConst(b); e && !isConst(a)) {
      eps = e;
      var = a;
      return true;
    }
    return false;
  });
  if (!eps || !isLastAxisMean(var.getDefiningOp()))
    return std::nullopt;
  Value p = var.getDefiningOp<vit::ReduceMeanOp>().getInput();
  if (auto pw = p.getDefiningOp<vit::PowOp>()) {
    if (pw.getLhs() != d || scalarConst(pw.getRhs()) != 2.0)
      return std::nullopt;
  } else if (auto m = p.getDefiningOp<vit::MulOp>()) {
    if (m.getLhs() != d || m.getRhs() != d)
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  return eps;
}

/// Matches the normalised value n = d / s (or d · reciprocal(s)); returns
/// x and eps.
std::optional<std::pair<Value, double>> matchNormalized(Value n) {
  Value d, s;
  if (auto div = n.getDefiningOp<vit::DivOp>()) {
    d = div.getLhs();
    s = div.getRhs();
  } else if (auto mul = n.getDefiningOp<vit::MulOp>()) {
    eitherOrder(mul, [&](Value a, Value b) {
      if (auto r = b.getDefiningOp<vit::ReciprocalOp>()) {
        d = a;
        s = r.getInput();
        return true;
      }
      return false;
    });
  }
  if (!d)
    return std::nullopt;
  Value x = matchCentered(d);
  if (!x)
    return std::nullopt;
  std::optional<double> eps = matchStd(s, d);
  if (!eps || *eps <= 0)
    return std::nullopt;
  return std::make_pair(x, *eps);
}

/// A [D] view of a constant with D elements (reshaped if needed).
Value asVector(PatternRewriter &rw, Location loc, Value c, int64_t d) {
  RankedTensorType t = tensorTy(c);
  if (t.getRank() == 1)
    return c;
  return vit::ReshapeOp::create(
      rw, loc, RankedTensorType::get({d}, t.getElementType()), c);
}

/// Root: add(mul(n, γ), β) with constants γ, β of D elements.
struct RaiseLayerNormAffine : OpRewritePattern<vit::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::AddOp root,
                                PatternRewriter &rw) const override {
    Value scaled, beta;
    eitherOrder(root, [&](Value a, Value b) {
      if (a.getDefiningOp<vit::MulOp>() && isConst(b)) {
        scaled = a;
        beta = b;
        return true;
      }
      return false;
    });
    if (!scaled)
      return failure();
    auto mul = scaled.getDefiningOp<vit::MulOp>();
    Value n, gamma;
    eitherOrder(mul, [&](Value a, Value b) {
      if (isConst(b) && matchNormalized(a)) {
        n = a;
        gamma = b;
        return true;
      }
      return false;
    });
    if (!n)
      return failure();
    auto [x, eps] = *matchNormalized(n);
    RankedTensorType xt = tensorTy(x);
    int64_t d = xt.getShape().back();
    if (tensorTy(gamma).getNumElements() != d ||
        tensorTy(beta).getNumElements() != d || root.getType() != xt ||
        tensorTy(gamma).getShape().back() != d ||
        tensorTy(beta).getShape().back() != d)
      return failure();
    Location loc = root.getLoc();
    rw.replaceOpWithNewOp<vit::LayerNormOp>(
        root, xt, x, asVector(rw, loc, gamma, d), asVector(rw, loc, beta, d),
        rw.getF64FloatAttr(eps));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Division by a scalar constant
//===----------------------------------------------------------------------===//

/// x / c with c a single-element constant ≠ 0 (and x not a constant) →
/// x · (1/c). torch's nn.MultiheadAttention divides q by √d_head; the
/// private lowering has a public product (`mpc.mul_public`) but no
/// division. The other patterns accept both forms (evalCone, isScaledQK).
struct RaiseDivByConstant : OpRewritePattern<vit::DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::DivOp div,
                                PatternRewriter &rw) const override {
    std::optional<double> c = scalarConst(div.getRhs());
    if (!c || *c == 0.0 || isConst(div.getLhs()))
      return failure();
    RankedTensorType ct = tensorTy(div.getRhs());
    DenseElementsAttr inv =
        ct.getElementType().isF32()
            ? DenseElementsAttr::get(ct, static_cast<float>(1.0 / *c))
            : DenseElementsAttr::get(ct, 1.0 / *c);
    Value r = vit::ConstantOp::create(rw, div.getLoc(), inv);
    rw.replaceOpWithNewOp<vit::MulOp>(div, div.getType(), div.getLhs(), r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// True if `v` is matmul(a, b) of two activations, possibly times or
/// divided by a scalar constant.
bool isScaledQK(Value v) {
  Operation *op = v.getDefiningOp();
  if (auto m = dyn_cast_or_null<vit::MulOp>(op)) {
    Value other;
    eitherOrder(m, [&](Value a, Value b) {
      if (scalarConst(b)) {
        other = a;
        return true;
      }
      return false;
    });
    if (!other)
      return false;
    op = other.getDefiningOp();
  } else if (auto d = dyn_cast_or_null<vit::DivOp>(op)) {
    if (!scalarConst(d.getRhs()))
      return false;
    op = d.getLhs().getDefiningOp();
  }
  auto mm = dyn_cast_or_null<vit::MatmulOp>(op);
  return mm && !isConst(mm.getLhs()) && !isConst(mm.getRhs());
}

struct RaiseAttention : OpRewritePattern<vit::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::SoftmaxOp sm,
                                PatternRewriter &rw) const override {
    RankedTensorType t = sm.getType();
    int64_t rank = t.getRank();
    int64_t smAxis = static_cast<int64_t>(sm.getAxis());
    if (rank < 3 || (smAxis != -1 && smAxis != rank - 1) ||
        !isScaledQK(sm.getInput()))
      return failure();
    Location loc = sm.getLoc();
    auto kindsFor = [&](int64_t heads) {
      llvm::SmallVector<vit::HeadKind> kinds(heads, vit::HeadKind::Softmax);
      return vit::HeadKindsAttr::get(getContext(), kinds);
    };
    if (rank >= 4) {
      int64_t axis = rank - 3;
      rw.replaceOpWithNewOp<vit::AttentionNormOp>(
          sm, t, sm.getInput(), kindsFor(t.getDimSize(axis)),
          rw.getI64IntegerAttr(axis), rw.getF64FloatAttr(1e-6));
      return success();
    }
    // [B·H, N, N]: B from the function's first argument.
    int64_t bh = t.getDimSize(0), batch = 1;
    if (auto fn = sm->getParentOfType<func::FuncOp>();
        fn && fn.getNumArguments() > 0)
      if (auto at = llvm::dyn_cast<RankedTensorType>(fn.getArgumentTypes()[0]);
          at && at.getRank() > 0 && at.getDimSize(0) > 0 &&
          bh % at.getDimSize(0) == 0)
        batch = at.getDimSize(0);
    auto t4 = RankedTensorType::get(
        {batch, bh / batch, t.getDimSize(1), t.getDimSize(2)},
        t.getElementType());
    Value r = vit::ReshapeOp::create(rw, loc, t4, sm.getInput());
    Value a = vit::AttentionNormOp::create(rw, loc, t4, r, kindsFor(bh / batch),
                                           rw.getI64IntegerAttr(1),
                                           rw.getF64FloatAttr(1e-6));
    rw.replaceOpWithNewOp<vit::ReshapeOp>(sm, t, a);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Linear
//===----------------------------------------------------------------------===//

struct RaiseLinear : OpRewritePattern<vit::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::MatmulOp mm,
                                PatternRewriter &rw) const override {
    Value w = mm.getRhs();
    RankedTensorType wt = tensorTy(w);
    if (wt.getRank() != 2 || isConst(mm.getLhs()))
      return failure();
    Value weight; // [N, K]
    if (auto tr = w.getDefiningOp<vit::TransposeOp>()) {
      if (isConst(tr.getInput()) &&
          tr.getPerm() == llvm::ArrayRef<int64_t>{1, 0})
        weight = tr.getInput();
    } else if (isConst(w)) {
      auto vals = constValues(w);
      if (!vals)
        return failure();
      int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
      std::vector<double> tv(vals->size());
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j)
          tv[j * k + i] = (*vals)[i * n + j];
      // Name the transposed blob after the original (e.g. fc_weight_t).
      std::string name = "linear_w";
      if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(
              w.getDefiningOp<vit::ConstantOp>().getValue()))
        name = res.getRawHandle().getKey().str() + "_t";
      weight = makeConstant(rw, w.getLoc(),
                            RankedTensorType::get({n, k}, wt.getElementType()),
                            tv, name);
    }
    if (!weight)
      return failure();
    rw.replaceOpWithNewOp<vit::LinearOp>(mm, mm.getType(), mm.getLhs(), weight,
                                         Value());
    return success();
  }
};

struct RaiseLinearBias : OpRewritePattern<vit::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vit::AddOp add,
                                PatternRewriter &rw) const override {
    vit::LinearOp lin;
    Value bias;
    eitherOrder(add, [&](Value a, Value b) {
      auto l = a.getDefiningOp<vit::LinearOp>();
      if (l && !l.getBias() && isConst(b) && a.hasOneUse()) {
        lin = l;
        bias = b;
        return true;
      }
      return false;
    });
    if (!lin)
      return failure();
    int64_t n = tensorTy(lin.getWeight()).getDimSize(0);
    RankedTensorType bt = tensorTy(bias);
    if (bt.getNumElements() != n || bt.getShape().back() != n ||
        add.getType() != lin.getType())
      return failure();
    Value b1 = asVector(rw, add.getLoc(), bias, n);
    rw.replaceOpWithNewOp<vit::LinearOp>(add, add.getType(), lin.getInput(),
                                         lin.getWeight(), b1);
    return success();
  }
};

struct RaisePatternsPass
    : public mpcvit::impl::RaisePatternsBase<RaisePatternsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGelu, RaiseLayerNormAffine, RaiseAttention, RaiseLinear,
                 RaiseLinearBias, RaiseDivByConstant>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
