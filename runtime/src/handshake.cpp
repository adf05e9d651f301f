//===- handshake.cpp - The hello every connection starts with -------------===//
#include "mpcvit/runtime/handshake.h"

#include <cstdio>
#include <cstring>

namespace mpcvit::rt {

namespace {
constexpr char kMagic[8] = {'M', 'P', 'C', 'V', 'I', 'T', '\0', '\1'};
} // namespace

std::string hexHash(uint64_t h) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)h);
  return buf;
}

Hello makeHello(const SessionConfig &cfg, Role role) {
  Hello h;
  h.version = kProtocolVersion;
  h.ringBits = uint32_t(kRingBits);
  h.fracBits = uint32_t(cfg.fracBits);
  h.role = uint32_t(role);
  h.trunc = uint32_t(cfg.trunc);
  h.programHash = cfg.programHash;
  h.protocols = uint32_t(cfg.protocols);
  return h;
}

std::vector<uint8_t> encodeHello(const Hello &h) {
  std::vector<uint8_t> b(kHelloBytes);
  std::memcpy(b.data(), kMagic, 8);
  uint32_t v[5] = {h.version, h.ringBits, h.fracBits, h.role, h.trunc};
  std::memcpy(b.data() + 8, v, sizeof(v));
  std::memcpy(b.data() + 28, &h.programHash, 8);
  std::memcpy(b.data() + 36, &h.protocols, 4);
  return b;
}

Hello decodeHello(const std::vector<uint8_t> &got, const std::string &who) {
  if (got.size() != kHelloBytes)
    throw ProtocolError(who + ": handshake: a hello has " +
                        std::to_string(kHelloBytes) + " bytes, got " +
                        std::to_string(got.size()));
  if (std::memcmp(got.data(), kMagic, 8) != 0)
    throw ProtocolError(who + ": handshake: peer is not an mpcvit runtime");
  uint32_t v[5];
  std::memcpy(v, got.data() + 8, sizeof(v));
  Hello h;
  h.version = v[0];
  h.ringBits = v[1];
  h.fracBits = v[2];
  h.role = v[3];
  h.trunc = v[4];
  std::memcpy(&h.programHash, got.data() + 28, 8);
  std::memcpy(&h.protocols, got.data() + 36, 4);
  return h;
}

void checkHello(const Hello &mine, const Hello &peer, const std::string &who,
                Role peerRole) {
  auto fail = [&](const char *what, const std::string &a,
                  const std::string &b) {
    throw ProtocolError(who + ": handshake with " + roleName(peerRole) + ": " +
                        what + " mismatch (this side " + a + ", peer " + b +
                        ")");
  };
  auto num = [](uint64_t v) { return std::to_string(v); };
  if (peer.version != mine.version)
    fail("protocol version", num(mine.version), num(peer.version));
  if (peer.ringBits != mine.ringBits)
    fail("ring bits", num(mine.ringBits), num(peer.ringBits));
  if (peer.fracBits != mine.fracBits)
    fail("fractional bits", num(mine.fracBits), num(peer.fracBits));
  if (peer.trunc != mine.trunc)
    fail("truncation mode", num(mine.trunc), num(peer.trunc));
  if (peer.protocols != mine.protocols)
    fail("protocol suite (0 = a2b, 1 = fss)", num(mine.protocols),
         num(peer.protocols));
  if (peer.programHash != mine.programHash)
    fail("program hash", hexHash(mine.programHash), hexHash(peer.programHash));
}

} // namespace mpcvit::rt
