//===- HandshakeFuzzer.cpp - libFuzzer target of frame and hello decoders -===//
//
// The first bytes a peer controls: the 16-byte frame header
// (parseFrameHeader, with and without an expected size) and the 40-byte
// hello (decodeHello + checkHello against this side's session). Every input
// must give a value or a TransportError / ProtocolError; crashes,
// sanitizer reports and leaks are bugs. bench/fuzz_readers.sh runs it.
//
//===----------------------------------------------------------------------===//
#include "mpcvit/runtime/handshake.h"
#include "mpcvit/runtime/transport.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace mpcvit::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 16) {
    for (size_t expected : {size_t(40), SIZE_MAX}) {
      try {
        uint64_t len = parseFrameHeader(data, 0, expected, uint64_t(1) << 20,
                                        "fuzz", "peer");
        if (expected != SIZE_MAX ? len != expected : len > (1u << 20))
          __builtin_trap(); // a length the checks should have refused
      } catch (const TransportError &) {
      }
    }
  }
  std::vector<uint8_t> hello(data, data + size);
  try {
    Hello h = decodeHello(hello, "server");
    SessionConfig cfg;
    checkHello(makeHello(cfg, Role::Server), h, "server", Role::Client);
    // Accepted: it must be byte-for-byte a hello of this session.
    Hello mine = makeHello(cfg, Role::Server);
    mine.role = h.role;
    if (encodeHello(mine) != hello)
      __builtin_trap();
  } catch (const ProtocolError &) {
  }
  return 0;
}
