//===- AttentionCost.h - cost of one attention head per kind ----*- C++ -*-===//
//
// What the architecture search needs (issue 7): the communication of one
// head's normalisation, rows × cols scores (rows = batch · tokens, cols =
// tokens), under each head kind (mpc::headKinds()). It is the sum of the
// declared costs of exactly the ops the lowering emits for the kind: the
// ops are built by mpc::buildHeadNorm (the one kind → protocol mapping) in
// a scratch module carrying the program's #mpc.session.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_ATTENTIONCOST_H
#define MPCVIT_COST_ATTENTIONCOST_H

#include "mpcvit/dialects/mpc/CommCost.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

namespace mpcvit::cost {

/// Cost of normalising one head of rows × cols scores with `kind` under
/// the session of `program`; failure for an unknown kind or a session
/// whose ring is not the runtime's.
mlir::FailureOr<mpc::CommCost> headKindCost(mlir::ModuleOp program,
                                            llvm::StringRef kind, uint64_t rows,
                                            uint64_t cols);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_ATTENTIONCOST_H
