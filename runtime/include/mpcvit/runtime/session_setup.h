//===- session_setup.h - Topology and handshake of a session ----*- C++ -*-===//
//
// The one session topology (DESIGN.md §5), used by the compiled executables,
// `local`, the tests and the benchmark:
//   * the dealer is a service (DealerService): the server and the client of
//     each session connect to it and name their session;
//   * the server listens for clients; for each client session it opens its
//     own connection to the dealer (Context::acceptClient);
//   * the client connects to the server, then to the dealer
//     (Context::connectClient);
//   * or the dealer writes offline material to disk (Context::dealerToDisk)
//     and the parties read it (DealerSource::offlineDir).
// Every connection: TLS + role check (Channel::secure, when
// cfg.transport.tls is set), then the hello (handshake.h: version, ring,
// fractional bits, truncation, comparison mode, program hash, role).
// Nothing secret is sent before both checks passed. Then the server sends
// the client a fresh session id and the PRZS seed k01 (party_channel.h), and
// the dealer, once it has both parties of a session, their seeds
// (correlated.h).
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_SESSION_SETUP_H
#define MPCVIT_RUNTIME_SESSION_SETUP_H

#include "mpcvit/runtime/prg.h"
#include "mpcvit/runtime/session.h"
#include "mpcvit/runtime/transport.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace mpcvit::rt {

class Context;

/// Where a party gets its correlated randomness: a live dealer service
/// (host:port) or offline material that `dealer --out DIR` wrote earlier
/// (offlineDir = DIR/server or DIR/client).
struct DealerSource {
  std::string host;
  uint16_t port = 0;
  std::string offlineDir; ///< non-empty: no dealer online
  bool offline() const { return !offlineDir.empty(); }
};

/// The dealer as a service: pairs the server's and the client's connection
/// of each session (by the session id the server chose) and hands back a
/// dealer Context for the pair. Thread-safe: call join() from one thread
/// per accepted connection.
class DealerService {
public:
  explicit DealerService(SessionConfig cfg) : cfg_(std::move(cfg)) {}
  /// Handshakes `ch` (TLS + role: server or client) and reads its session
  /// id. Returns the dealer Context when `ch` completes a pair (seeds
  /// already sent; the caller serves bundles); nullptr when `ch` was parked
  /// and then taken by the thread that completed the pair. Throws
  /// TransportError / ProtocolError on a bad peer, a session id claimed
  /// twice, or when no partner arrived within connectTimeoutMs.
  std::unique_ptr<Context> join(Channel ch);
  /// One session, for one-shot use (tests, benchmarks): accepts the two
  /// connections of a session on `l` (within connectTimeoutMs), joins them
  /// concurrently and returns the dealer Context. Rethrows the first error.
  std::unique_ptr<Context> acceptSession(Listener &l);

private:
  struct Pending;
  SessionConfig cfg_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<Seed, int>, Pending *> pending_;
};

/// One role's side of one session on loopback listeners, in the topology
/// of the executables: role 2 = dealer (DealerService::acceptSession on
/// `dealerL`), 0 = server (accepts the client on `serverL`, joins the
/// dealer), 1 = client. runLocalSession (local_session.h) runs the three
/// on three threads; a test that needs one role in another process calls
/// this directly.
std::unique_ptr<Context> connectSessionRole(int role, const SessionConfig &cfg,
                                            Listener &dealerL,
                                            Listener &serverL);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_SESSION_SETUP_H
