//===- context.cpp - Sessions, handshake, dealer streams ------------------===//
#include "mpcvit/runtime/context.h"

#include <cstring>
#include <thread>

namespace mpcvit::rt {

const char *roleName(Role r) {
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

const char *compareModeName(CompareMode m) {
  return m == CompareMode::DCF ? "dcf" : "a2b";
}

std::string CommCost::str() const {
  return "{server " + std::to_string(bytesServer) + " B, client " +
         std::to_string(bytesClient) + " B, " + std::to_string(rounds) +
         " rounds, dealer " + std::to_string(dealerBytes) + " B}";
}

std::vector<uint8_t> packBits(const uint64_t *v, size_t n, int w) {
  std::vector<uint8_t> out((n * size_t(w) + 7) / 8, 0);
  if (w == 64) {
    std::memcpy(out.data(), v, n * 8);
    return out;
  }
  const uint64_t m = laneMask(w);
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += size_t(w)) {
    uint64_t x = v[i] & m;
    size_t byte = bit >> 3;
    int sh = int(bit & 7);
    // x << sh spans at most w + 7 ≤ 70 bits: write up to 9 bytes.
    unsigned __int128 y = (unsigned __int128)x << sh;
    int nb = (sh + w + 7) / 8;
    for (int b = 0; b < nb; ++b)
      out[byte + b] |= uint8_t(y >> (8 * b));
  }
  return out;
}

std::vector<uint64_t> unpackBits(const uint8_t *p, size_t n, int w) {
  std::vector<uint64_t> out(n);
  if (w == 64) {
    std::memcpy(out.data(), p, n * 8);
    return out;
  }
  const uint64_t m = laneMask(w);
  size_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += size_t(w)) {
    size_t byte = bit >> 3;
    int sh = int(bit & 7);
    int nb = (sh + w + 7) / 8;
    unsigned __int128 y = 0;
    for (int b = 0; b < nb; ++b)
      y |= (unsigned __int128)p[byte + b] << (8 * b);
    out[i] = uint64_t(y >> sh) & m;
  }
  return out;
}

Context::Context(Role r, SessionConfig cfg) : role_(r), cfg_(std::move(cfg)) {
  FixedPoint check(cfg_.fracBits); // validates the range
  (void)check;
}
Context::~Context() = default;

int Context::gemmThreads() const {
  if (cfg_.gemmThreads > 0)
    return cfg_.gemmThreads;
  unsigned h = std::thread::hardware_concurrency();
  return h ? int(h) : 1;
}

namespace {
struct Hello {
  uint32_t version, ringBits, fracBits, role, trunc;
  uint64_t programHash;
  uint32_t compare = 0; // CompareMode, at offset 36
};
std::vector<uint8_t> encodeHello(const Hello &h) {
  std::vector<uint8_t> b(8 + 5 * 4 + 8 + 4);
  std::memcpy(b.data(), "MPCVIT\0\1", 8);
  uint32_t v[5] = {h.version, h.ringBits, h.fracBits, h.role, h.trunc};
  std::memcpy(b.data() + 8, v, sizeof(v));
  std::memcpy(b.data() + 28, &h.programHash, 8);
  std::memcpy(b.data() + 36, &h.compare, 4);
  return b;
}
uint32_t helloCompare(const std::vector<uint8_t> &got) {
  uint32_t c;
  std::memcpy(&c, got.data() + 36, 4);
  return c;
}
constexpr const char *kCompareWhat = "comparison mode (0 = a2b, 1 = dcf)";

/// This side's hello for session `cfg` and role `role`.
Hello makeHello(const SessionConfig &cfg, Role role) {
  Hello h{kProtocolVersion, uint32_t(kRingBits), uint32_t(cfg.fracBits),
          uint32_t(role),   uint32_t(cfg.trunc), cfg.programHash};
  h.compare = uint32_t(cfg.compare);
  return h;
}

/// The peer's hello (encodeHello's layout); `got` has encodeHello's size
/// (the exchange checked it). Throws ProtocolError "<who>: handshake: peer
/// is not an mpcvit runtime" on a wrong magic.
Hello decodeHello(const std::vector<uint8_t> &got, const std::string &who) {
  if (std::memcmp(got.data(), "MPCVIT\0\1", 8) != 0)
    throw ProtocolError(who + ": handshake: peer is not an mpcvit runtime");
  uint32_t v[5];
  std::memcpy(v, got.data() + 8, sizeof(v));
  Hello h{v[0], v[1], v[2], v[3], v[4], 0};
  std::memcpy(&h.programHash, got.data() + 28, 8);
  h.compare = helloCompare(got);
  return h;
}

/// Throws ProtocolError "<who>: handshake with <peer>: <field> mismatch
/// (this side a, peer b)" for the first session field (protocol version,
/// ring bits, fractional bits, truncation mode, comparison mode, program
/// hash) on which the two hellos differ. Roles are checked by the callers.
void checkHello(const Hello &mine, const Hello &peer, const std::string &who,
                Role peerRole) {
  auto fail = [&](const char *what, uint64_t a, uint64_t b) {
    throw ProtocolError(who + ": handshake with " + roleName(peerRole) + ": " +
                        what + " mismatch (this side " + std::to_string(a) +
                        ", peer " + std::to_string(b) + ")");
  };
  if (peer.version != mine.version)
    fail("protocol version", mine.version, peer.version);
  if (peer.ringBits != mine.ringBits)
    fail("ring bits", mine.ringBits, peer.ringBits);
  if (peer.fracBits != mine.fracBits)
    fail("fractional bits", mine.fracBits, peer.fracBits);
  if (peer.trunc != mine.trunc)
    fail("truncation mode", mine.trunc, peer.trunc);
  if (peer.compare != mine.compare)
    fail(kCompareWhat, mine.compare, peer.compare);
  if (peer.programHash != mine.programHash)
    fail("program hash", mine.programHash, peer.programHash);
}
} // namespace

