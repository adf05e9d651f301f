//===- NetworkProfileTest.cpp - network profiles ----------------*- C++ -*-===//

#include "mpcvit/cost/NetworkProfile.h"

#include <gtest/gtest.h>

using namespace mpcvit;
using namespace mpcvit::cost;

namespace {

NetworkProfile parse(llvm::StringRef s) {
  llvm::Expected<NetworkProfile> p = parseNetworkProfile(s);
  EXPECT_TRUE(static_cast<bool>(p)) << (p ? "" : llvm::toString(p.takeError()));
  return p ? *p : NetworkProfile{};
}

TEST(NetworkProfile, NamedProfilesOfDesign) {
  NetworkProfile lan = parse("lan"), wan = parse("wan"),
                 slow = parse("wan-slow");
  EXPECT_DOUBLE_EQ(lan.bandwidthBps, 1e9);
  EXPECT_DOUBLE_EQ(lan.rttSeconds, 0.5e-3);
  EXPECT_DOUBLE_EQ(wan.bandwidthBps, 400e6);
  EXPECT_DOUBLE_EQ(wan.rttSeconds, 4e-3);
  EXPECT_DOUBLE_EQ(slow.bandwidthBps, 100e6);
  EXPECT_DOUBLE_EQ(slow.rttSeconds, 80e-3);
}

TEST(NetworkProfile, Custom) {
  NetworkProfile p = parse("custom:250,12.5");
  EXPECT_DOUBLE_EQ(p.bandwidthBps, 250e6);
  EXPECT_DOUBLE_EQ(p.rttSeconds, 12.5e-3);
  for (const char *bad :
       {"custom:0,1", "custom:10", "custom:a,b", "gigabit", "custom:-5,1"}) {
    llvm::Expected<NetworkProfile> e = parseNetworkProfile(bad);
    ASSERT_FALSE(static_cast<bool>(e)) << bad;
    EXPECT_NE(llvm::toString(e.takeError()).find("unknown network profile"),
              std::string::npos);
  }
}

TEST(NetworkProfile,
     SecondsAreRoundsTimesHalfRttPlusTheLargerSenderOverBandwidth) {
  // 3 rounds (message hops, one-way delay RTT/2 each), the client sends
  // 1 MB and the server 0.25 MB, on `wan`:
  // 3·(4 ms / 2) + 8·1e6 bit / 400e6 bit/s = 6 ms + 20 ms.
  mpc::CommCost c{250000, 1000000, 3, 123};
  EXPECT_NEAR(networkSeconds(c, parse("wan")), 0.026, 1e-12);
  EXPECT_NEAR(networkSeconds(mpc::CommCost{}, parse("lan")), 0.0, 1e-15);
}

} // namespace
