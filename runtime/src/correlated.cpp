//===- correlated.cpp - Dealer streams and offline bundles ----------------===//
#include "mpcvit/runtime/correlated.h"

#include "mpcvit/runtime/bitpack.h"

#include <cstring>

namespace mpcvit::rt {

namespace {
/// The lock-step branch streams of the calling thread (forkBranches).
struct ThreadStreams {
  const CorrelatedRandomness *owner = nullptr;
  CorrelatedRandomness::BranchStreams *branch = nullptr;
};
thread_local ThreadStreams tStreams;

/// A child seed: 16 bytes of a stream.
Seed childSeed(Prg &parent) {
  Seed s;
  parent.fillBytes(s.data(), s.size());
  return s;
}

/// 16 bytes at `off` of a received message.
Seed seedAt(const std::vector<uint8_t> &b, size_t off) {
  Seed s;
  std::memcpy(s.data(), b.data() + off, 16);
  return s;
}
} // namespace

CorrelatedRandomness::CorrelatedRandomness(Role role, const SessionConfig &cfg)
    : role_(role), programHash_(cfg.programHash),
      maxBundleBytes_(cfg.transport.maxMessageBytes) {}

void CorrelatedRandomness::attachParties(Channel server, Channel client) {
  toParty_[0] = std::move(server);
  toParty_[1] = std::move(client);
}

void CorrelatedRandomness::recvSeeds() {
  if (!offlineDir_.empty())
    return;
  auto seeds = dealerCh_.recv("dealer seeds", role_ == Role::Server ? 32 : 16);
  kParty_ = seedAt(seeds, 0);
  if (role_ == Role::Server)
    kw_ = seedAt(seeds, 16);
  prgDealer_.emplace(kParty_);
}

void CorrelatedRandomness::sendSeeds() {
  kP_[0] = randomSeed();
  kP_[1] = randomSeed();
  kw_ = randomSeed();
  std::vector<uint8_t> s0(32);
  std::memcpy(s0.data(), kP_[0].data(), 16);
  std::memcpy(s0.data() + 16, kw_.data(), 16);
  toParty_[0].send(s0.data(), s0.size(), "dealer seeds");
  toParty_[1].send(kP_[1].data(), 16, "dealer seeds");
  prgP_[0].emplace(kP_[0]);
  prgP_[1].emplace(kP_[1]);
}

void CorrelatedRandomness::requestBundle(bool more) {
  if (role_ != Role::Server || !offlineDir_.empty())
    return;
  uint64_t v = more ? 1 : 0;
  dealerCh_.send(&v, 8, more ? "bundle request" : "end of session");
}

bool CorrelatedRandomness::awaitBundleRequest() {
  if (!isDealer())
    throw ProtocolError("awaitBundleRequest: only the dealer serves bundles");
  auto b = toParty_[0].recv("bundle request", 8);
  uint64_t v;
  std::memcpy(&v, b.data(), 8);
  if (v > 1)
    throw ProtocolError("dealer: malformed bundle request from the server");
  return v == 1;
}

CommStats CorrelatedRandomness::dealerStats(int p) const {
  if (isDealer())
    return toParty_[p].stats();
  return dealerCh_.stats();
}

void CorrelatedRandomness::abort() {
  dealerCh_.abort();
  toParty_[0].abort();
  toParty_[1].abort();
}

// ---- streams ----------------------------------------------------------------

CorrelatedRandomness::BranchStreams *CorrelatedRandomness::branch() const {
  return tStreams.owner == this ? tStreams.branch : nullptr;
}

Prg &CorrelatedRandomness::partyPrg() {
  BranchStreams *b = branch();
  return b ? *b->prg : *prgDealer_;
}

Prg &CorrelatedRandomness::dealerPrg(int p) {
  BranchStreams *b = branch();
  return b ? *b->prgP[p] : *prgP_[p];
}

std::vector<uint8_t> &CorrelatedRandomness::outFor(int p) {
  BranchStreams *b = branch();
  return b ? b->out[p] : out_[p];
}

const uint8_t *CorrelatedRandomness::take(size_t n, const char *what) {
  BranchStreams *b = branch(); // its segment, else the whole bundle
  if (!b && !inInference_)
    throw ProtocolError(std::string(roleName(role_)) + ": '" + what +
                        "' needs offline material but no inference was begun "
                        "(call receiveOffline() and beginInference())");
  const uint8_t *data = b ? b->data : cur_.data();
  const size_t size = b ? b->size : cur_.size();
  size_t &off = b ? b->off : curOff_;
  // n may come from the bundle itself (a segment length): no overflow.
  if (n > size - off)
    throw ProtocolError(std::string(roleName(role_)) + ": '" + what +
                        "' needs " + std::to_string(n) +
                        " bytes of offline material, only " +
                        std::to_string(size - off) + " left" +
                        (b ? " in its lock-step branch" : "") +
                        ": dealer and parties ran different programs");
  const uint8_t *p = data + off;
  off += n;
  return p;
}

std::vector<uint64_t> CorrelatedRandomness::randShared(size_t n) {
  if (isDealer()) {
    auto a = dealerPrg(0).next(n);
    auto b = dealerPrg(1).next(n);
    for (size_t i = 0; i < n; ++i)
      a[i] += b[i];
    return a;
  }
  return partyPrg().next(n);
}

std::vector<uint64_t>
CorrelatedRandomness::corrShared(size_t n, const std::vector<uint64_t> &full,
                                 int corrParty) {
  if (isDealer()) {
    if (full.size() != n)
      throw ProtocolError("corrShared: dealer value has " +
                          std::to_string(full.size()) + " elements, expected " +
                          std::to_string(n));
    auto s = dealerPrg(1 - corrParty).next(n);
    auto &o = outFor(corrParty);
    size_t off = o.size();
    o.resize(off + n * 8);
    uint64_t *d = reinterpret_cast<uint64_t *>(o.data() + off);
    for (size_t i = 0; i < n; ++i) {
      uint64_t c = full[i] - s[i];
      std::memcpy(d + i, &c, 8);
    }
    return full;
  }
  if (party() == corrParty) {
    std::vector<uint64_t> r(n);
    if (n) // r.data() of an empty vector may be null
      std::memcpy(r.data(), take(n * 8, "corrShared"), n * 8);
    return r;
  }
  return partyPrg().next(n);
}

std::vector<uint64_t> CorrelatedRandomness::randPrivate(int owner, size_t n) {
  if (isDealer())
    return dealerPrg(owner).next(n);
  if (party() == owner)
    return partyPrg().next(n);
  return std::vector<uint64_t>(n, 0);
}

std::vector<uint64_t> CorrelatedRandomness::randBool(size_t n, int w) {
  const uint64_t m = laneMask(w);
  std::vector<uint64_t> r;
  if (isDealer()) {
    r = dealerPrg(0).next(n);
    auto b = dealerPrg(1).next(n);
    for (size_t i = 0; i < n; ++i)
      r[i] ^= b[i];
  } else {
    r = partyPrg().next(n);
  }
  for (auto &x : r)
    x &= m;
  return r;
}

std::vector<uint64_t> CorrelatedRandomness::corrBool(
    size_t n, int w, const std::vector<uint64_t> &full, int corrParty) {
  const uint64_t m = laneMask(w);
  const size_t nb = (n * size_t(w) + 7) / 8;
  if (isDealer()) {
    if (full.size() != n)
      throw ProtocolError("corrBool: dealer value has wrong size");
    auto s = dealerPrg(1 - corrParty).next(n);
    for (size_t i = 0; i < n; ++i)
      s[i] = (s[i] ^ full[i]) & m;
    auto packed = packBits(s.data(), n, w);
    auto &o = outFor(corrParty);
    o.insert(o.end(), packed.begin(), packed.end());
    std::vector<uint64_t> r(full);
    for (auto &x : r)
      x &= m;
    return r;
  }
  if (party() == corrParty)
    return unpackBits(take(nb, "corrBool"), n, w);
  auto r = partyPrg().next(n);
  for (auto &x : r)
    x &= m;
  return r;
}

const uint8_t *
CorrelatedRandomness::dealerBlobView(int toParty, size_t n,
                                     const std::vector<uint8_t> &blob) {
  if (isDealer()) {
    if (blob.size() != n)
      throw ProtocolError("dealerBlobView: blob size mismatch");
    outFor(toParty).insert(outFor(toParty).end(), blob.begin(), blob.end());
    return nullptr;
  }
  if (party() != toParty)
    return nullptr;
  return take(n, "dealerBlobView");
}

std::vector<uint8_t>
CorrelatedRandomness::dealerBlob(int toParty, size_t n,
                                 const std::vector<uint8_t> &blob) {
  const uint8_t *p = dealerBlobView(toParty, n, blob); // the one layout
  if (isDealer())
    return blob;
  return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>{};
}

Prg CorrelatedRandomness::weightPrg(uint64_t weightId) const {
  if (role_ == Role::Client)
    throw ProtocolError("weightPrg: the client never holds weight masks");
  return Prg(kw_, weightId);
}

// ---- lock-step branches -----------------------------------------------------

std::vector<std::unique_ptr<CorrelatedRandomness::BranchStreams>>
CorrelatedRandomness::forkBranches(size_t k) {
  std::vector<std::unique_ptr<BranchStreams>> bs;
  for (size_t i = 0; i < k; ++i) {
    auto b = std::make_unique<BranchStreams>();
    if (isDealer()) {
      for (int p = 0; p < 2; ++p)
        if (prgP_[p])
          b->prgP[p].emplace(childSeed(dealerPrg(p)));
    } else if (prgDealer_) {
      b->prg.emplace(childSeed(partyPrg()));
    }
    bs.push_back(std::move(b));
  }
  if (!isDealer()) // the segments, in branch order
    for (auto &b : bs) {
      uint64_t len;
      std::memcpy(&len, take(8, "lock-step branch"), 8);
      b->data = take(size_t(len), "lock-step branch");
      b->size = size_t(len);
    }
  return bs;
}

void CorrelatedRandomness::joinBranches(
    std::vector<std::unique_ptr<BranchStreams>> &branches) {
  if (isDealer()) {
    for (int p = 0; p < 2; ++p) {
      std::vector<uint8_t> &o = outFor(p);
      for (auto &b : branches) {
        uint64_t len = b->out[p].size();
        const uint8_t *lp = reinterpret_cast<const uint8_t *>(&len);
        o.insert(o.end(), lp, lp + 8);
        o.insert(o.end(), b->out[p].begin(), b->out[p].end());
      }
    }
    return;
  }
  for (size_t i = 0; i < branches.size(); ++i)
    if (branches[i]->off != branches[i]->size)
      throw ProtocolError(std::string(roleName(role_)) + ": lock-step branch " +
                          std::to_string(i) + " left " +
                          std::to_string(branches[i]->size - branches[i]->off) +
                          " bytes of offline material unused: dealer and "
                          "parties ran different programs");
}

CorrelatedRandomness::BranchStreams *
CorrelatedRandomness::enterBranch(BranchStreams *b) {
  BranchStreams *prev = branch();
  tStreams = {this, b};
  return prev;
}

// ---- phases -------------------------------------------------------------

void CorrelatedRandomness::reseedFor(uint64_t index) {
  curIndex_ = index;
  if (isDealer()) {
    for (int p = 0; p < 2; ++p)
      if (prgP_[p])
        prgP_[p].emplace(kP_[p], 1 + index);
  } else if (prgDealer_) {
    prgDealer_.emplace(kParty_, 1 + index);
  }
}

void CorrelatedRandomness::dealerFlush() {
  if (!isDealer())
    throw ProtocolError("dealerFlush: only the dealer sends offline material");
  if (!offlineDir_.empty()) {
    writeBundleFiles();
  } else {
    for (int p = 0; p < 2; ++p)
      toParty_[p].send(out_[p].data(), out_[p].size(), "offline bundle");
  }
  for (int p = 0; p < 2; ++p)
    out_[p].clear();
}

void CorrelatedRandomness::receiveOffline(size_t n) {
  if (isDealer())
    return;
  if (!offlineDir_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": offline material comes from disk "
                        "(loadOfflineBundle), not from a dealer");
  for (size_t i = 0; i < n; ++i)
    bundles_.emplace_back(nextIndex_++, dealerCh_.recv("offline bundle"));
}

void CorrelatedRandomness::beginInference() {
  if (isDealer()) {
    reseedFor(nextIndex_++);
    inInference_ = true;
    return;
  }
  if (bundles_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": beginInference: no offline bundle left (the "
                        "dealer prepared fewer inferences)");
  reseedFor(bundles_.front().first);
  cur_ = std::move(bundles_.front().second);
  bundles_.pop_front();
  curOff_ = 0;
  inInference_ = true;
}

void CorrelatedRandomness::endInference() {
  if (!isDealer() && curOff_ != cur_.size())
    throw ProtocolError(std::string(roleName(role_)) + ": endInference: " +
                        std::to_string(cur_.size() - curOff_) +
                        " bytes of offline material left unused: dealer and "
                        "parties ran different programs");
  inInference_ = false;
  cur_.clear();
  curOff_ = 0;
}

} // namespace mpcvit::rt
