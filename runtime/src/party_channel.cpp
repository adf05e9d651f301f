//===- party_channel.cpp - The online server-client link ------------------===//
#include "mpcvit/runtime/party_channel.h"

#include <cstring>

namespace mpcvit::rt {

std::vector<uint64_t>
PartyChannel::exchangeRing(const std::vector<uint64_t> &mine,
                           const std::string &what) {
  if (onDealer_)
    return std::vector<uint64_t>(mine.size(), 0);
  auto got =
      peer_.exchange(mine.data(), mine.size() * 8, what, mine.size() * 8);
  std::vector<uint64_t> r(mine.size());
  std::memcpy(r.data(), got.data(), got.size());
  return r;
}

std::vector<uint8_t>
PartyChannel::exchangeBytes(const std::vector<uint8_t> &mine, size_t peerSize,
                            const std::string &what) {
  if (onDealer_)
    return std::vector<uint8_t>(peerSize, 0);
  return peer_.exchange(mine.data(), mine.size(), what, peerSize);
}

void PartyChannel::sendBytes(const std::vector<uint8_t> &b,
                             const std::string &what) {
  if (!onDealer_)
    peer_.send(b.data(), b.size(), what);
}

std::vector<uint8_t> PartyChannel::recvBytes(size_t n,
                                             const std::string &what) {
  if (onDealer_)
    return std::vector<uint8_t>(n, 0);
  return peer_.recv(what, n);
}

void PartyChannel::sendRing(const std::vector<uint64_t> &v,
                            const std::string &what) {
  if (!onDealer_)
    peer_.send(v.data(), v.size() * 8, what);
}

std::vector<uint64_t> PartyChannel::recvRing(size_t n,
                                             const std::string &what) {
  std::vector<uint64_t> r(n, 0);
  if (onDealer_)
    return r;
  auto got = peer_.recv(what, n * 8);
  std::memcpy(r.data(), got.data(), got.size());
  return r;
}

std::vector<uint64_t> PartyChannel::przs(size_t n) {
  if (onDealer_)
    return std::vector<uint64_t>(n, 0);
  return przs_->next(n);
}

} // namespace mpcvit::rt
