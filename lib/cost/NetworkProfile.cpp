//===- NetworkProfile.cpp - network profiles and latency estimate ---------===//

#include "mpcvit/cost/NetworkProfile.h"

using namespace llvm;

namespace mpcvit::cost {

Expected<NetworkProfile> parseNetworkProfile(StringRef text) {
  auto make = [&](double mbps, double rttMs) {
    return NetworkProfile{text.str(), mbps * 1e6, rttMs * 1e-3};
  };
  if (text == "lan")
    return make(1000, 0.5);
  if (text == "wan")
    return make(400, 4);
  if (text == "wan-slow")
    return make(100, 80);
  StringRef rest = text;
  if (rest.consume_front("custom:")) {
    auto [bw, rtt] = rest.split(',');
    double mbps = 0, ms = 0;
    if (!bw.trim().getAsDouble(mbps) && !rtt.trim().getAsDouble(ms) &&
        mbps > 0 && ms >= 0)
      return make(mbps, ms);
  }
  return createStringError(inconvertibleErrorCode(),
                           "unknown network profile '" + text +
                               "' (expected lan, wan, wan-slow or "
                               "custom:BW,RTT with BW in Mbit/s > 0 and RTT "
                               "in ms >= 0)");
}

double networkSeconds(const mpc::CommCost &c, const NetworkProfile &p) {
  return static_cast<double>(c.rounds) * 0.5 * p.rttSeconds +
         8.0 * static_cast<double>(mpc::maxOnlineBytes(c)) / p.bandwidthBps;
}

} // namespace mpcvit::cost
