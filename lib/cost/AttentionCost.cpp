//===- AttentionCost.cpp - cost of one attention head per kind ------------===//

#include "mpcvit/cost/AttentionCost.h"

#include "mpcvit/runtime/kernels.h"
#include "mpcvit/runtime/softmax.h"
#include "mpcvit/runtime/trunc.h"

namespace mpcvit::cost {

llvm::ArrayRef<llvm::StringRef> headKinds() {
  static const llvm::StringRef kinds[] = {"softmax", "relu_softmax", "scale",
                                          "2quad", "2relu"};
  return kinds;
}

std::optional<mpc::CommCost> headKindCost(llvm::StringRef kind, uint64_t rows,
                                          uint64_t cols,
                                          const mpc::CostSession &s) {
  namespace rt = mpcvit::rt;
  rt::TruncMode tm =
      s.dealerTrunc ? rt::TruncMode::Dealer : rt::TruncMode::Local;
  rt::CompareMode cm =
      s.dcfCompare ? rt::CompareMode::DCF : rt::CompareMode::A2B;
  int f = int(s.fracBits);
  rt::CommCost c;
  if (kind == "softmax")
    c = rt::kernels::softmax_cost(tm, rows, cols, f, cm);
  else if (kind == "relu_softmax")
    c = rt::relu_softmax_cost(tm, rows, cols, f, cm);
  else if (kind == "scale")
    c = rt::trunc_cost(tm, rows * cols, f); // mul_public (local) + trunc
  else if (kind == "2quad")
    c = rt::two_quad_cost(tm, rows, cols, f, cm);
  else if (kind == "2relu")
    c = rt::two_relu_cost(tm, rows, cols, f, cm);
  else
    return std::nullopt;
  return mpc::CommCost{{c.bytesServer, c.bytesClient}, c.rounds, c.dealerBytes};
}

} // namespace mpcvit::cost
