//===- correlated.h - Dealer streams and offline bundles --------*- C++ -*-===//
//
// Correlated randomness of a session (PROTOCOLS.md "PRG seeds leave one
// correction"), on all three roles:
//
//   * Seeds. The dealer draws k0 (shared with the server), k1 (shared with
//     the client) and kw (server only: per-deployment weight masks) and
//     sends them once per session (or writes them to the offline material).
//     Each party learns its own k_p (and the server kw); the dealer learns
//     no input, weight or output.
//   * Streams. Both shares of a uniform mask come from the seeds for free
//     (AES-128-CTR, prg.h): the dealer expands k0 and k1, party p expands
//     k_p. A dealer-chosen correlated value v (a Beaver product, a key, ...)
//     costs one correction v − share of its size, sent to one party.
//     The streams are reseeded per bundle (nonce 1 + bundle index), so
//     bundles are independent and may be used in any order.
//   * Bundles. The corrections of one inference form one message per party
//     (a "bundle"): the dealer records them (dealerFlush sends them, or
//     writes bundle files for `dealer --out`), the parties queue received
//     bundles (receiveOffline, loadOfflineBundle) and consume exactly one
//     per inference (beginInference / endInference). A short or left-over
//     bundle throws ProtocolError: dealer and parties ran different programs.
//
// On the dealer, the stream calls return *full* values (what the parties'
// shares add or XOR up to); on a party, its share.
//
// Units: dealer bytes are payload bytes of bundles (8 per ring element,
// ⌈n·w/8⌉ per n boolean lanes of w bits); stream draws cost no bytes.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_CORRELATED_H
#define MPCVIT_RUNTIME_CORRELATED_H

#include "mpcvit/runtime/prg.h"
#include "mpcvit/runtime/session.h"
#include "mpcvit/runtime/transport.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mpcvit::rt {

class CorrelatedRandomness {
public:
  CorrelatedRandomness(Role role, const SessionConfig &cfg);

  // ---- Session setup (session_setup.cpp). ------------------------------
  /// Party: the connection to the live dealer (before its handshake).
  Channel &dealerLink() { return dealerCh_; }
  void attachDealer(Channel ch) { dealerCh_ = std::move(ch); }
  /// Dealer: the connections to server (0) and client (1) of one session.
  void attachParties(Channel server, Channel client);
  /// Party with a live dealer: receive k_p (server: and kw), sent once the
  /// dealer has both parties of the session. No-op with offline material.
  void recvSeeds();
  /// Dealer: draw k0, k1, kw and send them to the parties.
  void sendSeeds();

  // ---- Offline material on disk (offline_material.cpp). ----------------
  /// Dealer writing material instead of streaming it: DIR/server and
  /// DIR/client (mode 0700, files 0600), one fresh material id and seeds.
  /// Every dealerFlush() then writes one bundle file per party. Throws
  /// ProtocolError when DIR already holds material.
  void createOfflineMaterial(const std::string &dir);
  /// Party: open DIR/material.bin (`dealer --out`'s DIR/server or
  /// DIR/client) and read the seeds. Throws ProtocolError when it is not
  /// this program's or this party's.
  void openOfflineMaterial(const std::string &dir);
  /// Offline material: the lowest bundle index not yet used on this side,
  /// or throws ProtocolError when all are used.
  uint64_t nextOfflineIndex() const;
  /// Offline material: claim bundle `index` (atomically renamed to .used,
  /// so no bundle serves two inferences) and queue it. Throws ProtocolError
  /// when it is missing, used, or not this program's.
  void loadOfflineBundle(uint64_t index);
  /// True when this side's material comes from (or goes to) files.
  bool offlineMaterial() const { return !offlineDir_.empty(); }
  /// The 16-byte id of the offline material (zeros with a live dealer).
  const Seed &materialId() const { return materialId_; }

  // ---- Bundles on demand (live dealer). -------------------------------
  /// Server: ask the dealer for the next bundle (`more`) or end the session
  /// (!more). Client and offline material: no-op.
  void requestBundle(bool more);
  /// Dealer: wait for the server's next request; true = make one more
  /// bundle, false = the session ended.
  bool awaitBundleRequest();

  // ---- Streams (see the file comment). --------------------------------
  /// Uniform value r with both shares from the seeds (0 dealer bytes).
  /// Party: its share; dealer: r itself.
  std::vector<uint64_t> randShared(size_t n);
  /// Dealer-chosen value v (dealer passes `full`, parties pass {}): party
  /// 1 - corrParty draws its share from its seed, corrParty receives
  /// v - share as a correction (8n dealer bytes). Dealer returns v.
  std::vector<uint64_t> corrShared(size_t n, const std::vector<uint64_t> &full,
                                   int corrParty = 1);
  /// Uniform value known to `owner` and the dealer only; the other party
  /// gets zeros (and draws nothing). 0 dealer bytes.
  std::vector<uint64_t> randPrivate(int owner, size_t n);
  /// Boolean (XOR) sharing of uniform w-bit lanes, both shares from seeds.
  std::vector<uint64_t> randBool(size_t n, int w);
  /// XOR-shared dealer-chosen w-bit lanes; correction of ⌈n·w/8⌉ bytes to
  /// corrParty.
  std::vector<uint64_t> corrBool(size_t n, int w,
                                 const std::vector<uint64_t> &full,
                                 int corrParty = 1);
  /// Key material of arbitrary size for one party (e.g. FSS keys): the
  /// dealer passes the blob, `toParty` receives it (n dealer bytes); the
  /// other party gets {}.
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
  /// party; bundle files with createOfflineMaterial).
  void dealerFlush();
  /// Party: receive and queue `n` bundles from the live dealer (offline
  /// phase; each at most cfg.transport.maxMessageBytes).
  void receiveOffline(size_t n = 1);
  /// Party: start consuming the next queued bundle (throws if none).
  /// Dealer: start recording the next bundle. Both reseed the streams.
  void beginInference();
  /// Party: check the bundle was consumed exactly (ProtocolError else).
  void endInference();
  size_t queuedBundles() const { return bundles_.size(); }
  /// Dealer: offline bytes recorded for the current bundle (both parties).
  uint64_t pendingOfflineBytes() const {
    return out_[0].size() + out_[1].size();
  }

