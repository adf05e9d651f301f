//===- FuseLinear.cpp - --mpcvit-fuse-linear ------------------------------===//
//
// Folds constants into the server's weights and fuses adjacent linear
// layers, so that the private program runs fewer secret multiplications
// (DESIGN.md §1; the order of the steps is described in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mpcvit/passes/ConstantWeights.h"
#include "mpcvit/passes/Passes.h"
#include "mpcvit/dialects/vit/VitOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>

namespace mpcvit {
#define GEN_PASS_DEF_FUSELINEAR
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

RankedTensorType tensorTy(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

/// Multiply-accumulates of one op: rows·K·N for linear, batch·m·k·n for
/// matmul, B·D·Ho·Wo·C·kh·kw for conv_patch; 0 for everything else.
uint64_t macsOf(Operation *op) {
  if (auto l = llvm::dyn_cast<vit::LinearOp>(op)) {
    RankedTensorType w = tensorTy(l.getWeight());
    return tensorTy(l.getResult()).getNumElements() * w.getDimSize(1);
  }
  if (auto m = llvm::dyn_cast<vit::MatmulOp>(op))
    return tensorTy(m.getResult()).getNumElements() *
           tensorTy(m.getLhs()).getShape().back();
  if (auto c = llvm::dyn_cast<vit::ConvPatchOp>(op)) {
    RankedTensorType w = tensorTy(c.getWeight());
    return tensorTy(c.getResult()).getNumElements() * w.getDimSize(1) *
           w.getDimSize(2) * w.getDimSize(3);
  }
  return 0;
}

uint64_t countMacs(ModuleOp module) {
  uint64_t macs = 0;
  module.walk([&](Operation *op) { macs += macsOf(op); });
  return macs;
}

/// Weight [N, K] and bias [N] of a linear as doubles (bias zero if absent).
struct LinearWeights {
  int64_t n = 0, k = 0;
  std::vector<double> w, b;
};

FailureOr<LinearWeights> readLinear(vit::LinearOp l) {
  LinearWeights lw;
  RankedTensorType wt = tensorTy(l.getWeight());
  lw.n = wt.getDimSize(0);
  lw.k = wt.getDimSize(1);
  FailureOr<std::vector<double>> w = getConstantValues(l.getWeight());
  if (failed(w))
    return failure();
  lw.w = std::move(*w);
  if (Value bias = l.getBias()) {
    FailureOr<std::vector<double>> b = getConstantValues(bias);
    if (failed(b))
      return failure();
    lw.b = std::move(*b);
  } else {
    lw.b.assign(lw.n, 0.0);
  }
  return lw;
}

/// Replaces `l` by a linear of the same input with weights `lw`.
vit::LinearOp rebuildLinear(vit::LinearOp l, const LinearWeights &lw,
                            Value input, StringRef name) {
  OpBuilder b(l);
  Type elt = tensorTy(l.getWeight()).getElementType();
  Value w =
      createConstant(b, l.getLoc(), RankedTensorType::get({lw.n, lw.k}, elt),
                     lw.w, (name + "_w").str());
  Value bias = createConstant(b, l.getLoc(), RankedTensorType::get({lw.n}, elt),
                              lw.b, (name + "_b").str());
  auto fused =
      vit::LinearOp::create(b, l.getLoc(), l.getType(), input, w, bias);
  l.replaceAllUsesWith(fused.getResult());
  l.erase();
  return fused;
}

/// Output-feature labels of a linear's result carried through data
/// movement: element e of a tensor holds the index of the projection row
/// (output feature) it was computed by.
struct Labels {
  SmallVector<int64_t> shape;
  std::vector<int64_t> data; // row-major
};

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> st(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    st[d] = st[d + 1] * shape[d + 1];
  return st;
}

/// Applies a data-movement op (reshape, transpose, slice, gather) to
/// labels; std::nullopt for any other op.
std::optional<Labels> moveLabels(Operation *op, const Labels &in) {
  Labels out;
  out.shape.assign(tensorTy(op->getResult(0)).getShape().begin(),
                   tensorTy(op->getResult(0)).getShape().end());
  int64_t n = 1;
  for (int64_t d : out.shape)
    n *= d;
  out.data.resize(n);
  SmallVector<int64_t> inSt = stridesOf(in.shape), outSt = stridesOf(out.shape);
  // Maps a result index (multi-index `idx`) to the source element offset.
  std::function<int64_t(ArrayRef<int64_t>)> source;
  if (llvm::isa<vit::ReshapeOp>(op)) {
    out.data = in.data;
    return out;
  } else if (auto t = llvm::dyn_cast<vit::TransposeOp>(op)) {
    ArrayRef<int64_t> perm = t.getPerm();
    source = [&, perm](ArrayRef<int64_t> idx) {
      int64_t off = 0;
      for (size_t d = 0; d < idx.size(); ++d)
        off += idx[d] * inSt[perm[d]];
      return off;
    };
  } else if (auto sl = llvm::dyn_cast<vit::SliceOp>(op)) {
    ArrayRef<int64_t> o = sl.getOffsets(), st = sl.getStrides();
    source = [&, o, st](ArrayRef<int64_t> idx) {
      int64_t off = 0;
      for (size_t d = 0; d < idx.size(); ++d)
        off += (o[d] + idx[d] * st[d]) * inSt[d];
      return off;
    };
  } else if (auto g = llvm::dyn_cast<vit::GatherOp>(op)) {
    int64_t rank = in.shape.size();
    int64_t axis = static_cast<int64_t>(g.getAxis());
    if (axis < 0)
      axis += rank;
    ArrayRef<int64_t> ind = g.getIndices();
    source = [&, axis, ind](ArrayRef<int64_t> idx) {
      int64_t off = 0;
      for (size_t d = 0; d < idx.size(); ++d)
        off +=
            (static_cast<int64_t>(d) == axis ? ind[idx[d]] : idx[d]) * inSt[d];
      return off;
    };
  } else {
    return std::nullopt;
  }
  SmallVector<int64_t> idx(out.shape.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t rem = e;
    for (size_t d = 0; d < idx.size(); ++d) {
      idx[d] = rem / outSt[d];
      rem %= outSt[d];
    }
    out.data[e] = in.data[source(idx)];
  }
  return out;
}

/// Multiplies the rows `rows` (output features) of the projection `l` by c.
LogicalResult scaleRows(vit::LinearOp l, const llvm::DenseSet<int64_t> &rows,
                        double c) {
  FailureOr<LinearWeights> lw = readLinear(l);
  if (failed(lw))
    return failure();
  for (int64_t r : rows) {
    for (int64_t k = 0; k < lw->k; ++k)
      lw->w[r * lw->k + k] *= c;
    lw->b[r] *= c;
  }
  rebuildLinear(l, *lw, l.getInput(), "scaled");
  return success();
}

/// Folds a scalar factor `c` on `v` into the rows of the linear projection
/// that produces it. `v` must be reached from a vit.linear through
/// reshape / transpose / slice / gather only; the rows it reads are found by
/// carrying output-feature labels along that path. Every other reader of
/// the path's intermediate values must be a slice or gather that reads none
/// of those rows (e.g. the k and v parts of a fused QKV projection split by
/// reshape + transpose + slice, as torch exports timm/CCT attention). Fails,
/// changing nothing, otherwise.
LogicalResult scaleProjection(Value v, double c) {
  SmallVector<Operation *> path; // data-movement ops, linear → v order
  Value cur = v;
  vit::LinearOp l;
  while (!(l = cur.getDefiningOp<vit::LinearOp>())) {
    Operation *def = cur.getDefiningOp();
    if (!def || !llvm::isa<vit::ReshapeOp, vit::TransposeOp, vit::SliceOp,
                           vit::GatherOp>(def))
      return failure();
    path.push_back(def);
    cur = def->getOperand(0);
  }
  std::reverse(path.begin(), path.end());

  Labels labels;
  RankedTensorType lt = tensorTy(l.getResult());
  labels.shape.assign(lt.getShape().begin(), lt.getShape().end());
  int64_t features = lt.getShape().back();
  labels.data.resize(lt.getNumElements());
  for (size_t e = 0; e < labels.data.size(); ++e)
    labels.data[e] = static_cast<int64_t>(e) % features;

  // Labels of every value on the path, then the rows that reach v.
  SmallVector<Labels> along{labels};
  for (Operation *op : path)
    along.push_back(*moveLabels(op, along.back()));
  llvm::DenseSet<int64_t> rows(along.back().data.begin(),
                               along.back().data.end());
  if (!v.hasOneUse())
    return failure();

  // No other reader of the path may see a scaled row.
  SmallVector<Value> values{l.getResult()};
  for (Operation *op : path)
    values.push_back(op->getResult(0));
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    for (Operation *user : values[i].getUsers()) {
      if (user == path[i])
        continue;
      if (!llvm::isa<vit::SliceOp, vit::GatherOp>(user))
        return failure();
      std::optional<Labels> read = moveLabels(user, along[i]);
      if (!read ||
          llvm::any_of(read->data, [&](int64_t r) { return rows.contains(r); }))
        return failure();
    }
  }
  return scaleRows(l, rows, c);
}

struct FuseLinearPass : public mpcvit::impl::FuseLinearBase<FuseLinearPass> {
  using FuseLinearBase::FuseLinearBase;

