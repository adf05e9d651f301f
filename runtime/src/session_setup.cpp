//===- session_setup.cpp - Topology and handshake of a session ------------===//
#include "mpcvit/runtime/session_setup.h"

#include "mpcvit/runtime/context.h"
#include "mpcvit/runtime/handshake.h"

#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

namespace mpcvit::rt {

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
        " (check the --connect and --dealer addresses)");
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

std::unique_ptr<Context>
Context::acceptClient(const SessionConfig &cfg, Channel client,
                      const DealerSource &dealer,
                      const std::function<void()> &admitted) {
  std::unique_ptr<Context> c(new Context(Role::Server, cfg));
  c->chan_.attach(std::move(client));
  c->handshake(c->chan_.link(), /*acceptSide=*/true, {Role::Client});
  if (admitted)
    admitted();
  // The client names the offline material it uses (zeros: a live dealer).
  auto mat = c->chan_.link().recv("offline material id", 16);
  Seed sid = randomSeed(), k01 = randomSeed();
  c->joinDealer(dealer, sid); // live: joins the session, seeds come later
  if (std::memcmp(mat.data(), c->corr_.materialId().data(), 16) != 0)
    throw ProtocolError("server: the client's offline material (id " +
                        hex(seedFrom(mat, 0)) + ") is not this server's (id " +
                        hex(c->corr_.materialId()) +
                        "; all zeros = a live dealer): refused");
  std::vector<uint8_t> msg(32);
  std::memcpy(msg.data(), sid.data(), 16);
  std::memcpy(msg.data() + 16, k01.data(), 16);
  c->chan_.link().send(msg.data(), msg.size(), "session id and PRZS seed");
  c->chan_.setPrzsSeed(k01);
  c->corr_.recvSeeds();
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
  c->chan_.attach(connectTo(serverHost, serverPort, cfg.transport, "server"));
  c->handshake(c->chan_.link(), /*acceptSide=*/false, {Role::Server});
  c->chan_.link().send(c->corr_.materialId().data(), 16, "offline material id");
  auto msg = c->chan_.link().recv("session id and PRZS seed", 32);
  c->chan_.setPrzsSeed(seedFrom(msg, 16));
  if (!dealer.offline()) {
    c->joinDealer(dealer, seedFrom(msg, 0));
    c->corr_.recvSeeds();
  }
  return c;
}

std::unique_ptr<Context> Context::dealerToDisk(const SessionConfig &cfg,
                                               const std::string &dir) {
  std::unique_ptr<Context> c(new Context(Role::Dealer, cfg));
  c->corr_.createOfflineMaterial(dir);
  return c;
}

void Context::joinDealer(const DealerSource &d, const Seed &sid) {
  if (d.offline()) {
    corr_.openOfflineMaterial(d.offlineDir);
    return;
  }
  corr_.attachDealer(connectTo(d.host, d.port, cfg_.transport, "dealer"));
  handshake(corr_.dealerLink(), /*acceptSide=*/false, {Role::Dealer});
  corr_.dealerLink().send(sid.data(), sid.size(), "session id");
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
    Channel &server = me == 0 ? ch : p->ch, &client = me == 0 ? p->ch : ch;
    c->corr_.attachParties(std::move(server), std::move(client));
    cv_.notify_all();
    lock.unlock();
    c->corr_.sendSeeds();
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

} // namespace mpcvit::rt
