//===- NetworkProfile.h - network profiles and latency estimate -*- C++ -*-===//
//
// Estimated online latency of a 2PC program (DESIGN.md §6):
//   latency = rounds · RTT/2 + Σ_ops max_p(bytes_p) / bandwidth + compute,
// with both parties sending at the same time on a full-duplex link, so an
// op's transfer time is that of the party that sends more. A round (the
// runtime's counter) is one message hop: both parties send, then wait for
// the other's message, so it costs the one-way delay RTT/2 on the critical
// path, not a full round trip. bench/netem.sh checks this against a link
// with that RTT: fmnist-tiny Softmax, 645 rounds, lan measured 0.263 s vs
// 0.249 s predicted; charging a full RTT per round would predict 0.41 s.
//
//===----------------------------------------------------------------------===//

#ifndef MPCVIT_COST_NETWORKPROFILE_H
#define MPCVIT_COST_NETWORKPROFILE_H

#include "mpcvit/dialects/mpc/CommCost.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mpcvit::cost {

/// A network between the two parties.
struct NetworkProfile {
  std::string name;        ///< "lan", "wan", "wan-slow" or "custom:BW,RTT"
  double bandwidthBps = 0; ///< bits per second, one direction
  double rttSeconds = 0;   ///< round-trip time in seconds
};

/// Parses a profile name: `lan` (1 Gbit/s, 0.5 ms RTT), `wan` (400 Mbit/s,
/// 4 ms), `wan-slow` (100 Mbit/s, 80 ms), or `custom:BW,RTT` with BW in
/// Mbit/s and RTT in ms (both positive). Errors name the text and the
/// expected forms.
llvm::Expected<NetworkProfile> parseNetworkProfile(llvm::StringRef text);

/// Seconds spent on the network by a protocol of cost `c` under `p`:
/// c.rounds · RTT/2 + 8 · mpc::maxOnlineBytes(c) / bandwidth (seconds).
double networkSeconds(const mpc::CommCost &c, const NetworkProfile &p);

} // namespace mpcvit::cost

#endif // MPCVIT_COST_NETWORKPROFILE_H
