//===- harness.h - Run server, client and dealer as threads over loopback -===//
#ifndef MPCVIT_TEST_RUNTIME_HARNESS_H
#define MPCVIT_TEST_RUNTIME_HARNESS_H

#include "mpcvit/runtime/context.h"
#include "mpcvit/runtime/npy.h"
#include "mpcvit/runtime/sharing.h"

#include <array>
#include <functional>
#include <random>
#include <string>

namespace mpcvit::rt::test {

/// Records the communication of the protocol under test on one role.
struct Probe {
  Context *ctx = nullptr;
  CommStats before, delta;
  uint64_t dealerBefore = 0, dealerDelta = 0;
  void begin();
  void end();
};

/// prog(ctx, probe) runs on all three roles; it returns a ring tensor (the
/// client's revealed output for value checks).
using Program = std::function<RingTensor(Context &, Probe &)>;

struct RunResult {
  std::array<RingTensor, 3> out; // server, client, dealer
  CommCost measured;             // from the probes
  uint64_t serverRounds = 0, clientRounds = 0;
  double seconds = 0;
};

/// Runs prog once on three threads with real loopback sockets
/// (runLocalSession, local_session.h; dealer offline first, then online).
/// Rethrows the first exception in role order (server, client, dealer).
RunResult run3(const Program &prog, SessionConfig cfg = {});
/// Same with one config per role (server, client, dealer), e.g. each
/// with its own TLS certificate.
RunResult run3(const Program &prog, const std::array<SessionConfig, 3> &cfgs);

/// What each role threw while connecting (empty: it connected).
struct ConnectErrors {
  std::string server, client, dealer;
};

/// Connects dealer and server with `cfg` and the client with `clientCfg`
/// as three threads over loopback, and returns each role's exception text
/// (for handshake-mismatch tests).
ConnectErrors connect3(const SessionConfig &cfg,
                       const SessionConfig &clientCfg);

/// Default test config: short timeouts so failures never hang the suite.
SessionConfig testConfig();

/// testConfig() with protocol suite `p` and truncation `t`.
SessionConfig suiteConfig(ProtocolSuite p,
                          TruncMode t = TruncMode::Probabilistic);

/// test/runtime/data/activations/NAME.npy: inputs of the trained fmnist
/// teacher's GeLUs (gelu_in), Softmaxes (softmax_in) or LayerNorms
/// (layernorm_in) on test images (scripts/record_activations.py).
NpyArray recordedActivations(const std::string &name);

/// Uniform doubles in [lo, hi).
std::vector<double> uniform(size_t n, double lo, double hi, uint32_t seed);
/// n ring values of every kind: 0, ±1, 2^63, 2^63 − 1, −2^62, 8191, ±8192,
/// then random values of random magnitude, the second half negated.
std::vector<uint64_t> ringValues(size_t n, uint64_t seed);

/// Share `v` (fixed point) from `owner`; the other roles pass zeros.
Shared shareFixed(Context &ctx, int owner, const std::vector<double> &v,
                  Shape shape);
/// Reveal and decode on the client.
RingTensor revealOut(Context &ctx, const Shared &x);

} // namespace mpcvit::rt::test

#endif
