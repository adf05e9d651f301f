//===- party_channel.cpp - The online server-client link ------------------===//
#include "mpcvit/runtime/party_channel.h"

#include <algorithm>
#include <cstring>

namespace mpcvit::rt {

namespace {
/// The lock-step branch the calling thread runs (lockstep.cpp), if any.
thread_local PartyChannel::ThreadRoute tRoute;

std::vector<uint64_t> toRing(const std::vector<uint8_t> &b, size_t n) {
  std::vector<uint64_t> r(n, 0);
  if (size_t bytes = std::min(b.size(), n * 8)) // data() may be null if 0
    std::memcpy(r.data(), b.data(), bytes);
  return r;
}
} // namespace

PartyChannel::ThreadRoute PartyChannel::setThreadRoute(ThreadRoute r) {
  ThreadRoute old = tRoute;
  tRoute = r;
  return old;
}

std::vector<uint8_t> PartyChannel::step(const Step &s) {
  // Before the dealer's shortcut: the dealer's branches must yield at the
  // same points as the parties' (lockstep.h, determinism).
  if (tRoute.router && tRoute.channel == this)
    return tRoute.router->route(s);
  if (onDealer_)
    return std::vector<uint8_t>(s.recv ? s.inSize : 0, 0);
  if (s.send && s.recv)
    return peer_.exchange(s.out, s.outSize, *s.what, s.inSize);
  if (s.send) {
    peer_.send(s.out, s.outSize, *s.what);
    return {};
  }
  if (s.recv)
    return peer_.recv(*s.what, s.inSize);
  return {};
}

std::vector<uint64_t>
PartyChannel::exchangeRing(const std::vector<uint64_t> &mine,
                           const std::string &what) {
  Step s;
  s.out = reinterpret_cast<const uint8_t *>(mine.data());
  s.outSize = mine.size() * 8;
  s.send = s.recv = true;
  s.inSize = mine.size() * 8;
  s.what = &what;
  return toRing(step(s), mine.size());
}

std::vector<uint8_t>
PartyChannel::exchangeBytes(const std::vector<uint8_t> &mine, size_t peerSize,
                            const std::string &what) {
  Step s;
  s.out = mine.data();
  s.outSize = mine.size();
  s.send = s.recv = true;
  s.inSize = peerSize;
  s.what = &what;
  return step(s);
}

void PartyChannel::sendBytes(const std::vector<uint8_t> &b,
                             const std::string &what) {
  Step s;
  s.out = b.data();
  s.outSize = b.size();
  s.send = true;
  s.what = &what;
  step(s);
}

std::vector<uint8_t> PartyChannel::recvBytes(size_t n,
                                             const std::string &what) {
  Step s;
  s.recv = true;
  s.inSize = n;
  s.what = &what;
  return step(s);
}

void PartyChannel::sendRing(const std::vector<uint64_t> &v,
                            const std::string &what) {
  Step s;
  s.out = reinterpret_cast<const uint8_t *>(v.data());
  s.outSize = v.size() * 8;
  s.send = true;
  s.what = &what;
  step(s);
}

std::vector<uint64_t> PartyChannel::recvRing(size_t n,
                                             const std::string &what) {
  Step s;
  s.recv = true;
  s.inSize = n * 8;
  s.what = &what;
  return toRing(step(s), n);
}

namespace {
/// The calling thread's PRZS stream of `ch`: its lock-step branch's, if
/// any, else `root`.
Prg *currentPrzs(const PartyChannel *ch, std::optional<Prg> &root) {
  if (tRoute.router && tRoute.channel == ch)
    if (Prg *p = tRoute.router->przsStream())
      return p;
  return root ? &*root : nullptr;
}
} // namespace

std::vector<uint64_t> PartyChannel::przs(size_t n) {
  if (onDealer_)
    return std::vector<uint64_t>(n, 0);
  Prg *p = currentPrzs(this, przs_);
  if (!p)
    throw ProtocolError("przs: no server-client seed k01 in this session");
  return p->next(n);
}

std::vector<std::optional<Prg>> PartyChannel::forkPrzs(size_t k) {
  std::vector<std::optional<Prg>> r(k);
  Prg *parent = onDealer_ ? nullptr : currentPrzs(this, przs_);
  if (parent)
    for (auto &child : r) {
      Seed s;
      parent->fillBytes(s.data(), s.size());
      child.emplace(s);
    }
  return r;
}

} // namespace mpcvit::rt