  // What the pass did (reported with report=true).
  uint64_t numLinearFused = 0, numLayerNormFolded = 0, numScalesFolded = 0,
           numScaleAttnFolded = 0, numReassociated = 0;

  /// 1. linear(layer_norm(x, γ, β), W, b) → linear(ln(x, 1, 0), W·diag(γ),
  ///    W·β + b) when every user of the LayerNorm is a linear's input.
  void foldLayerNormAffine(ModuleOp module) {
    SmallVector<vit::LayerNormOp> lns;
    module.walk([&](vit::LayerNormOp ln) { lns.push_back(ln); });
    // Each LayerNorm on its own: one that cannot be folded (a user that is
    // not a linear's input, e.g. a residual add) leaves the others alone.
    for (vit::LayerNormOp ln : lns) {
      SmallVector<vit::LinearOp> users;
      bool allLinear = true;
      for (Operation *u : ln->getUsers()) {
        auto l = llvm::dyn_cast<vit::LinearOp>(u);
        if (!l || l.getInput() != ln.getResult() ||
            l.getWeight() == ln.getResult() || l.getBias() == ln.getResult()) {
          allLinear = false;
          break;
        }
        if (!llvm::is_contained(users, l))
          users.push_back(l);
      }
      FailureOr<std::vector<double>> gamma = getConstantValues(ln.getGamma());
      FailureOr<std::vector<double>> beta = getConstantValues(ln.getBeta());
      if (!allLinear || users.empty() || failed(gamma) || failed(beta))
        continue;
      if (llvm::all_of(*gamma, [](double g) { return g == 1.0; }) &&
          llvm::all_of(*beta, [](double x) { return x == 0.0; }))
        continue;
      if (llvm::any_of(users,
                       [](vit::LinearOp l) { return failed(readLinear(l)); }))
        continue;
      for (vit::LinearOp l : users) {
        LinearWeights lw = *readLinear(l);
        for (int64_t n = 0; n < lw.n; ++n)
          for (int64_t k = 0; k < lw.k; ++k) {
            double &w = lw.w[n * lw.k + k];
            lw.b[n] += w * (*beta)[k];
            w *= (*gamma)[k];
          }
        rebuildLinear(l, lw, ln.getResult(), "ln_folded");
      }
      OpBuilder b(ln);
      RankedTensorType gt = tensorTy(ln.getGamma());
      std::vector<double> ones(gt.getNumElements(), 1.0),
          zeros(gt.getNumElements(), 0.0);
      ln.getGammaMutable().assign(
          createConstant(b, ln.getLoc(), gt, ones, "ln_gamma_one"));
      ln.getBetaMutable().assign(createConstant(
          b, ln.getLoc(), tensorTy(ln.getBeta()), zeros, "ln_beta_zero"));
      ++numLayerNormFolded;
    }
  }

