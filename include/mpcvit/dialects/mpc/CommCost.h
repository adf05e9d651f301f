//===- CommCost.h - communication cost of one protocol run ------*- C++ -*-===//
//
// The unit of the cost model (DESIGN.md §6) is the runtime's own cost type,
// rt::CommCost (runtime/include/mpcvit/runtime/session.h: online bytes sent
// by the server and by the client, online rounds, offline bytes sent by the
// dealer to both parties, per inference), so an op's declared cost is
// literally the runtime function's result.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_COMMCOST_H
#define MPCVIT_DIALECTS_MPC_COMMCOST_H

#include "mpcvit/runtime/session.h"

#include <algorithm>
#include <cstdint>

namespace mpcvit::mpc {

using CommCost = rt::CommCost;

/// The larger of the two parties' online bytes (the latency-relevant one
/// when both directions are used in parallel).
inline uint64_t maxOnlineBytes(const CommCost &c) {
  return std::max(c.bytesServer, c.bytesClient);
}

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_COMMCOST_H
