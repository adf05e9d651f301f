//===- party_channel.h - The online server-client link ----------*- C++ -*-===//
//
// The online phase's only link: party 0 (server) ↔ party 1 (client), one
// framed, counted Channel (transport.h), plus the PRG stream both parties
// draw from the seed k01 (PRZS input sharing, sharing.h). The server picks
// k01 at random and sends it to the client during session setup; the dealer
// never learns it.
//
// Every protocol is written once for all three roles: on the dealer a
// PartyChannel has no connection, its sends are no-ops and its receives
// return zeros of the expected size, so the dealer runs the same code and
// learns nothing online.
//
// Units: a round is one send, one receive or one simultaneous exchange
// (transport.h); byte counters count payload bytes (8 per ring element).
//
// All six online calls reduce to one private step (Step: bytes out, whether
// this party sends, whether it receives, the exact incoming size, what).
// On a thread that runs a branch of runLockstep (lockstep.h) the step goes
// to the lock-step scheduler instead of the socket, on every role: the
// dealer's branches yield at the same points as the parties'.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_PARTY_CHANNEL_H
#define MPCVIT_RUNTIME_PARTY_CHANNEL_H

#include "mpcvit/runtime/prg.h"
#include "mpcvit/runtime/session.h"
#include "mpcvit/runtime/transport.h"

#include <optional>
#include <string>
#include <vector>

namespace mpcvit::rt {

namespace detail {
class LockstepScheduler;
} // namespace detail

class PartyChannel {
public:
  /// `onDealer`: the dealer's stand-in (no connection, no-op exchanges).
  explicit PartyChannel(bool onDealer) : onDealer_(onDealer) {}

  // ---- Session setup (session_setup.cpp). ------------------------------
  /// The connected channel to the peer party (before its handshake).
  Channel &link() { return peer_; }
  void attach(Channel ch) { peer_ = std::move(ch); }
  /// Starts the PRZS stream from the server–client seed k01.
  void setPrzsSeed(const Seed &k01) { przs_.emplace(k01); }

  // ---- Online communication. On the dealer: no-ops, receives return
  // zeros of the expected size. ------------------------------------------
  /// Send `mine` to the peer and receive the peer's vector of the same size
  /// (one round, 8n bytes each way).
  std::vector<uint64_t> exchangeRing(const std::vector<uint64_t> &mine,
                                     const std::string &what);
  /// Exchange byte strings of known sizes (one round).
  std::vector<uint8_t> exchangeBytes(const std::vector<uint8_t> &mine,
                                     size_t peerSize, const std::string &what);
  /// One message to the peer (one round, b.size() bytes).
  void sendBytes(const std::vector<uint8_t> &b, const std::string &what);
  /// One message of exactly n bytes from the peer (one round).
  std::vector<uint8_t> recvBytes(size_t n, const std::string &what);
  /// One message of v.size() ring elements (one round, 8n bytes).
  void sendRing(const std::vector<uint64_t> &v, const std::string &what);
  /// One message of exactly n ring elements (one round).
  std::vector<uint64_t> recvRing(size_t n, const std::string &what);

  /// n elements of the server–client common PRG stream (k01); zeros on the
  /// dealer.
  std::vector<uint64_t> przs(size_t n);

  /// True on the dealer's stand-in.
  bool onDealer() const { return onDealer_; }
  /// Online counters of this endpoint (zero on the dealer).
  CommStats stats() const { return onDealer_ ? CommStats{} : peer_.stats(); }
  /// Test hook: shut the connection down in both directions.
  void abort() { peer_.abort(); }

  // ---- Lock-step routing (lockstep.h; internal). --------------------------
  /// One online communication step. `out` (outSize bytes) is sent when
  /// `send`; exactly `inSize` bytes are received when `recv`.
  struct Step {
    const uint8_t *out = nullptr;
    size_t outSize = 0;
    bool send = false, recv = false;
    size_t inSize = 0;
    const std::string *what = nullptr;
  };
  /// Takes the steps of a lock-step branch; returns the `inSize` bytes
  /// received for `s` (empty when !s.recv) or throws.
  class StepRouter {
  public:
    virtual std::vector<uint8_t> route(const Step &s) = 0;
    /// The branch's own PRZS stream (forkPrzs), or nullptr.
    virtual Prg *przsStream() { return nullptr; }

  protected:
    ~StepRouter() = default;
  };
  /// The calling thread's router and the channel whose steps it takes
  /// (none: steps go to the peer).
  struct ThreadRoute {
    const PartyChannel *channel = nullptr;
    StepRouter *router = nullptr;
  };
  /// Sets the calling thread's route; returns the previous one.
  static ThreadRoute setThreadRoute(ThreadRoute r);
  /// `k` PRZS streams for the branches of a lock-step call, each seeded
  /// with 16 bytes of the calling thread's current PRZS stream (the same
  /// bytes on both parties); nullopt on the dealer or without a k01 seed.
  std::vector<std::optional<Prg>> forkPrzs(size_t k);

private:
  friend class detail::LockstepScheduler;
  /// The one step every online call reduces to: to the calling thread's
  /// router if it has one for this channel (also on the dealer), else a
  /// no-op on the dealer (zeros of inSize when recv), else one exchange
  /// (send and recv), send or receive on the socket (one round).
  std::vector<uint8_t> step(const Step &s);

  bool onDealer_;
  Channel peer_;            // party ↔ party
  std::optional<Prg> przs_; // k01
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_PARTY_CHANNEL_H
