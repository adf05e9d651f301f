//===- context.h - A party's session: roles, handshake, dealer streams -*- C++
//-*-===//
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
// Correlated randomness is PRG-compressed (PROTOCOLS.md): the dealer shares
// the seed k0 with the server and k1 with the client (AES-CTR, prg.h); both
// shares of a random mask come from the seeds for free, and a correlated
// value (c = a·b, ...) costs one correction of the value's size, sent to one
// party. Offline material for one inference is sent as one framed message
// per party ("bundle"), received by the parties before the online phase.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_CONTEXT_H
#define MPCVIT_RUNTIME_CONTEXT_H

#include "mpcvit/runtime/prg.h"
#include "mpcvit/runtime/ring.h"
#include "mpcvit/runtime/transport.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mpcvit::rt {

enum class Role : int { Server = 0, Client = 1, Dealer = 2 };
const char *roleName(Role r);

/// Truncation protocol used after fixed-point products (trunc.h).
enum class TruncMode : int {
  Local = 0,  ///< SecureML §4.1, 0 bytes, fails w.p. ≈ 2^(k+1-64)
  Dealer = 1, ///< exact-wrap dealer pair, 1 round (trunc.h)
};

/// Backend of the comparison family (DReLU, ReLU, max; compare.h) and of
/// every protocol built on it (softmax family, GeLU, reciprocal, rsqrt,
/// LayerNorm). Part of the handshake.
enum class CompareMode : int {
  A2B = 0, ///< boolean carry tree + B2A: 8 rounds, ≈ 37.6 B/element/party
  DCF = 1, ///< FSS (dcf.h), masked input: 1 round, 8 B/element/party
};
/// Default comparison backend (also the default of every *_cost function
/// that takes a CompareMode). A2B: on one 2-core machine over loopback the
/// DCF's local AES work outweighs its savings (bench/results:
/// DCF sends 36–41% fewer bytes and needs 38–53% fewer rounds per
/// vit_7_4_32 layer but is ≈ 3× slower there, and its keys make the dealer
/// send ≈ 442 MB per layer instead of 10 MB); choose DCF for WAN links
/// (runtime/README.md).
inline constexpr CompareMode kDefaultCompareMode = CompareMode::A2B;
const char *compareModeName(CompareMode m);

/// Parameters both parties and the dealer must agree on (checked by the
/// handshake).
struct SessionConfig {
  int fracBits = kDefaultFracBits;
  TruncMode trunc = TruncMode::Local;
  CompareMode compare = kDefaultCompareMode;
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
  std::string str() const;
};

/// Thrown when the parties and the dealer disagree (handshake mismatch,
/// offline material exhausted or left over, bad shapes from the program).
struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where a party gets its correlated randomness: a live dealer service
/// (host:port) or offline material that `dealer --out DIR` wrote earlier
/// (offlineDir = DIR/server or DIR/client).
struct DealerSource {
  std::string host;
  uint16_t port = 0;
  std::string offlineDir; ///< non-empty: no dealer online
  bool offline() const { return !offlineDir.empty(); }
};

class DealerService;

class Context {
public:
  // ---- Session topology (DESIGN.md §5): the only one, used by the compiled
  // executables, `local`, the tests and the benchmark.
  //   * the dealer is a service (DealerService): the server and the client
  //     of each session connect to it and name their session;
  //   * the server listens for clients; for each client session it opens
  //     its own connection to the dealer;
  //   * the client connects to the server, then to the dealer.
  // Every connection: TLS + role check (Channel::secure, when
  // cfg.transport.tls is set), then the hello (version, ring, fractional
  // bits, truncation, comparison mode, program hash, role). Nothing secret
  // is sent before both checks passed.

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

