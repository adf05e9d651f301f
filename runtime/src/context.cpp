//===- context.cpp - Sessions, handshake, dealer streams ------------------===//
#include "mpcvit/runtime/context.h"

#include "mpcvit/runtime/files.h"
#include "mpcvit/runtime/handshake.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

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

Role Context::handshake(Channel &ch, bool acceptSide,
                        std::initializer_list<Role> allowed) {
  const std::string me = roleName(role_);
  std::vector<std::string> names;
  for (Role r : allowed)
    names.push_back(roleName(r));
  // 1. TLS and the certificate's role (before a single protocol byte).
  std::string certRole = ch.secure(acceptSide, names);
  // 2. The hello: session parameters and the claimed role.
  Hello mine = makeHello(cfg_, role_);
  auto b = encodeHello(mine);
  std::vector<uint8_t> got;
  try {
    got = ch.exchange(b.data(), b.size(), "handshake", b.size());
  } catch (const TransportError &e) {
    if (!ch.isTls())
      throw TransportError(std::string(e.what()) +
                           " (this side runs without TLS: if the " + names[0] +
                           " uses TLS, give --tls-* here too)");
    // TLS 1.3 finishes on this side before the peer has checked our
    // certificate: a peer that refuses it just closes.
    throw TransportError(std::string(e.what()) + " (the " + names[0] +
                         " refused this connection after TLS: does this " +
                         "certificate name the " + me +
                         " role and chain to its CA? see its log)");
  }
  Hello h = decodeHello(got, me);
  bool known = false;
  for (Role r : allowed)
    known = known || h.role == uint32_t(r);
  if (!known) {
    std::string want;
    for (const std::string &n : names)
      want += (want.empty() ? "" : " or ") + n;
    throw ProtocolError(
        me + ": handshake with " + ch.peerName() + ": peer says it is the " +
        (h.role <= 2 ? roleName(Role(h.role)) : "unknown role") +
        ", this link expects the " + want +
        " (check the --server/--dealer/--connect addresses)");
  }
  Role peer = Role(h.role);
  if (!certRole.empty() && certRole != roleName(peer))
    throw ProtocolError(me + ": handshake with " + ch.peerName() +
                        ": peer claims the " + roleName(peer) +
                        " role but its certificate names the " + certRole +
                        ": refused");
  checkHello(mine, h, me, peer);
  return peer;
}

namespace {
/// 16 bytes at `off` of a received message or a file (vector or string).
template <typename Bytes> Seed seedFrom(const Bytes &b, size_t off) {
  Seed s;
  std::memcpy(s.data(), b.data() + off, 16);
  return s;
}
std::string hex(const Seed &s) {
  static const char *d = "0123456789abcdef";
  std::string r;
  for (uint8_t c : s) {
    r += d[c >> 4];
    r += d[c & 15];
  }
  return r;
}
} // namespace

std::unique_ptr<Context>
Context::acceptClient(const SessionConfig &cfg, Channel client,
                      const DealerSource &dealer,
                      const std::function<void()> &admitted) {
  std::unique_ptr<Context> c(new Context(Role::Server, cfg));
  c->peer_ = std::move(client);
  c->handshake(c->peer_, /*acceptSide=*/true, {Role::Client});
  if (admitted)
    admitted();
  // The client names the offline material it uses (zeros: a live dealer).
  auto mat = c->peer_.recv("offline material id", 16);
  Seed sid = randomSeed(), k01 = randomSeed();
  c->joinDealer(dealer, sid); // live: joins the session, seeds come later
  if (std::memcmp(mat.data(), c->materialId_.data(), 16) != 0)
    throw ProtocolError("server: the client's offline material (id " +
                        hex(seedFrom(mat, 0)) + ") is not this server's (id " +
                        hex(c->materialId_) +
                        "; all zeros = a live dealer): refused");
  std::vector<uint8_t> msg(32);
  std::memcpy(msg.data(), sid.data(), 16);
  std::memcpy(msg.data() + 16, k01.data(), 16);
  c->peer_.send(msg.data(), msg.size(), "session id and PRZS seed");
  c->przs_.emplace(k01);
  c->recvSeeds();
  return c;
}

