//===- handshake.h - The hello every connection starts with -----*- C++ -*-===//
//
// After TLS and the role check (tls.h), both ends of every connection
// exchange a 40-byte hello and compare the session parameters they must
// agree on (DESIGN.md §5):
//
//   "MPCVIT\0\1" | u32 protocol version | u32 ring bits | u32 fractional
//   bits | u32 role (0 server, 1 client, 2 dealer) | u32 truncation mode |
//   u64 program hash | u32 comparison mode            (little-endian)
//
// The hello carries nothing secret. decodeHello/checkHello are the decoder
// that runtime/fuzz/HandshakeFuzzer.cpp feeds arbitrary bytes.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_HANDSHAKE_H
#define MPCVIT_RUNTIME_HANDSHAKE_H

#include "mpcvit/runtime/session.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mpcvit::rt {

/// The fields of a hello.
struct Hello {
  uint32_t version = 0, ringBits = 0, fracBits = 0, role = 0, trunc = 0;
  uint64_t programHash = 0;
  uint32_t protocols = 0; ///< ProtocolSuite
};

/// A program hash as every message shows it: 16 hex digits.
std::string hexHash(uint64_t hash);

/// Size of an encoded hello in bytes.
inline constexpr size_t kHelloBytes = 40;

/// This side's hello for session `cfg` and role `role`.
Hello makeHello(const SessionConfig &cfg, Role role);
/// The 40 bytes of `h`.
std::vector<uint8_t> encodeHello(const Hello &h);
/// Decodes a peer's hello. Throws ProtocolError "<who>: handshake: ..." when
/// the size is not kHelloBytes or the magic is wrong.
Hello decodeHello(const std::vector<uint8_t> &got, const std::string &who);
/// Throws ProtocolError "<who>: handshake with <peer>: <field> mismatch
/// (this side a, peer b)" for the first session field (protocol version,
/// ring bits, fractional bits, truncation mode, comparison mode, program
/// hash, in hex) on which the hellos differ. Roles are the caller's check.
void checkHello(const Hello &mine, const Hello &peer, const std::string &who,
                Role peerRole);

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_HANDSHAKE_H
