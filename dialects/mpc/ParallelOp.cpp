//===- ParallelOp.cpp - branches that share rounds (mpc.parallel) ---------===//
//
// The verifier and the cost of `mpc.parallel` (MpcOps.td): branches are
// independent, so the runtime runs them in lock-step and the cost is
// rt::lockstep_cost of the branches' own costs.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/MpcOps.h"

using namespace mlir;
using namespace mpcvit::mpc;

ResultRange ParallelOp::getBranchResults(unsigned i) {
  unsigned begin = 0;
  for (unsigned b = 0; b < i; ++b)
    begin += getBranches()[b].front().getTerminator()->getNumOperands();
  unsigned n = getBranches()[i].front().getTerminator()->getNumOperands();
  return getResults().slice(begin, n);
}

LogicalResult ParallelOp::verify() {
  if (getBranches().size() < 2)
    return emitOpError("needs at least 2 branches, got ")
           << getBranches().size();
  unsigned yielded = 0;
  for (auto [i, region] : llvm::enumerate(getBranches())) {
    auto yield = llvm::dyn_cast<YieldOp>(region.front().getTerminator());
    if (!yield)
      return emitOpError("branch ") << i << " must end in mpc.yield";
    for (Value v : yield.getValues()) {
      if (yielded >= getNumResults())
        return emitOpError("branches yield more values than the op's ")
               << getNumResults() << " results";
      if (v.getType() != getResult(yielded).getType())
        return emitOpError("result ")
               << yielded << " has type " << getResult(yielded).getType()
               << " but branch " << i << " yields " << v.getType();
      ++yielded;
    }
    // Independence: no op of this branch uses a value defined in another
    // branch (values from above are fine).
    WalkResult w = region.walk([&](Operation *op) {
      for (Value v : op->getOperands()) {
        Region *home = v.getParentRegion();
        while (home && home->getParentOp() != getOperation())
          home = home->getParentOp() ? home->getParentOp()->getParentRegion()
                                     : nullptr;
        if (home && home != &region) {
          op->emitOpError("in branch ")
              << i << " of mpc.parallel uses a value defined in another "
              << "branch; branches must be independent";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (w.wasInterrupted())
      return failure();
  }
  if (yielded != getNumResults())
    return emitOpError("has ")
           << getNumResults() << " results but its branches yield " << yielded
           << " values";
  return success();
}

FailureOr<CommCost> ParallelOp::branchCost(Block &branch) {
  CommCost total;
  for (Operation &op : branch) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    auto c = llvm::dyn_cast<CommCostOpInterface>(&op);
    if (!c)
      return failure();
    FailureOr<CommCost> oc = c.getCommCost();
    if (failed(oc))
      return failure();
    total += *oc;
  }
  return total;
}

FailureOr<CommCost> ParallelOp::getCommCost() {
  std::vector<CommCost> branches;
  for (Region &r : getBranches()) {
    FailureOr<CommCost> c = branchCost(r.front());
    if (failed(c))
      return failure();
    branches.push_back(*c);
  }
  return rt::lockstep_cost(branches);
}