void Context::handshake(Channel &ch, Role peerRole) {
  Hello mine = makeHello(cfg_, role_);
  auto b = encodeHello(mine);
  auto got = ch.exchange(b.data(), b.size(), "handshake", b.size());
  Hello h = decodeHello(got, roleName(role_));
  checkHello(mine, h, roleName(role_), peerRole);
  if (h.role != uint32_t(peerRole))
    throw ProtocolError(std::string(roleName(role_)) +
                        ": handshake: expected " + roleName(peerRole) +
                        ", peer says it is role " + std::to_string(h.role));
}

static Seed seedFrom(const std::vector<uint8_t> &b, size_t off) {
  Seed s;
  std::memcpy(s.data(), b.data() + off, 16);
  return s;
}

std::unique_ptr<Context> Context::server(const SessionConfig &cfg,
                                         Listener &clientListener,
                                         const std::string &dealerHost,
                                         uint16_t dealerPort) {
  std::unique_ptr<Context> c(new Context(Role::Server, cfg));
  c->dealerCh_ = connectTo(dealerHost, dealerPort, cfg.transport, "dealer");
  c->handshake(c->dealerCh_, Role::Dealer);
  auto seeds = c->dealerCh_.recv("dealer seeds", 32);
  c->prgDealer_.emplace(seedFrom(seeds, 0));
  c->kw_ = seedFrom(seeds, 16);
  c->peer_ = clientListener.accept(cfg.transport, "client");
  c->handshake(c->peer_, Role::Client);
  Seed k01 = randomSeed();
  c->peer_.send(k01.data(), k01.size(), "przs seed");
  c->przs_.emplace(k01);
  return c;
}

std::unique_ptr<Context> Context::client(const SessionConfig &cfg,
                                         const std::string &serverHost,
                                         uint16_t serverPort,
                                         const std::string &dealerHost,
                                         uint16_t dealerPort) {
  std::unique_ptr<Context> c(new Context(Role::Client, cfg));
  c->dealerCh_ = connectTo(dealerHost, dealerPort, cfg.transport, "dealer");
  c->handshake(c->dealerCh_, Role::Dealer);
  auto seeds = c->dealerCh_.recv("dealer seeds", 16);
  c->prgDealer_.emplace(seedFrom(seeds, 0));
  c->peer_ = connectTo(serverHost, serverPort, cfg.transport, "server");
  c->handshake(c->peer_, Role::Server);
  auto k01 = c->peer_.recv("przs seed", 16);
  c->przs_.emplace(seedFrom(k01, 0));
  return c;
}

