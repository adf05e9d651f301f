//===- InputRange.cpp - The input range a program's fixed point carries ---===//
#include "mpcvit/target/InputRange.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace mlir;

namespace mpcvit::target {

namespace {
/// |v| <= a·X + b for every element v.
struct Bound {
  double a = 0, b = 0;
  Bound operator+(const Bound &o) const { return {a + o.a, b + o.b}; }
  Bound scaled(double s) const { return {a * s, b * s}; }
};

double maxAbs(ArrayRef<double> v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

std::string where(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getName() << " at " << op->getLoc();
  return s;
}
} // namespace

FailureOr<InputRange> inputRange(const ProgramView &p) {
  const int f = int(p.session.getFracBits());
  const double productLimit = std::ldexp(1.0, 62 - 2 * f);
  InputRange r;
  r.absMax = std::ldexp(1.0, 62 - f);
  r.limitBy = "the fixed-point encoding of the input itself";
  auto limit = [&](const Bound &b, double lim, Operation *op,
                   const std::string &why) {
    if (b.a <= 0)
      return;
    double x = std::max(0.0, (lim - b.b) / b.a);
    if (x < r.absMax) {
      r.absMax = x;
      r.limitBy = why + " (" + where(op) + ")";
    }
  };
  func::FuncOp fn = p.fn; // handle (FuncOp's accessors are not const)
  llvm::DenseMap<Value, Bound> bound;
  bound[fn.getArgument(0)] = {1, 0};
  // Values of constants and weights as bounds (a = 0).
  auto constBound = [&](Operation *op, Attribute value) -> LogicalResult {
    FailureOr<std::vector<double>> v = elementValues(nullptr, value);
    if (failed(v))
      return failure();
    bound[op->getResult(0)] = {0, maxAbs(*v)};
    return success();
  };
  std::ostringstream productWhy;
  productWhy << "a product kept with " << 2 * f
             << " fractional bits must stay below 2^" << 62 - 2 * f;
  // Program order; the ops of an mpc.parallel's branches come before it
  // (post-order), which then passes on the bounds its branches yield.
  SmallVector<Operation *> order;
  fn.walk([&](Operation *o) {
    if (o != fn.getOperation())
      order.push_back(o);
  });
  for (Operation *current : order) {
    Operation &op = *current;
    if (auto par = llvm::dyn_cast<mpc::ParallelOp>(op)) {
      for (unsigned i = 0; i < par.getBranches().size(); ++i) {
        Operation *yield = par.getBranches()[i].front().getTerminator();
        for (auto [r, v] :
             llvm::zip(par.getBranchResults(i), yield->getOperands()))
          if (bound.count(v))
            bound[r] = bound.lookup(v);
      }
      continue;
    }
    if (auto w = llvm::dyn_cast<mpc::WeightOp>(op)) {
      if (failed(constBound(&op, w.getValue())))
        return failure();
      continue;
    }
    if (auto c = llvm::dyn_cast<mpc::ConstantOp>(op)) {
      if (failed(constBound(&op, c.getValue())))
        return failure();
      continue;
    }
    // Bounds flow through the affine ops whose operands all have one
    // (server values shared into the computation have a = 0).
    bool seesInput = false, allBounded = true;
    for (Value v : op.getOperands()) {
      auto it = bound.find(v);
      allBounded = allBounded && it != bound.end();
      seesInput = seesInput || (it != bound.end() && it->second.a > 0);
    }
    if (!allBounded || op.getNumResults() != 1)
      continue;
    auto in = [&](unsigned i) { return bound.lookup(op.getOperand(i)); };
    bool affine =
        llvm::TypeSwitch<Operation *, bool>(&op)
            .Case<mpc::ShareOp, mpc::ReshapeOp, mpc::TransposeOp, mpc::SliceOp,
                  mpc::GatherOp, mpc::Im2ColOp, mpc::TruncOp>([&](Operation *) {
              bound[op.getResult(0)] = in(0);
              return true;
            })
            .Case<mpc::ConcatOp>([&](Operation *) {
              Bound m;
              for (unsigned i = 0; i < op.getNumOperands(); ++i)
                m = {std::max(m.a, in(i).a), std::max(m.b, in(i).b)};
              bound[op.getResult(0)] = m;
              return true;
            })
            .Case<mpc::AddOp, mpc::SubOp>([&](Operation *) {
              bound[op.getResult(0)] = in(0) + in(1);
              return true;
            })
            .Case<mpc::MulPublicOp>([&](Operation *) {
              // One operand is public: a constant (a = 0).
              Bound x = in(0), c = in(1);
              if (x.a == 0)
                std::swap(x, c);
              if (c.a != 0)
                return false;
              Bound y = x.scaled(c.b);
              bound[op.getResult(0)] = y;
              limit(y, productLimit, &op, productWhy.str());
              return true;
            })
            .Case<mpc::SumOp>([&](mpc::SumOp o) {
              auto t = llvm::cast<mpc::RingTensorType>(o.getInput().getType());
              bound[op.getResult(0)] =
                  in(0).scaled(double(t.getShape()[o.getAxis()]));
              return true;
            })
            .Case<mpc::MulSPOp>([&](mpc::MulSPOp m) {
              // |x·w| <= max|x| · max|w| (w the server's tensor, a = 0).
              Bound x = in(0), w = in(1);
              if (w.a != 0)
                return false;
              Bound y = x.scaled(w.b);
              bound[op.getResult(0)] = y;
              limit(y, productLimit, &op, productWhy.str());
              return true;
            })
            .Case<mpc::MMulSPOp>([&](mpc::MMulSPOp m) {
              auto w = m.getRhs().getDefiningOp<mpc::WeightOp>();
              auto t = llvm::cast<mpc::RingTensorType>(m.getRhs().getType());
              if (!w || t.getShape().size() != 2)
                return false;
              FailureOr<std::vector<double>> v =
                  elementValues(nullptr, w.getValue());
              if (failed(v))
                return false;
              // |y_j| <= Σ_i |x_i|·|W_ij| <= max|x| · max_j Σ_i |W_ij|.
              int64_t k = t.getShape()[0], n = t.getShape()[1];
              std::vector<double> col(size_t(n), 0.0);
              for (int64_t i = 0; i < k; ++i)
                for (int64_t j = 0; j < n; ++j)
                  col[j] += std::fabs((*v)[size_t(i * n + j)]);
              Bound y = in(0).scaled(maxAbs(col));
              bound[op.getResult(0)] = y;
              limit(y, productLimit, &op, productWhy.str());
              return true;
            })
            .Default([](Operation *) { return false; });
    if (affine || !seesInput)
      continue;
    // The first op that is not affine in the input: its constraint, then
    // nothing further (its result gets no bound).
    for (Value v : op.getOperands()) {
      Bound b = bound.lookup(v);
      if (b.a <= 0)
        continue;
      if (auto ln = llvm::dyn_cast<mpc::LayerNormOp>(op)) {
        auto t = llvm::cast<mpc::RingTensorType>(v.getType());
        double d = t.getShape().empty() ? 1.0 : double(t.getShape().back());
        limit(b, std::sqrt(std::ldexp(1.0, 30) / d), &op,
              "LayerNorm needs d·σ² < 2^30 (d = " + std::to_string(int64_t(d)) +
                  ")");
      } else {
        limit(b, productLimit, &op, productWhy.str());
      }
    }
  }
  return r;
}

} // namespace mpcvit::target