  /// 2. mul(matmul(q, kᵀ), c) → matmul(c·q, kᵀ) with c folded into W_q.
  void foldAttentionScale(ModuleOp module) {
    SmallVector<vit::MulOp> muls;
    module.walk([&](vit::MulOp m) { muls.push_back(m); });
    for (vit::MulOp mul : muls) {
      for (unsigned i = 0; i < 2; ++i) {
        Value scores = mul->getOperand(i), factor = mul->getOperand(1 - i);
        std::optional<double> c = getScalarConstant(factor);
        auto mm = scores.getDefiningOp<vit::MatmulOp>();
        if (!c || !mm || scores.getType() != mul.getType() ||
            !scores.hasOneUse())
          continue;
        bool feedsNorm = llvm::all_of(mul->getUsers(), [](Operation *u) {
          return llvm::isa<vit::AttentionNormOp, vit::SoftmaxOp>(u);
        });
        if (!feedsNorm)
          continue;
        if (failed(scaleProjection(mm.getLhs(), *c)) &&
            failed(scaleProjection(mm.getRhs(), *c)))
          continue;
        mul.replaceAllUsesWith(scores);
        mul.erase();
        ++numScalesFolded;
        break;
      }
    }
  }

  /// 3. All-scale attention_norm (a/N) → 1/N folded into V's projection.
  void foldScaleAttn(ModuleOp module) {
    SmallVector<vit::AttentionNormOp> norms;
    module.walk([&](vit::AttentionNormOp n) { norms.push_back(n); });
    for (vit::AttentionNormOp norm : norms) {
      if (!llvm::all_of(norm.getKinds().getKinds(), [](vit::HeadKind k) {
            return k == vit::HeadKind::Scale;
          }))
        continue;
      if (!norm->hasOneUse())
        continue;
      auto av = llvm::dyn_cast<vit::MatmulOp>(*norm->getUsers().begin());
      if (!av || av.getLhs() != norm.getResult())
        continue;
      int64_t n = norm.getInput().getType().getShape().back();
      if (failed(scaleProjection(av.getRhs(), 1.0 / static_cast<double>(n))))
        continue;
      norm.replaceAllUsesWith(norm.getInput());
      norm.erase();
      ++numScaleAttnFolded;
    }
  }

