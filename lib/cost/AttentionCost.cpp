//===- AttentionCost.cpp - cost of one attention head per kind ------------===//

#include "mpcvit/cost/AttentionCost.h"

#include "mpcvit/dialects/mpc/HeadNorm.h"
#include "mpcvit/dialects/mpc/MpcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace mpcvit::cost {

FailureOr<mpc::CommCost> headKindCost(ModuleOp program, StringRef kind,
                                      uint64_t rows, uint64_t cols) {
  MLIRContext *ctx = program.getContext();
  mpc::SessionAttr session = mpc::getSession(program);
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(loc);
  (*scratch)->setAttr(mpc::kSessionAttrName, session);
  auto scores =
      mpc::RingTensorType::get(ctx, {int64_t(rows), int64_t(cols)},
                               mpc::Visibility::Shared, session.getFracBits());
  b.setInsertionPointToEnd(scratch->getBody());
  auto fn =
      func::FuncOp::create(b, loc, "head", b.getFunctionType({scores}, {}));
  Block *body = fn.addEntryBlock();
  Value x = body->getArgument(0);
  b.setInsertionPointToEnd(body);
  if (failed(mpc::buildHeadNorm(b, loc, kind, x, /*eps=*/1e-3)))
    return failure();
  mpc::CommCost total;
  for (Operation &op : *body) {
    auto c = llvm::dyn_cast<mpc::CommCostOpInterface>(&op);
    if (!c)
      continue;
    FailureOr<mpc::CommCost> oc = c.getCommCost();
    if (failed(oc))
      return failure();
    total += *oc;
  }
  return total;
}

} // namespace mpcvit::cost
