//===- CheckReveal.cpp - --mpcvit-check-reveal ------------------*- C++ -*-===//
//
// The security invariant of PROTOCOLS.md as a check over the whole module:
// `mpc.reveal` appears only to reveal the final output toward the client.
// A reveal must (1) produce a `private<client>` value and (2) be used by
// nothing but the enclosing function's `func.return`. Each violation is an
// error on the reveal naming the rule; the pass fails if there is any.
//
//===----------------------------------------------------------------------===//

#include "mpcvit/dialects/mpc/MpcOps.h"
#include "mpcvit/passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mpcvit {
#define GEN_PASS_DEF_CHECKREVEAL
#include "mpcvit/passes/Passes.h.inc"
} // namespace mpcvit

using namespace mlir;
using namespace mpcvit;

namespace {

struct CheckRevealPass : public mpcvit::impl::CheckRevealBase<CheckRevealPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](mpc::RevealOp op) {
      auto out = llvm::cast<mpc::RingTensorType>(op.getResult().getType());
      if (out.getVisibility() != mpc::Visibility::ClientPrivate) {
        op.emitOpError("reveals toward ")
            << mpc::stringifyVisibility(out.getVisibility())
            << ": only the final output may be revealed, and only to the "
               "client (PROTOCOLS.md security invariants)";
        ok = false;
        return;
      }
      if (op.getResult().use_empty()) {
        op.emitOpError("reveals a value that is not the program's output "
                       "(it has no use): only the final output may be "
                       "revealed (PROTOCOLS.md security invariants)");
        ok = false;
        return;
      }
      for (Operation *user : op.getResult().getUsers()) {
        if (!llvm::isa<func::ReturnOp>(user)) {
          op.emitOpError("reveals an intermediate value used by '")
              << user->getName()
              << "': only the final output may be revealed, to the client "
                 "(PROTOCOLS.md security invariants)";
          ok = false;
          return;
        }
      }
    });
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