  /// 4. matmul(matmul(q, kᵀ), v) → matmul(q, matmul(kᵀ, v)) when cheaper.
  void reassociate(ModuleOp module) {
    SmallVector<vit::MatmulOp> outers;
    module.walk([&](vit::MatmulOp m) { outers.push_back(m); });
    for (vit::MatmulOp outer : outers) {
      auto inner = outer.getLhs().getDefiningOp<vit::MatmulOp>();
      if (!inner || !inner->hasOneUse())
        continue;
      RankedTensorType q = tensorTy(inner.getLhs()),
                       kt = tensorTy(inner.getRhs()),
                       v = tensorTy(outer.getRhs());
      ArrayRef<int64_t> batch = q.getShape().drop_back(2);
      if (kt.getShape().drop_back(2) != batch ||
          v.getShape().drop_back(2) != batch)
        continue;
      uint64_t nb = 1;
      for (int64_t d : batch)
        nb *= d;
      uint64_t n = q.getShape().end()[-2], dh = q.getShape().back(),
               n2 = kt.getShape().back(), dv = v.getShape().back();
      uint64_t before = nb * (n * dh * n2 + n * n2 * dv);
      uint64_t after = nb * (dh * n2 * dv + n * dh * dv);
      if (after >= before)
        continue;
      OpBuilder b(outer);
      SmallVector<int64_t> ktvShape(batch);
      ktvShape.append({static_cast<int64_t>(dh), static_cast<int64_t>(dv)});
      Value ktv = vit::MatmulOp::create(
          b, outer.getLoc(),
          RankedTensorType::get(ktvShape, q.getElementType()), inner.getRhs(),
          outer.getRhs());
      Value out = vit::MatmulOp::create(b, outer.getLoc(), outer.getType(),
                                        inner.getLhs(), ktv);
      outer.replaceAllUsesWith(out);
      outer.erase();
      inner.erase();
      ++numReassociated;
    }
  }

  /// 5. linear(linear(x, W1, b1), W2, b2) → linear(x, W2·W1, W2·b1 + b2).
  void fuseLinearPairs(ModuleOp module) {
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<vit::LinearOp> seconds;
      module.walk([&](vit::LinearOp l) { seconds.push_back(l); });
      for (vit::LinearOp l2 : seconds) {
        auto l1 = l2.getInput().getDefiningOp<vit::LinearOp>();
        if (!l1 || !l1->hasOneUse())
          continue;
        FailureOr<LinearWeights> a = readLinear(l1), b = readLinear(l2);
        if (failed(a) || failed(b))
          continue;
        LinearWeights f;
        f.n = b->n;
        f.k = a->k;
        f.w.assign(f.n * f.k, 0.0);
        f.b = b->b;
        for (int64_t n = 0; n < f.n; ++n)
          for (int64_t h = 0; h < a->n; ++h) {
            double w2 = b->w[n * b->k + h];
            if (w2 == 0.0)
              continue;
            f.b[n] += w2 * a->b[h];
            const double *row = &a->w[h * a->k];
            double *out = &f.w[n * f.k];
            for (int64_t k = 0; k < f.k; ++k)
              out[k] += w2 * row[k];
          }
        Value x = l1.getInput();
        rebuildLinear(l2, f, x, "fused");
        l1.erase();
        ++numLinearFused;
        changed = true;
        break; // the op list is stale after a rewrite
      }
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    uint64_t macsBefore = countMacs(module);
    foldLayerNormAffine(module);
    foldAttentionScale(module);
    foldScaleAttn(module);
    reassociate(module);
    fuseLinearPairs(module);
    // Weights that no op reads any more.
    SmallVector<vit::ConstantOp> dead;
    module.walk([&](vit::ConstantOp c) {
      if (c->use_empty())
        dead.push_back(c);
    });
    for (vit::ConstantOp c : dead)
      c.erase();
    if (report)
      emitRemark(module.getLoc(), "mpcvit-fuse-linear: multiply-accumulates ")
          << macsBefore << " -> " << countMacs(module) << "; fused "
          << numLinearFused << " linear pairs, folded " << numLayerNormFolded
          << " LayerNorm affines, " << numScalesFolded << " attention scales, "
          << numScaleAttnFolded << " ScaleAttn normalisations; reassociated "
          << numReassociated << " attention products";
  }
};

} // namespace