  // ---- Bundles on demand (live dealer). -------------------------------
  /// Server: ask the dealer for the next bundle (`more`) or end the session
  /// (!more). Client and offline material: no-op.
  void requestBundle(bool more);
  /// Dealer: wait for the server's next request; true = make one more
  /// bundle, false = the session ended.
  bool awaitBundleRequest();
  /// Offline material: the lowest bundle index not yet used on this side
  /// (client), or throws ProtocolError when all are used.
  uint64_t nextOfflineIndex() const;
  /// Offline material: claim bundle `index` (atomically renamed to
  /// .used, so no bundle serves two inferences) and queue it. Throws
  /// ProtocolError when it is missing, used, or not this program's.
  void loadOfflineBundle(uint64_t index);
  /// True when this party's material comes from `dealer --out` files.
  bool offlineMaterial() const { return !offlineDir_.empty(); }
  /// The 16-byte id of the offline material this party opened (zeros with
  /// a live dealer); the server checks the client's against its own.
  const Seed &materialId() const { return materialId_; }

  ~Context();

  Role role() const { return role_; }
  bool isDealer() const { return role_ == Role::Dealer; }
  /// 0 (server) or 1 (client); -1 on the dealer.
  int party() const { return role_ == Role::Dealer ? -1 : int(role_); }
  int frac() const { return cfg_.fracBits; }
  const SessionConfig &config() const { return cfg_; }
  FixedPoint codec() const { return FixedPoint(cfg_.fracBits); }
  int gemmThreads() const;

  // ---- Online communication (party ↔ party). On the dealer these are
  // no-ops: receives return zeros of the expected size. ---------------------
  /// Send `mine` to the peer and receive the peer's vector of the same size
  /// (one round, 8n bytes each way).
  std::vector<uint64_t> exchangeRing(const std::vector<uint64_t> &mine,
                                     const std::string &what);
  /// Exchange byte strings of known sizes (one round).
  std::vector<uint8_t> exchangeBytes(const std::vector<uint8_t> &mine,
                                     size_t peerSize, const std::string &what);
  void sendBytes(const std::vector<uint8_t> &b, const std::string &what);
  std::vector<uint8_t> recvBytes(size_t n, const std::string &what);
  void sendRing(const std::vector<uint64_t> &v, const std::string &what);
  std::vector<uint64_t> recvRing(size_t n, const std::string &what);
  /// Party: offline bytes received so far (from the dealer, or read from
  /// offline bundle files).
  uint64_t offlineBytesReceived() const {
    return dealerCh_.stats().bytesRecv + diskBytes_;
  }
  /// Online counters of the party–party channel (zero on the dealer).
  CommStats peerStats() const;
  /// Offline counters: on the dealer, bytes sent to party p (p = 0, 1);
  /// on a party, its dealer channel (p ignored).
  CommStats dealerStats(int p = 0) const;

  // ---- PRZS input sharing (seed k01) -----------------------------------
  /// n elements of the server–client common PRG stream (parties only).
  std::vector<uint64_t> przs(size_t n);

  // ---- Correlated randomness (dealer-assisted, PRG-compressed) ---------
  /// Uniform value r with both shares from the seeds (0 dealer bytes).
  /// Party: its share; dealer: r itself.
  std::vector<uint64_t> randShared(size_t n);
  /// Dealer-chosen value v (dealer passes `full`, parties pass {}): party
  /// 1 - corrParty draws its share from its seed, corrParty receives
  /// v - share as a correction (8n dealer bytes). Dealer returns v.
  std::vector<uint64_t> corrShared(size_t n, const std::vector<uint64_t> &full,
                                   int corrParty = 1);
  /// Uniform value known to `owner` and the dealer only; the other party
  /// gets zeros (and draws nothing).
  std::vector<uint64_t> randPrivate(int owner, size_t n);
  /// Boolean (XOR) sharing of uniform w-bit lanes, both shares from seeds.
  std::vector<uint64_t> randBool(size_t n, int w);
  /// XOR-shared dealer-chosen w-bit lanes; correction of ⌈n·w/8⌉ bytes to
  /// corrParty.
  std::vector<uint64_t> corrBool(size_t n, int w,
                                 const std::vector<uint64_t> &full,
                                 int corrParty = 1);
  /// Generic key material of arbitrary size for one party (e.g. FSS keys):
  /// dealer passes the blob, `toParty` receives it; others get {}.
  std::vector<uint8_t> dealerBlob(int toParty, size_t n,
                                  const std::vector<uint8_t> &blob);
  /// dealerBlob without the copy (large FSS keys): `toParty` gets a pointer
  /// to the n bytes inside the current bundle, valid until endInference();
  /// the dealer records `blob`; everyone else gets nullptr. Same bundle
  /// layout and counters as dealerBlob; throws ProtocolError likewise.
  const uint8_t *dealerBlobView(int toParty, size_t n,
                                const std::vector<uint8_t> &blob);

