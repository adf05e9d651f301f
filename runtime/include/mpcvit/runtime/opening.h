//===- opening.h - Several masked openings in one exchange ------*- C++ -*-===//
//
// Protocols whose online phase starts by opening a masked value (x + r) can
// be split into an "open" phase (all correlated randomness drawn, this
// party's masked share serialised into an Opening) and a "finish" phase
// (evaluation once the peer's share has arrived): sign_dcf_open /
// sign_dcf_finish (compare.h), lut_open / lutIndexed_open / lut_finish
// (lut.h). exchangeOpenings sends the messages of several such protocols
// in ONE exchange (one round; the bytes add up), so independent openings
// that depend only on the same input cost one round together (gelu.h).
//
// Call order: the open phases in a fixed order on all three roles (they
// draw the correlated randomness), then exchangeOpenings, then the finish
// phases. On the dealer an Opening is empty and nothing is exchanged.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_OPENING_H
#define MPCVIT_RUNTIME_OPENING_H

#include "mpcvit/runtime/context.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mpcvit::rt {

/// One protocol's masked opening: what this party sends, what it expects.
struct Opening {
  std::vector<uint8_t> mine; ///< this party's message (empty on the dealer)
  size_t peerBytes = 0;      ///< size of the peer's message (= mine.size())
  std::vector<uint8_t> peer; ///< the peer's message, after exchangeOpenings
};

/// Exchanges the messages of `ops` concatenated in one round (no round if
/// all are empty) and hands each its part of the peer's message.
inline void exchangeOpenings(Context &ctx, const std::vector<Opening *> &ops,
                             const std::string &what) {
  std::vector<uint8_t> msg;
  size_t peerTotal = 0;
  for (const Opening *o : ops) {
    msg.insert(msg.end(), o->mine.begin(), o->mine.end());
    peerTotal += o->peerBytes;
  }
  if (msg.empty() && peerTotal == 0)
    return;
  const auto got = ctx.exchangeBytes(msg, peerTotal, what);
  size_t off = 0;
  for (Opening *o : ops) {
    o->peer.assign(got.begin() + off, got.begin() + off + o->peerBytes);
    off += o->peerBytes;
  }
}

/// The initializer-list form (a fixed set of protocols, gelu.h).
inline void exchangeOpenings(Context &ctx, std::initializer_list<Opening *> ops,
                             const std::string &what) {
  exchangeOpenings(ctx, std::vector<Opening *>(ops), what);
}

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_OPENING_H
