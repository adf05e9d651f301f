//===- CommCost.h - communication cost of one protocol run ------*- C++ -*-===//
//
// The unit of the cost model (DESIGN.md §6): what one protocol invocation
// sends online and offline. All byte counts are per inference.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_DIALECTS_MPC_COMMCOST_H
#define MPCVIT_DIALECTS_MPC_COMMCOST_H

#include <algorithm>
#include <array>
#include <cstdint>

namespace mpcvit::mpc {

/// Communication of one protocol run.
///
/// - onlineBytes[p]: bytes sent online by party p (0 = server, 1 = client).
/// - onlineRounds: sequential online message rounds (a round is one
///   exchange in which every party may send; both directions in parallel
///   count once).
/// - offlineBytes: bytes the dealer sends to both parties together.
struct CommCost {
  std::array<uint64_t, 2> onlineBytes{0, 0};
  uint64_t onlineRounds = 0;
  uint64_t offlineBytes = 0;

  /// The larger of the two parties' online bytes (the latency-relevant one
  /// when both directions are used in parallel).
  uint64_t maxOnlineBytes() const {
    return std::max(onlineBytes[0], onlineBytes[1]);
  }

  /// Cost of running `this` then `o` sequentially (bytes and rounds add).
  CommCost &operator+=(const CommCost &o) {
    onlineBytes[0] += o.onlineBytes[0];
    onlineBytes[1] += o.onlineBytes[1];
    onlineRounds += o.onlineRounds;
    offlineBytes += o.offlineBytes;
    return *this;
  }
  friend CommCost operator+(CommCost a, const CommCost &b) { return a += b; }
  friend bool operator==(const CommCost &a, const CommCost &b) {
    return a.onlineBytes == b.onlineBytes && a.onlineRounds == b.onlineRounds &&
           a.offlineBytes == b.offlineBytes;
  }
  friend bool operator!=(const CommCost &a, const CommCost &b) {
    return !(a == b);
  }
};

/// Bytes of one element of the ring Z_2^ringBits as sent on the wire
/// (⌈ℓ/8⌉; 8 for ℓ = 64).
inline uint64_t ringElementBytes(unsigned ringBits) {
  return (ringBits + 7) / 8;
}

} // namespace mpcvit::mpc

#endif // MPCVIT_DIALECTS_MPC_COMMCOST_H