  // ---- Counters ----------------------------------------------------------
  /// Party: offline payload bytes received so far (from the dealer, or read
  /// from bundle files).
  uint64_t offlineBytesReceived() const {
    return dealerCh_.stats().bytesRecv + diskBytes_;
  }
  /// On the dealer, counters of the link to party p (p = 0, 1); on a party,
  /// of its dealer link (p ignored).
  CommStats dealerStats(int p = 0) const;

  /// Test hook: abruptly close the dealer connections.
  void abort();

  // ---- Branches of runLockstep (lockstep.h) -------------------------------
  /// The correlated randomness of one lock-step branch: its own PRG streams
  /// and its own segment of the bundle, so that what a branch draws does
  /// not depend on how the branches interleave (the dealer runs kernels
  /// that skip the online steps, so its interleaving differs).
  struct BranchStreams {
    std::optional<Prg> prg;        ///< party: its stream k_p
    std::optional<Prg> prgP[2];    ///< dealer: the streams k0, k1
    std::vector<uint8_t> out[2];   ///< dealer: corrections per party
    const uint8_t *data = nullptr; ///< party: its bundle segment
    size_t size = 0, off = 0;
  };
  /// At the start of a lock-step call (every role, the same program point):
  /// `k` branch states. Each branch's streams are seeded with 16 bytes
  /// drawn from the calling thread's current streams (k0, k1 on the
  /// dealer; k_p on party p: the same bytes). A party also takes its k
  /// bundle segments now: per branch a u64 length, then that many bytes
  /// (the dealer appends them at joinBranches). Dealer bytes: 8 per branch
  /// per party (rt::lockstep_cost). Throws ProtocolError if the bundle is
  /// short.
  std::vector<std::unique_ptr<BranchStreams>> forkBranches(size_t k);
  /// After every branch finished: the dealer appends, per party, each
  /// branch's corrections as [u64 length][bytes] to the current streams; a
  /// party checks that each branch used its segment exactly (ProtocolError
  /// else: dealer and parties ran different programs).
  void joinBranches(std::vector<std::unique_ptr<BranchStreams>> &branches);
  /// Makes `b` the calling thread's streams (nullptr: back to the parent's)
  /// and returns the previous ones.
  BranchStreams *enterBranch(BranchStreams *b);

private:
  /// The calling thread's lock-step branch of this session (enterBranch),
  /// or nullptr: then the session's own streams and bundle are current.
  BranchStreams *branch() const;
  /// The calling thread's current streams (its branch's, else the
  /// session's).
  Prg &partyPrg();
  Prg &dealerPrg(int p);
  std::vector<uint8_t> &outFor(int p);
  bool isDealer() const { return role_ == Role::Dealer; }
  int party() const { return isDealer() ? -1 : int(role_); }
  /// Reseeds the streams for bundle `index` (nonce 1 + index).
  void reseedFor(uint64_t index);
  void writeBundleFiles();
  /// The next n bytes of the current bundle, or of the calling thread's
  /// branch segment (ProtocolError if short).
  const uint8_t *take(size_t n, const char *what);

  Role role_;
  uint64_t programHash_;
  uint64_t maxBundleBytes_;      // largest bundle accepted from a file
  Channel dealerCh_;             // party → dealer
  Channel toParty_[2];           // dealer → parties
  std::optional<Prg> prgDealer_; // party: k_p
  std::optional<Prg> prgP_[2];   // dealer: k0, k1
  Seed kParty_{};                // party: k_p
  Seed kP_[2]{};                 // dealer: k0, k1
  Seed kw_{};                    // server + dealer
  uint64_t nextIndex_ = 0;       // next bundle index (live dealer)
  uint64_t curIndex_ = 0;        // index of the bundle in use
  std::string offlineDir_;       // party reading / dealer writing material
  Seed materialId_{};
  uint64_t diskBytes_ = 0;      // offline bundle payload bytes read from files
  std::vector<uint8_t> out_[2]; // dealer: pending corrections
  std::deque<std::pair<uint64_t, std::vector<uint8_t>>> bundles_;
  std::vector<uint8_t> cur_;
  size_t curOff_ = 0;
  bool inInference_ = false;
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_CORRELATED_H