std::unique_ptr<Context> Context::dealer(const SessionConfig &cfg,
                                         Listener &listener) {
  std::unique_ptr<Context> c(new Context(Role::Dealer, cfg));
  for (int i = 0; i < 2; ++i) {
    Channel ch = listener.accept(cfg.transport, "party");
    // Peek the role from the hello: do the exchange by hand.
    Hello mine = makeHello(cfg, Role::Dealer);
    auto b = encodeHello(mine);
    auto got = ch.exchange(b.data(), b.size(), "handshake", b.size());
    Hello h = decodeHello(got, "dealer");
    uint32_t role = h.role;
    if (role > 1)
      throw ProtocolError("dealer: handshake: peer is not an mpcvit party");
    if (c->toParty_[role].isOpen())
      throw ProtocolError(std::string("dealer: two parties claim role ") +
                          roleName(Role(role)));
    checkHello(mine, h, "dealer", Role(role));
    c->toParty_[role] = std::move(ch);
  }
  Seed k0 = randomSeed(), k1 = randomSeed();
  c->kw_ = randomSeed();
  std::vector<uint8_t> s0(32);
  std::memcpy(s0.data(), k0.data(), 16);
  std::memcpy(s0.data() + 16, c->kw_.data(), 16);
  c->toParty_[0].send(s0.data(), s0.size(), "dealer seeds");
  c->toParty_[1].send(k1.data(), 16, "dealer seeds");
  c->prgP_[0].emplace(k0);
  c->prgP_[1].emplace(k1);
  return c;
}

Role Context::handshakeAny(Channel &ch, std::initializer_list<Role> allowed) {
  Hello mine = makeHello(cfg_, role_);
  auto b = encodeHello(mine);
  auto got = ch.exchange(b.data(), b.size(), "handshake", b.size());
  Hello h = decodeHello(got, roleName(role_));
  bool known = false;
  for (Role r : allowed)
    known = known || h.role == uint32_t(r);
  if (!known)
    throw ProtocolError(std::string(roleName(role_)) +
                        ": handshake: unexpected peer role " +
                        std::to_string(h.role));
  Role peer = Role(h.role);
  checkHello(mine, h, roleName(role_), peer);
  return peer;
}

void Context::sendSeeds() {
  Seed k0 = randomSeed(), k1 = randomSeed();
  kw_ = randomSeed();
  std::vector<uint8_t> s0(32);
  std::memcpy(s0.data(), k0.data(), 16);
  std::memcpy(s0.data() + 16, kw_.data(), 16);
  toParty_[0].send(s0.data(), s0.size(), "dealer seeds");
  toParty_[1].send(k1.data(), 16, "dealer seeds");
  prgP_[0].emplace(k0);
  prgP_[1].emplace(k1);
}

std::unique_ptr<Context> Context::serverAccepting(const SessionConfig &cfg,
                                                  Listener &listener) {
  std::unique_ptr<Context> c(new Context(Role::Server, cfg));
  for (int i = 0; i < 2; ++i) {
    Channel ch = listener.accept(cfg.transport, "peer");
    Role peer = c->handshakeAny(ch, {Role::Dealer, Role::Client});
    if (peer == Role::Dealer) {
      if (c->dealerCh_.isOpen())
        throw ProtocolError("server: a second dealer connected");
      c->dealerCh_ = std::move(ch);
      auto seeds = c->dealerCh_.recv("dealer seeds", 32);
      c->prgDealer_.emplace(seedFrom(seeds, 0));
      c->kw_ = seedFrom(seeds, 16);
    } else {
      if (c->peer_.isOpen())
        throw ProtocolError("server: a second client connected");
      c->peer_ = std::move(ch);
      Seed k01 = randomSeed();
      c->peer_.send(k01.data(), k01.size(), "przs seed");
      c->przs_.emplace(k01);
    }
  }
  return c;
}

std::unique_ptr<Context> Context::clientAccepting(const SessionConfig &cfg,
                                                  Listener &dealerListener,
                                                  const std::string &serverHost,
                                                  uint16_t serverPort) {
  std::unique_ptr<Context> c(new Context(Role::Client, cfg));
  c->dealerCh_ = dealerListener.accept(cfg.transport, "dealer");
  c->handshakeAny(c->dealerCh_, {Role::Dealer});
  auto seeds = c->dealerCh_.recv("dealer seeds", 16);
  c->prgDealer_.emplace(seedFrom(seeds, 0));
  c->peer_ = connectTo(serverHost, serverPort, cfg.transport, "server");
  c->handshakeAny(c->peer_, {Role::Server});
  auto k01 = c->peer_.recv("przs seed", 16);
  c->przs_.emplace(seedFrom(k01, 0));
  return c;
}

