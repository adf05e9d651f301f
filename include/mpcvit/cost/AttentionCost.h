//===- AttentionCost.h - cost of one attention head per kind ----*- C++ -*-===//
//
// What the architecture search needs (issue 7): the communication of one
// head's normalisation, rows × cols scores (rows = batch · tokens, cols =
// tokens), under each head kind, computed with exactly the runtime cost
// functions the lowered ops use (CommCostOpInterface.cpp):
//   softmax       kernels::softmax_cost      (mpc.softmax)
//   relu_softmax  relu_softmax_cost          (mpc.relu_softmax)
//   scale         trunc of the public 1/N product (mpc.mul_public + trunc)
//   2quad         two_quad_cost              (mpc.two_quad)
//   2relu         two_relu_cost              (mpc.two_relu)
// The session (f, truncation, comparison backend) is the module's.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_ATTENTIONCOST_H
#define MPCVIT_COST_ATTENTIONCOST_H

#include "mpcvit/dialects/mpc/CommCost.h"
#include "mpcvit/dialects/mpc/CostSession.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mpcvit::cost {

/// The head kinds, in report order.
llvm::ArrayRef<llvm::StringRef> headKinds();

/// Cost of normalising one head of rows × cols scores with `kind` (one of
/// headKinds()), or nullopt for an unknown kind.
std::optional<mpc::CommCost> headKindCost(llvm::StringRef kind, uint64_t rows,
                                          uint64_t cols,
                                          const mpc::CostSession &s);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_ATTENTIONCOST_H