std::unique_ptr<Context> Context::connectClient(const SessionConfig &cfg,
                                                const std::string &serverHost,
                                                uint16_t serverPort,
                                                const DealerSource &dealer) {
  std::unique_ptr<Context> c(new Context(Role::Client, cfg));
  Seed none{};
  if (dealer.offline())
    c->joinDealer(dealer, none); // reads the material id first
  c->peer_ = connectTo(serverHost, serverPort, cfg.transport, "server");
  c->handshake(c->peer_, /*acceptSide=*/false, {Role::Server});
  c->peer_.send(c->materialId_.data(), 16, "offline material id");
  auto msg = c->peer_.recv("session id and PRZS seed", 32);
  c->przs_.emplace(seedFrom(msg, 16));
  if (!dealer.offline()) {
    c->joinDealer(dealer, seedFrom(msg, 0));
    c->recvSeeds();
  }
  return c;
}

// ---- offline material on disk ----------------------------------------------
// DIR/<party>/material.bin: "MPCVMAT1", u64 program hash, u32 party, material
// id (16), seed k_p (16), seed kw (16, zeros for the client), u64 bundle
// count. DIR/<party>/bundle-NNNNNN.bin: "MPCVBND1", u64 program hash, u32
// party, material id (16), u64 index, u64 payload length, payload.

namespace {
constexpr size_t kMaterialBytes = 8 + 8 + 4 + 16 + 16 + 16 + 8;
constexpr size_t kBundleHeader = 8 + 8 + 4 + 16 + 8 + 8;
const char *partyDir(int p) { return p == 0 ? "server" : "client"; }
std::string bundlePath(const std::string &dir, uint64_t i, bool used) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/bundle-%06llu.%s", (unsigned long long)i,
                used ? "used" : "bin");
  return dir + buf;
}
std::string_view bytesOf(const std::vector<uint8_t> &v) {
  return {reinterpret_cast<const char *>(v.data()), v.size()};
}
template <typename T> void put(std::vector<uint8_t> &b, const T &v) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
  b.insert(b.end(), p, p + sizeof(T));
}
template <typename T> T get(const std::string &b, size_t &off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  off += sizeof(T);
  return v;
}
} // namespace

std::unique_ptr<Context> Context::dealerToDisk(const SessionConfig &cfg,
                                               const std::string &dir) {
  std::unique_ptr<Context> c(new Context(Role::Dealer, cfg));
  c->offlineDir_ = dir;
  c->materialId_ = randomSeed();
  ::mkdir(dir.c_str(), 0700);
  for (int p = 0; p < 2; ++p) {
    std::string d = dir + "/" + partyDir(p);
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      throw ProtocolError(d + ": cannot create: " + std::strerror(errno));
    struct stat st;
    if (::stat((d + "/material.bin").c_str(), &st) == 0)
      throw ProtocolError(d + ": already holds offline material (use a new "
                              "directory: material is never overwritten)");
  }
  c->kP_[0] = randomSeed();
  c->kP_[1] = randomSeed();
  c->kw_ = randomSeed();
  c->prgP_[0].emplace(c->kP_[0]);
  c->prgP_[1].emplace(c->kP_[1]);
  for (int p = 0; p < 2; ++p) {
    std::vector<uint8_t> m;
    m.insert(m.end(), {'M', 'P', 'C', 'V', 'M', 'A', 'T', '1'});
    put(m, cfg.programHash);
    put(m, uint32_t(p));
    m.insert(m.end(), c->materialId_.begin(), c->materialId_.end());
    m.insert(m.end(), c->kP_[p].begin(), c->kP_[p].end());
    Seed kw = p == 0 ? c->kw_ : Seed{};
    m.insert(m.end(), kw.begin(), kw.end());
    put(m, uint64_t(0));
    writeFilePrivate(dir + "/" + partyDir(p) + "/material.bin", {bytesOf(m)});
  }
  return c;
}

void Context::writeBundleFiles() {
  for (int p = 0; p < 2; ++p) {
    std::vector<uint8_t> h;
    h.insert(h.end(), {'M', 'P', 'C', 'V', 'B', 'N', 'D', '1'});
    put(h, cfg_.programHash);
    put(h, uint32_t(p));
    h.insert(h.end(), materialId_.begin(), materialId_.end());
    put(h, curIndex_);
    put(h, uint64_t(out_[p].size()));
    writeFilePrivate(
        bundlePath(offlineDir_ + "/" + partyDir(p), curIndex_, false),
        {bytesOf(h), bytesOf(out_[p])});
  }
}