  /// PRG for the per-deployment weight mask of weight `weightId` (seed kw,
  /// known to server and dealer only). Throws ProtocolError on the client.
  Prg weightPrg(uint64_t weightId) const;

  // ---- Offline / online phases ------------------------------------------
  /// Dealer: send the material recorded since the last call (one bundle per
  /// party; to disk for dealerToDisk). Party: receive and queue `n` bundles
  /// from the live dealer (offline phase; each at most
  /// cfg.transport.maxMessageBytes).
  void dealerFlush();
  void receiveOffline(size_t n = 1);
  /// Party: start consuming the next queued bundle (throws if none).
  void beginInference();
  /// Party: check the bundle was consumed exactly (ProtocolError else).
  void endInference();
  size_t queuedBundles() const { return bundles_.size(); }
  /// Dealer: offline bytes recorded for the current bundle (both parties).
  uint64_t pendingOfflineBytes() const {
    return out_[0].size() + out_[1].size();
  }

  /// Test hook: abruptly close every connection of this endpoint.
  void abortConnections();

private:
  friend class DealerService;
  Context(Role r, SessionConfig cfg);
  /// TLS + role check, then hellos; returns the peer's role (one of
  /// `allowed`; with TLS, the role its certificate names).
  Role handshake(Channel &ch, bool acceptSide,
                 std::initializer_list<Role> allowed);
  /// Party: connect to the dealer service and name session `sid`, or open
  /// the offline material (seeds read at once).
  void joinDealer(const DealerSource &d, const Seed &sid);
  /// Party with a live dealer: receive its seeds (sent once the dealer has
  /// both parties of the session).
  void recvSeeds();
  void sendSeeds();
  /// Reseeds the dealer streams for bundle `index` (nonce 1 + index), so
  /// every bundle is independent of the others (offline material may be
  /// used in any order).
  void reseedFor(uint64_t index);
  void writeBundleFiles();
  const uint8_t *take(size_t n, const char *what);

  Role role_;
  SessionConfig cfg_;
  Channel peer_;                 // party ↔ party
  Channel dealerCh_;             // party → dealer
  Channel toParty_[2];           // dealer → parties
  std::optional<Prg> przs_;      // k01
  std::optional<Prg> prgDealer_; // party: k_p
  std::optional<Prg> prgP_[2];   // dealer: k0, k1
  Seed kParty_{};                // party: k_p
  Seed kP_[2]{};                 // dealer: k0, k1
  uint64_t nextIndex_ = 0;       // next bundle index (live dealer)
  uint64_t curIndex_ = 0;        // index of the bundle in use
  std::string offlineDir_;       // party reading / dealer writing material
  Seed materialId_{};
  uint64_t diskBytes_ = 0; // offline bundle payload bytes read from files
  Seed kw_{};                    // server + dealer
  std::vector<uint8_t> out_[2];  // dealer: pending corrections
  std::deque<std::pair<uint64_t, std::vector<uint8_t>>> bundles_;
  std::vector<uint8_t> cur_;
  size_t curOff_ = 0;
  bool inInference_ = false;
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
/// dealer), 1 = client. Run the three on three threads (tests, benchmark).
std::unique_ptr<Context> connectSessionRole(int role, const SessionConfig &cfg,
                                            Listener &dealerL,
                                            Listener &serverL);

/// Pack n lanes of w bits (low bits of each word) into ⌈n·w/8⌉ bytes.
std::vector<uint8_t> packBits(const uint64_t *v, size_t n, int w);
/// Inverse of packBits.
std::vector<uint64_t> unpackBits(const uint8_t *p, size_t n, int w);
inline uint64_t laneMask(int w) {
  return w >= 64 ? ~uint64_t(0) : ((uint64_t(1) << w) - 1);
}

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_CONTEXT_H
