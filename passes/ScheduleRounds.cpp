//===- ScheduleRounds.cpp - --mpcvit-schedule-rounds ----------------------===//
//
// Independent protocol sequences into the branches of `mpc.parallel`
// (Passes.td has the rules and an example). For each join op J, the
// exclusive cone of each operand is found by one backward scan in program
// order: an op belongs to the cone of J's operand v when every use of every
// result it has is an op already in the cone, or J itself through v. Since
// uses follow definitions in a block, visiting candidates latest-first
// decides each op after all of its users.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

#include <queue>

namespace mpcvit {
#define GEN_PASS_DEF_SCHEDULEROUNDS
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

/// Values an op reads: its operands and the values its regions use from
/// above (a nested mpc.parallel captures them).
SmallVector<Value> inputsOf(Operation *op) {
  SmallVector<Value> in(op->getOperands());
  if (op->getNumRegions()) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegions(), above);
    in.append(above.begin(), above.end());
  }
  return in;
}

/// Online rounds of an op on its own (0 when it has no cost).
uint64_t roundsOf(Operation *op) {
  auto c = llvm::dyn_cast<mpc::CommCostOpInterface>(op);
  if (!c)
    return 0;
  FailureOr<mpc::CommCost> cost = c.getCommCost();
  return succeeded(cost) ? cost->rounds : 0;
}

/// The exclusive cone of J's operand `v` in block `b`, in program order.
SmallVector<Operation *> exclusiveCone(Block &b, Operation *join, Value v) {
  auto later = [](Operation *x, Operation *y) {
    return x->isBeforeInBlock(y); // max-heap: the latest op first
  };
  std::priority_queue<Operation *, std::vector<Operation *>, decltype(later)>
      queue(later);
  llvm::SmallPtrSet<Operation *, 32> seen, cone;
  auto push = [&](Value x) {
    Operation *d = x.getDefiningOp();
    // Weights and constants (no inputs) stay where they are.
    if (!d || d->getBlock() != &b || d == join || inputsOf(d).empty())
      return;
    if (seen.insert(d).second)
      queue.push(d);
  };
  push(v);
  while (!queue.empty()) {
    Operation *x = queue.top();
    queue.pop();
    bool exclusive = true;
    for (Value r : x->getResults())
      for (OpOperand &use : r.getUses()) {
        Operation *user = b.findAncestorOpInBlock(*use.getOwner());
        if (user == join ? r != v : !cone.contains(user))
          exclusive = false;
      }
    if (!exclusive)
      continue;
    cone.insert(x);
    for (Value in : inputsOf(x))
      push(in);
  }
  SmallVector<Operation *> ops(cone.begin(), cone.end());
  llvm::sort(ops,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  return ops;
}

/// Wraps the communicating cones of `join`'s operands into one mpc.parallel
/// before it; returns true when it did.
bool scheduleJoin(Block &b, Operation *join) {
  llvm::SetVector<Value> operands(join->operand_begin(), join->operand_end());
  SmallVector<std::pair<Value, SmallVector<Operation *>>> branches;
  for (Value v : operands) {
    SmallVector<Operation *> cone = exclusiveCone(b, join, v);
    uint64_t rounds = 0;
    for (Operation *op : cone)
      rounds += roundsOf(op);
    if (rounds > 0)
      branches.emplace_back(v, std::move(cone));
  }
  if (branches.size() < 2)
    return false;
  OpBuilder builder(join);
  SmallVector<Type> types;
  for (auto &br : branches)
    types.push_back(br.first.getType());
  auto par = mpc::ParallelOp::create(builder, join->getLoc(), types,
                                     unsigned(branches.size()));
  for (auto [i, br] : llvm::enumerate(branches)) {
    Block *body = builder.createBlock(&par.getBranches()[i]);
    for (Operation *op : br.second)
      op->moveBefore(body, body->end());
    builder.setInsertionPointToEnd(body);
    mpc::YieldOp::create(builder, join->getLoc(), ValueRange{br.first});
    join->replaceUsesOfWith(br.first, par.getResult(i));
  }
  return true;
}

struct ScheduleRoundsPass
    : public mpcvit::impl::ScheduleRoundsBase<ScheduleRoundsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      Block &b = fn.getBody().front();
      SmallVector<Operation *> joins;
      for (Operation &op : b)
        if (op.getNumOperands() >= 2 && !op.hasTrait<OpTrait::IsTerminator>())
          joins.push_back(&op);
      for (Operation *j : joins)
        scheduleJoin(b, j);
    }
  }
};

} // namespace