void Context::joinDealer(const DealerSource &d, const Seed &sid) {
  const std::string me = roleName(role_);
  if (d.offline()) {
    offlineDir_ = d.offlineDir;
    std::string path = d.offlineDir + "/material.bin";
    std::string m = readFileBounded(path, kMaterialBytes, "offline material");
    if (m.size() != kMaterialBytes || std::memcmp(m.data(), "MPCVMAT1", 8))
      throw ProtocolError(path + ": not mpcvit offline material");
    size_t off = 8;
    uint64_t hash = get<uint64_t>(m, off);
    uint32_t party = get<uint32_t>(m, off);
    if (hash != cfg_.programHash)
      throw ProtocolError(path + ": material of another program (" +
                          hexHash(hash) + ", this is program " +
                          hexHash(cfg_.programHash) + ")");
    if (party != uint32_t(role_))
      throw ProtocolError(path + ": material of the " +
                          roleName(Role(party % 3)) + ", this is the " + me);
    materialId_ = seedFrom(m, off);
    kParty_ = seedFrom(m, off + 16);
    kw_ = seedFrom(m, off + 32);
    prgDealer_.emplace(kParty_);
    return;
  }
  dealerCh_ = connectTo(d.host, d.port, cfg_.transport, "dealer");
  handshake(dealerCh_, /*acceptSide=*/false, {Role::Dealer});
  dealerCh_.send(sid.data(), sid.size(), "session id");
}

void Context::recvSeeds() {
  if (!offlineDir_.empty())
    return;
  auto seeds = dealerCh_.recv("dealer seeds", role_ == Role::Server ? 32 : 16);
  kParty_ = seedFrom(seeds, 0);
  if (role_ == Role::Server)
    kw_ = seedFrom(seeds, 16);
  prgDealer_.emplace(kParty_);
}

