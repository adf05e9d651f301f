//===- session.h - What the roles of a session agree on ---------*- C++ -*-===//
//
// The parameters of a 2PC session that the server, the client and the dealer
// must agree on (checked by the hello, handshake.h), the roles, and the
// communication cost type every protocol's *_cost() function returns.
//
// This header is OpenSSL-free and socket-free (only the C++ standard library,
// ring.h and transport_options.h), and header-only: the compiler's cost model
// (dialects/mpc) includes it without linking the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SESSION_H
#define MPCVIT_RUNTIME_SESSION_H

#include "mpcvit/runtime/ring.h"
#include "mpcvit/runtime/transport_options.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpcvit::rt {

/// The three roles of DESIGN.md §5. The values are the hello's role field.
enum class Role : int { Server = 0, Client = 1, Dealer = 2 };
/// "server", "client", "dealer".
inline const char *roleName(Role r) {
  switch (r) {
  case Role::Server:
    return "server";
  case Role::Client:
    return "client";
  case Role::Dealer:
    return "dealer";
  }
  return "?";
}

/// Truncation protocol used after fixed-point products (trunc.h), named by
/// what it guarantees. The values are the hello's truncation field.
enum class TruncMode : int {
  /// SecureML §4.1 local share truncation (trunc_local): 0 bytes, 0 rounds;
  /// off by ≈ 2^(64-s) with probability ≈ 2^(k+1-64) per element.
  Probabilistic = 0,
  /// Dealer-assisted exact-wrap truncation (trunc_dealer): 1 round, never a
  /// wrap failure.
  Exact = 1,
};

/// The protocol suite of a session (mpcvit-compile --protocols=a2b|fss):
/// which protocols the comparison family (DReLU, ReLU, max; compare.h) and
/// everything built on it (softmax family, GeLU, reciprocal, rsqrt,
/// LayerNorm, sigmoid/tanh) run. Part of the handshake and of the program
/// hash. Every *_cost of these ops takes it as its last parameter.
enum class ProtocolSuite : int {
  /// Boolean carry tree + B2A comparisons (8 rounds, ≈ 37.6 B per element
  /// and party), polynomial / Newton approximations: little local work,
  /// many rounds, small dealer material.
  A2B = 0,
  /// Function secret sharing (SIGMA-style, Gupta et al. PETS 2024): DCF
  /// comparisons on the masked input (1 round, 8 B per element and party,
  /// dcf.h) and lookup tables of public functions (lut.h): GeLU 2 rounds,
  /// softmax 14 (65 tokens), LayerNorm 5, reciprocal / rsqrt 2; few rounds
  /// and bytes, much AES work and dealer material.
  FSS = 1,
};
/// Default suite (also the default of every *_cost function that takes a
/// ProtocolSuite), chosen by measurement (README, "Protocol suites"): on
/// the 2-core machines here FSS's local AES work (DPF evaluate-all of the
/// tables, DCF evaluation) outweighs its savings in rounds and bytes over
/// loopback and lan; FSS is the choice for high-latency links.
inline constexpr ProtocolSuite kDefaultProtocols = ProtocolSuite::A2B;
/// "a2b" or "fss" (mpcvit-compile --protocols).
inline const char *protocolSuiteName(ProtocolSuite m) {
  return m == ProtocolSuite::FSS ? "fss" : "a2b";
}

/// Parameters both parties and the dealer must agree on (checked by the
/// handshake), plus this endpoint's transport options and GEMM threads.
struct SessionConfig {
  int fracBits = kDefaultFracBits; ///< fixed-point fractional bits f
  TruncMode trunc = TruncMode::Probabilistic;
  ProtocolSuite protocols = kDefaultProtocols;
  uint64_t programHash = 0; ///< hash of the compiled program
  TransportOptions transport;
  int gemmThreads = 0; ///< threads for local GEMMs; 0 = hardware concurrency
};

/// Runtime protocol version, part of the handshake.
/// 2: the hello carries the comparison mode.
inline constexpr uint32_t kProtocolVersion = 2;

/// Communication cost of one protocol invocation. Online bytes are counted
/// per sending party (payload only); dealerBytes is the offline traffic of
/// the dealer to both parties together; rounds are online rounds.
struct CommCost {
  uint64_t bytesServer = 0; ///< online bytes sent by party 0
  uint64_t bytesClient = 0; ///< online bytes sent by party 1
  uint64_t rounds = 0;
  uint64_t dealerBytes = 0;
  /// Symmetric protocol: each party sends `bytes`.
  static CommCost sym(uint64_t bytes, uint64_t rounds, uint64_t dealer) {
    return {bytes, bytes, rounds, dealer};
  }
  CommCost &operator+=(const CommCost &o) {
    bytesServer += o.bytesServer;
    bytesClient += o.bytesClient;
    rounds += o.rounds;
    dealerBytes += o.dealerBytes;
    return *this;
  }
  CommCost operator+(const CommCost &o) const {
    CommCost r = *this;
    return r += o;
  }
  CommCost operator*(uint64_t k) const {
    return {bytesServer * k, bytesClient * k, rounds * k, dealerBytes * k};
  }
  bool operator==(const CommCost &o) const {
    return bytesServer == o.bytesServer && bytesClient == o.bytesClient &&
           rounds == o.rounds && dealerBytes == o.dealerBytes;
  }
  bool operator!=(const CommCost &o) const { return !(*this == o); }
  /// "{server B B, client B B, R rounds, dealer B B}" for messages.
  std::string str() const {
    return "{server " + std::to_string(bytesServer) + " B, client " +
           std::to_string(bytesClient) + " B, " + std::to_string(rounds) +
           " rounds, dealer " + std::to_string(dealerBytes) + " B}";
  }
};

/// Cost of independent protocol sequences run in lock-step (runLockstep,
/// lockstep.h; PROTOCOLS.md "Rounds of independent ops"): every round
/// carries the current step of each live branch in one message per party,
/// so the rounds are those of the longest branch while online and dealer
/// bytes add up, plus 8 dealer bytes per branch per party (the length of
/// each branch's segment of the bundle: branches draw their correlated
/// randomness separately). Each element of `branches` is one branch's
/// total cost; fewer than two branches run inline (no segments).
inline CommCost lockstep_cost(const std::vector<CommCost> &branches) {
  CommCost r;
  if (branches.size() >= 2)
    r.dealerBytes = 16 * branches.size();
  for (const CommCost &b : branches) {
    r.bytesServer += b.bytesServer;
    r.bytesClient += b.bytesClient;
    r.dealerBytes += b.dealerBytes;
    r.rounds = std::max(r.rounds, b.rounds);
  }
  return r;
}

/// Thrown when the parties and the dealer disagree (handshake mismatch,
/// offline material exhausted or left over, bad shapes from the program).
struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_SESSION_H
