//===- context.h - A party's session, as the protocols see it ---*- C++ -*-===//
//
// The three roles of DESIGN.md §5 run the same compiled program against a
// Context:
//   * party 0 = server (holds the weights),
//   * party 1 = client (holds the input, receives the output),
//   * dealer  = trusted third party producing correlated randomness offline.
//
// Every protocol is written once and runs under all three roles. On the
// dealer, protocol calls see *full* values instead of shares: randShared()
// returns the value whose shares the parties will draw, online exchanges are
// no-ops returning zeros, and corrShared() records the correction a party
// needs. The dealer thereby learns no input, weight or output.
//
// A Context ties together, one class and file each:
//   * session.h         the agreed parameters (SessionConfig) and the role;
//   * session_setup.h   how a session is formed (topology, handshake;
//                       the static factories below are defined there);
//   * party_channel.h   the online server ↔ client link and the PRZS stream;
//   * correlated.h      the dealer's PRG-compressed streams and the bundles
//                       (one message of corrections per party per inference,
//                       live or from offline files).
// The member functions below forward to those, so a protocol only needs a
// Context.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_CONTEXT_H
#define MPCVIT_RUNTIME_CONTEXT_H

#include "mpcvit/runtime/bitpack.h"
#include "mpcvit/runtime/correlated.h"
#include "mpcvit/runtime/party_channel.h"
#include "mpcvit/runtime/prg.h"
#include "mpcvit/runtime/ring.h"
#include "mpcvit/runtime/session.h"
#include "mpcvit/runtime/session_setup.h"
#include "mpcvit/runtime/transport.h"

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace mpcvit::rt {

class Context {
public:
  // ---- Forming a session (session_setup.cpp; topology in session_setup.h).

  /// Server side of one session on an accepted client channel: handshake,
  /// send the client a fresh session id and PRZS seed, then join the session
  /// at the dealer (or open offline material). Throws TransportError /
  /// ProtocolError naming the peer.
  /// `admitted`, if given, runs after the client's handshake and before
  /// the dealer is contacted (a service waits there for a session slot, so
  /// unauthenticated connections never hold one); it may throw to refuse.
  static std::unique_ptr<Context>
  acceptClient(const SessionConfig &cfg, Channel client,
               const DealerSource &dealer,
               const std::function<void()> &admitted = {});
  /// Client: connect to the server, handshake, receive the session id and
  /// PRZS seed, then join the session at the dealer (or open offline
  /// material).
  static std::unique_ptr<Context> connectClient(const SessionConfig &cfg,
                                                const std::string &serverHost,
                                                uint16_t serverPort,
                                                const DealerSource &dealer);
  /// Dealer writing offline material to disk instead of streaming it:
  /// DIR/server and DIR/client (mode 0700, files 0600), one fresh material
  /// id and seeds. Every dealerFlush() writes bundle files.
  static std::unique_ptr<Context> dealerToDisk(const SessionConfig &cfg,
                                               const std::string &dir);

  ~Context();

  Role role() const { return role_; }
  bool isDealer() const { return role_ == Role::Dealer; }
  /// 0 (server) or 1 (client); -1 on the dealer.
  int party() const { return role_ == Role::Dealer ? -1 : int(role_); }
  int frac() const { return cfg_.fracBits; }
  const SessionConfig &config() const { return cfg_; }
  FixedPoint codec() const { return FixedPoint(cfg_.fracBits); }
  int gemmThreads() const;

  /// The parts (for code that needs only one of them).
  PartyChannel &channel() { return chan_; }
  CorrelatedRandomness &correlated() { return corr_; }

  // ---- Online communication (party_channel.h). On the dealer these are
  // no-ops: receives return zeros of the expected size. ---------------------
  /// Send `mine` to the peer and receive the peer's vector of the same size
  /// (one round, 8n bytes each way).
  std::vector<uint64_t> exchangeRing(const std::vector<uint64_t> &mine,
                                     const std::string &what) {
    return chan_.exchangeRing(mine, what);
  }
  /// Exchange byte strings of known sizes (one round).
  std::vector<uint8_t> exchangeBytes(const std::vector<uint8_t> &mine,
                                     size_t peerSize, const std::string &what) {
    return chan_.exchangeBytes(mine, peerSize, what);
  }
  void sendBytes(const std::vector<uint8_t> &b, const std::string &what) {
    chan_.sendBytes(b, what);
  }
  std::vector<uint8_t> recvBytes(size_t n, const std::string &what) {
    return chan_.recvBytes(n, what);
  }
  void sendRing(const std::vector<uint64_t> &v, const std::string &what) {
    chan_.sendRing(v, what);
  }
  std::vector<uint64_t> recvRing(size_t n, const std::string &what) {
    return chan_.recvRing(n, what);
  }
  /// Online counters of the party–party channel (zero on the dealer).
  CommStats peerStats() const { return chan_.stats(); }
  /// n elements of the server–client common PRG stream (seed k01; zeros
  /// on the dealer): PRZS input sharing.
  std::vector<uint64_t> przs(size_t n) { return chan_.przs(n); }

  // ---- Correlated randomness (correlated.h: units, who learns what). ----
  /// Uniform value r with both shares from the seeds (0 dealer bytes).
  /// Party: its share; dealer: r itself.
  std::vector<uint64_t> randShared(size_t n) { return corr_.randShared(n); }
  /// Dealer-chosen value v (dealer passes `full`, parties pass {}): party
  /// 1 - corrParty draws its share from its seed, corrParty receives
  /// v - share as a correction (8n dealer bytes). Dealer returns v.
  std::vector<uint64_t> corrShared(size_t n, const std::vector<uint64_t> &full,
                                   int corrParty = 1) {
    return corr_.corrShared(n, full, corrParty);
  }
  /// Uniform value known to `owner` and the dealer only; the other party
  /// gets zeros (and draws nothing).
  std::vector<uint64_t> randPrivate(int owner, size_t n) {
    return corr_.randPrivate(owner, n);
  }
  /// Boolean (XOR) sharing of uniform w-bit lanes, both shares from seeds.
  std::vector<uint64_t> randBool(size_t n, int w) {
    return corr_.randBool(n, w);
  }
  /// XOR-shared dealer-chosen w-bit lanes; correction of ⌈n·w/8⌉ bytes to
  /// corrParty.
  std::vector<uint64_t> corrBool(size_t n, int w,
                                 const std::vector<uint64_t> &full,
                                 int corrParty = 1) {
    return corr_.corrBool(n, w, full, corrParty);
  }
  /// Generic key material of arbitrary size for one party (e.g. FSS keys):
  /// dealer passes the blob, `toParty` receives it; others get {}.
  std::vector<uint8_t> dealerBlob(int toParty, size_t n,
                                  const std::vector<uint8_t> &blob) {
    return corr_.dealerBlob(toParty, n, blob);
  }
  /// dealerBlob without the copy: `toParty` gets a pointer into the current
  /// bundle, valid until endInference(); others get nullptr.
  const uint8_t *dealerBlobView(int toParty, size_t n,
                                const std::vector<uint8_t> &blob) {
    return corr_.dealerBlobView(toParty, n, blob);
  }
  /// PRG for the per-deployment weight mask of weight `weightId` (seed kw,
  /// known to server and dealer only). Throws ProtocolError on the client.
  Prg weightPrg(uint64_t weightId) const { return corr_.weightPrg(weightId); }

  // ---- Bundles and phases (correlated.h). --------------------------------
  /// Server: ask the live dealer for the next bundle (`more`) or end the
  /// session (!more). Client and offline material: no-op.
  void requestBundle(bool more) { corr_.requestBundle(more); }
  /// Dealer: wait for the server's next request; true = make one more
  /// bundle, false = the session ended.
  bool awaitBundleRequest() { return corr_.awaitBundleRequest(); }
  /// Offline material: the lowest bundle index not yet used on this side,
  /// or throws ProtocolError when all are used.
  uint64_t nextOfflineIndex() const { return corr_.nextOfflineIndex(); }
  /// Offline material: claim bundle `index` (renamed to .used) and queue it.
  void loadOfflineBundle(uint64_t index) { corr_.loadOfflineBundle(index); }
  /// True when this party's material comes from `dealer --out` files.
  bool offlineMaterial() const { return corr_.offlineMaterial(); }
  /// The 16-byte id of the offline material this party opened (zeros with
  /// a live dealer); the server checks the client's against its own.
  const Seed &materialId() const { return corr_.materialId(); }
  /// Dealer: send the material recorded since the last call (one bundle per
  /// party; to disk for dealerToDisk). Party: receive and queue `n` bundles
  /// from the live dealer (offline phase; each at most
  /// cfg.transport.maxMessageBytes).
  void dealerFlush() { corr_.dealerFlush(); }
  void receiveOffline(size_t n = 1) { corr_.receiveOffline(n); }
  /// Party: start consuming the next queued bundle (throws if none).
  void beginInference() { corr_.beginInference(); }
  /// Party: check the bundle was consumed exactly (ProtocolError else).
  void endInference() { corr_.endInference(); }
  size_t queuedBundles() const { return corr_.queuedBundles(); }
  /// Dealer: offline bytes recorded for the current bundle (both parties).
  uint64_t pendingOfflineBytes() const { return corr_.pendingOfflineBytes(); }
  /// Party: offline bytes received so far (from the dealer, or read from
  /// offline bundle files).
  uint64_t offlineBytesReceived() const { return corr_.offlineBytesReceived(); }
  /// Offline counters: on the dealer, bytes sent to party p (p = 0, 1);
  /// on a party, its dealer channel (p ignored).
  CommStats dealerStats(int p = 0) const { return corr_.dealerStats(p); }

  /// Test hook: abruptly close every connection of this endpoint.
  void abortConnections();

private:
  friend class DealerService;
  Context(Role r, SessionConfig cfg);
  /// TLS + role check, then hellos on `ch`; returns the peer's role (one of
  /// `allowed`; with TLS, the role its certificate names).
  Role handshake(Channel &ch, bool acceptSide,
                 std::initializer_list<Role> allowed);
  /// Party: connect to the dealer service and name session `sid`, or open
  /// the offline material (seeds read at once).
  void joinDealer(const DealerSource &d, const Seed &sid);

  Role role_;
  SessionConfig cfg_;
  PartyChannel chan_;
  CorrelatedRandomness corr_;
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_CONTEXT_H