std::unique_ptr<Context>
Context::dealerConnecting(const SessionConfig &cfg,
                          const std::string &serverHost, uint16_t serverPort,
                          const std::string &clientHost, uint16_t clientPort) {
  std::unique_ptr<Context> c(new Context(Role::Dealer, cfg));
  c->toParty_[0] = connectTo(serverHost, serverPort, cfg.transport, "server");
  c->handshakeAny(c->toParty_[0], {Role::Server});
  c->toParty_[1] = connectTo(clientHost, clientPort, cfg.transport, "client");
  c->handshakeAny(c->toParty_[1], {Role::Client});
  c->sendSeeds();
  return c;
}

void Context::sendControl(int p, const std::vector<uint8_t> &b,
                          const std::string &what) {
  if (isDealer())
    toParty_[p].send(b.data(), b.size(), what);
  else
    dealerCh_.send(b.data(), b.size(), what);
}

std::vector<uint8_t> Context::recvControl(size_t n, const std::string &what) {
  if (isDealer())
    throw ProtocolError("dealer: recvControl is for the parties");
  return dealerCh_.recv(what, n);
}

void Context::abortConnections() {
  peer_.abort();
  dealerCh_.abort();
  toParty_[0].abort();
  toParty_[1].abort();
}

// ---- online communication ------------------------------------------------

std::vector<uint64_t> Context::exchangeRing(const std::vector<uint64_t> &mine,
                                            const std::string &what) {
  if (isDealer())
    return std::vector<uint64_t>(mine.size(), 0);
  auto got =
      peer_.exchange(mine.data(), mine.size() * 8, what, mine.size() * 8);
  std::vector<uint64_t> r(mine.size());
  std::memcpy(r.data(), got.data(), got.size());
  return r;
}
std::vector<uint8_t> Context::exchangeBytes(const std::vector<uint8_t> &mine,
                                            size_t peerSize,
                                            const std::string &what) {
  if (isDealer())
    return std::vector<uint8_t>(peerSize, 0);
  return peer_.exchange(mine.data(), mine.size(), what, peerSize);
}
void Context::sendBytes(const std::vector<uint8_t> &b,
                        const std::string &what) {
  if (!isDealer())
    peer_.send(b.data(), b.size(), what);
}
std::vector<uint8_t> Context::recvBytes(size_t n, const std::string &what) {
  if (isDealer())
    return std::vector<uint8_t>(n, 0);
  return peer_.recv(what, n);
}
void Context::sendRing(const std::vector<uint64_t> &v,
                       const std::string &what) {
  if (!isDealer())
    peer_.send(v.data(), v.size() * 8, what);
}
std::vector<uint64_t> Context::recvRing(size_t n, const std::string &what) {
  std::vector<uint64_t> r(n, 0);
  if (isDealer())
    return r;
  auto got = peer_.recv(what, n * 8);
  std::memcpy(r.data(), got.data(), got.size());
  return r;
}
CommStats Context::peerStats() const {
  return isDealer() ? CommStats{} : peer_.stats();
}
CommStats Context::dealerStats(int p) const {
  if (isDealer())
    return toParty_[p].stats();
  return dealerCh_.stats();
}

std::vector<uint64_t> Context::przs(size_t n) {
  if (isDealer())
    return std::vector<uint64_t>(n, 0);
  return przs_->next(n);
}

// ---- correlated randomness -----------------------------------------------

const uint8_t *Context::take(size_t n, const char *what) {
  if (!inInference_)
    throw ProtocolError(std::string(roleName(role_)) + ": '" + what +
                        "' needs offline material but no inference was begun "
                        "(call receiveOffline() and beginInference())");
  if (curOff_ + n > cur_.size())
    throw ProtocolError(std::string(roleName(role_)) + ": '" + what +
                        "' needs " + std::to_string(n) +
                        " bytes of offline material, only " +
                        std::to_string(cur_.size() - curOff_) +
                        " left: dealer and parties ran different programs");
  const uint8_t *p = cur_.data() + curOff_;
  curOff_ += n;
  return p;
}

std::vector<uint64_t> Context::randShared(size_t n) {
  if (isDealer()) {
    auto a = prgP_[0]->next(n);
    auto b = prgP_[1]->next(n);
    for (size_t i = 0; i < n; ++i)
      a[i] += b[i];
    return a;
  }
  return prgDealer_->next(n);
}