void Context::sendSeeds() {
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

struct DealerService::Pending {
  Channel ch;
  bool taken = false;
};

std::unique_ptr<Context> DealerService::join(Channel ch) {
  std::unique_ptr<Context> c(new Context(Role::Dealer, cfg_));
  Role peer =
      c->handshake(ch, /*acceptSide=*/true, {Role::Server, Role::Client});
  auto sidBytes = ch.recv("session id", 16);
  Seed sid = seedFrom(sidBytes, 0);
  const int me = int(peer), other = 1 - me;
  std::unique_lock<std::mutex> lock(mu_);
  auto it = pending_.find({sid, other});
  if (it != pending_.end()) {
    // This connection completes the pair: take the parked one.
    Pending *p = it->second;
    pending_.erase(it);
    p->taken = true;
    c->toParty_[other] = std::move(p->ch);
    c->toParty_[me] = std::move(ch);
    cv_.notify_all();
    lock.unlock();
    c->sendSeeds();
    return c;
  }
  if (pending_.count({sid, me}))
    throw ProtocolError("dealer: two " + std::string(roleName(peer)) +
                        "s claim session " + hex(sid) + ": refused");
  Pending mine{std::move(ch)};
  pending_[{sid, me}] = &mine;
  bool ok = cv_.wait_for(
      lock, std::chrono::milliseconds(cfg_.transport.connectTimeoutMs),
      [&] { return mine.taken; });
  if (!ok) {
    pending_.erase({sid, me});
    throw ProtocolError("dealer: the " + std::string(roleName(peer)) +
                        " of session " + hex(sid) + " waited " +
                        std::to_string(cfg_.transport.connectTimeoutMs) +
                        " ms for its " + roleName(Role(other)) +
                        " (which never joined)");
  }
  return nullptr;
}

std::unique_ptr<Context> DealerService::acceptSession(Listener &l) {
  std::unique_ptr<Context> result;
  std::exception_ptr err[2];
  std::thread th[2];
  for (int i = 0; i < 2; ++i) {
    Channel ch;
    try {
      ch = l.accept(cfg_.transport, "party");
    } catch (...) {
      err[i] = std::current_exception();
      break;
    }
    th[i] = std::thread(
        [this, i, &result, &err, c = std::make_shared<Channel>(std::move(ch))] {
          try {
            auto ctx = join(std::move(*c));
            if (ctx)
              result = std::move(ctx);
          } catch (...) {
            err[i] = std::current_exception();
          }
        });
  }
  for (auto &t : th)
    if (t.joinable())
      t.join();
  for (auto &e : err)
    if (e)
      std::rethrow_exception(e);
  if (!result)
    throw ProtocolError("dealer: no session formed");
  return result;
}

std::unique_ptr<Context> connectSessionRole(int role, const SessionConfig &cfg,
                                            Listener &dealerL,
                                            Listener &serverL) {
  if (role == 2) {
    DealerService svc(cfg);
    return svc.acceptSession(dealerL);
  }
  DealerSource d{"127.0.0.1", dealerL.port(), ""};
  if (role == 0)
    return Context::acceptClient(cfg, serverL.accept(cfg.transport, "client"),
                                 d);
  return Context::connectClient(cfg, "127.0.0.1", serverL.port(), d);
}

void Context::requestBundle(bool more) {
  if (role_ != Role::Server || !offlineDir_.empty())
    return;
  uint64_t v = more ? 1 : 0;
  dealerCh_.send(&v, 8, more ? "bundle request" : "end of session");
}

bool Context::awaitBundleRequest() {
  if (!isDealer())
    throw ProtocolError("awaitBundleRequest: only the dealer serves bundles");
  auto b = toParty_[0].recv("bundle request", 8);
  uint64_t v;
  std::memcpy(&v, b.data(), 8);
  if (v > 1)
    throw ProtocolError("dealer: malformed bundle request from the server");
  return v == 1;
}

uint64_t Context::nextOfflineIndex() const {
  if (offlineDir_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": no offline material opened");
  for (uint64_t i = 0; i < (uint64_t(1) << 40); ++i) {
    struct stat st;
    if (::stat(bundlePath(offlineDir_, i, false).c_str(), &st) == 0)
      return i;
    if (::stat(bundlePath(offlineDir_, i, true).c_str(), &st) != 0)
      break; // neither unused nor used: past the end
  }
  throw ProtocolError(offlineDir_ +
                      ": every offline bundle has been used (make new "
                      "material with `dealer --out DIR --count N`)");
}

void Context::loadOfflineBundle(uint64_t index) {
  if (offlineDir_.empty() || isDealer())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": no offline material opened");
  std::string from = bundlePath(offlineDir_, index, false),
              to = bundlePath(offlineDir_, index, true);
  // rename() is atomic: of two sessions claiming one bundle, one wins.
  if (::rename(from.c_str(), to.c_str()) != 0) {
    struct stat st;
    if (::stat(to.c_str(), &st) == 0)
      throw ProtocolError(from + ": bundle " + std::to_string(index) +
                          " was already used: refused (a reused bundle "
                          "would reuse masks)");
    throw ProtocolError(from + ": no such offline bundle (" +
                        std::strerror(errno) + ")");
  }
  std::string b = readFileBounded(
      to, kBundleHeader + cfg_.transport.maxMessageBytes, "an offline bundle");
  size_t off = 8;
  if (b.size() < kBundleHeader || std::memcmp(b.data(), "MPCVBND1", 8))
    throw ProtocolError(to + ": not an mpcvit offline bundle");
  uint64_t hash = get<uint64_t>(b, off);
  uint32_t party = get<uint32_t>(b, off);
  Seed mid = seedFrom(b, off);
  off += 16;
  uint64_t idx = get<uint64_t>(b, off), len = get<uint64_t>(b, off);
  if (hash != cfg_.programHash || party != uint32_t(role_) ||
      mid != materialId_ || idx != index || len != b.size() - kBundleHeader)
    throw ProtocolError(to + ": bundle does not belong to this material, "
                             "party, index or program");
  diskBytes_ += len;
  bundles_.emplace_back(
      index, std::vector<uint8_t>(b.begin() + kBundleHeader, b.end()));
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
    if (n) // r.data() of an empty vector may be null
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

void Context::reseedFor(uint64_t index) {
  curIndex_ = index;
  if (isDealer()) {
    for (int p = 0; p < 2; ++p)
      if (prgP_[p])
        prgP_[p].emplace(kP_[p], 1 + index);
  } else if (prgDealer_) {
    prgDealer_.emplace(kParty_, 1 + index);
  }
}

void Context::dealerFlush() {
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

void Context::receiveOffline(size_t n) {
  if (isDealer())
    return;
  if (!offlineDir_.empty())
    throw ProtocolError(std::string(roleName(role_)) +
                        ": offline material comes from disk "
                        "(loadOfflineBundle), not from a dealer");
  for (size_t i = 0; i < n; ++i)
    bundles_.emplace_back(nextIndex_++, dealerCh_.recv("offline bundle"));
}

void Context::beginInference() {
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