std::vector<uint64_t> Context::corrShared(size_t n,
                                          const std::vector<uint64_t> &full,
                                          int corrParty) {
  if (isDealer()) {
    if (full.size() != n)
      throw ProtocolError("corrShared: dealer value has " +
                          std::to_string(full.size()) + " elements, expected " +
                          std::to_string(n));
    auto s = prgP_[1 - corrParty]->next(n);
    auto &o = out_[corrParty];
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
    std::memcpy(r.data(), take(n * 8, "corrShared"), n * 8);
    return r;
  }
  return prgDealer_->next(n);
}

std::vector<uint64_t> Context::randPrivate(int owner, size_t n) {
  if (isDealer())
    return prgP_[owner]->next(n);
  if (party() == owner)
    return prgDealer_->next(n);
  return std::vector<uint64_t>(n, 0);
}

std::vector<uint64_t> Context::randBool(size_t n, int w) {
  const uint64_t m = laneMask(w);
  std::vector<uint64_t> r;
  if (isDealer()) {
    r = prgP_[0]->next(n);
    auto b = prgP_[1]->next(n);
    for (size_t i = 0; i < n; ++i)
      r[i] ^= b[i];
  } else {
    r = prgDealer_->next(n);
  }
  for (auto &x : r)
    x &= m;
  return r;
}

std::vector<uint64_t> Context::corrBool(size_t n, int w,
                                        const std::vector<uint64_t> &full,
                                        int corrParty) {
  const uint64_t m = laneMask(w);
  const size_t nb = (n * size_t(w) + 7) / 8;
  if (isDealer()) {
    if (full.size() != n)
      throw ProtocolError("corrBool: dealer value has wrong size");
    auto s = prgP_[1 - corrParty]->next(n);
    for (size_t i = 0; i < n; ++i)
      s[i] = (s[i] ^ full[i]) & m;
    auto packed = packBits(s.data(), n, w);
    auto &o = out_[corrParty];
    o.insert(o.end(), packed.begin(), packed.end());
    std::vector<uint64_t> r(full);
    for (auto &x : r)
      x &= m;
    return r;
  }
  if (party() == corrParty)
    return unpackBits(take(nb, "corrBool"), n, w);
  auto r = prgDealer_->next(n);
  for (auto &x : r)
    x &= m;
  return r;
}

std::vector<uint8_t> Context::dealerBlob(int toParty, size_t n,
                                         const std::vector<uint8_t> &blob) {
  if (isDealer()) {
    if (blob.size() != n)
      throw ProtocolError("dealerBlob: blob size mismatch");
    out_[toParty].insert(out_[toParty].end(), blob.begin(), blob.end());
    return blob;
  }
  if (party() != toParty)
    return {};
  const uint8_t *p = take(n, "dealerBlob");
  return std::vector<uint8_t>(p, p + n);
}

const uint8_t *Context::dealerBlobView(int toParty, size_t n,
                                       const std::vector<uint8_t> &blob) {
  if (isDealer()) {
    if (blob.size() != n)
      throw ProtocolError("dealerBlobView: blob size mismatch");
    out_[toParty].insert(out_[toParty].end(), blob.begin(), blob.end());
    return nullptr;
  }
  if (party() != toParty)
    return nullptr;
  return take(n, "dealerBlobView");
}

Prg Context::weightPrg(uint64_t weightId) const {
  if (role_ == Role::Client)
    throw ProtocolError("weightPrg: the client never holds weight masks");
  return Prg(kw_, weightId);
}

// ---- phases -------------------------------------------------------------

void Context::dealerFlush() {
  if (!isDealer())
    throw ProtocolError("dealerFlush: only the dealer sends offline material");
  for (int p = 0; p < 2; ++p) {
    toParty_[p].send(out_[p].data(), out_[p].size(), "offline bundle");
    out_[p].clear();
  }
}

void Context::receiveOffline(size_t n) {
  if (isDealer())
    return;
  for (size_t i = 0; i < n; ++i)
    bundles_.push_back(dealerCh_.recv("offline bundle"));
}

void Context::beginInference() {
  if (isDealer()) {
    inInference_ = true;
    return;
  }
  if (bundles_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": beginInference: no offline bundle left (the "
                        "dealer prepared fewer inferences)");
  cur_ = std::move(bundles_.front());
  bundles_.pop_front();
  curOff_ = 0;
  inInference_ = true;
}

void Context::endInference() {
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
