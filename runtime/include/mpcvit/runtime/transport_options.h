//===- transport_options.h - Timeouts and limits of a channel ---*- C++ -*-===//
//
// The per-channel options of transport.h, in a header of their own so that
// session.h (and through it the compiler's cost model) needs neither the
// socket layer nor OpenSSL: TlsContext is only forward-declared here.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_TRANSPORT_OPTIONS_H
#define MPCVIT_RUNTIME_TRANSPORT_OPTIONS_H

#include <cstdint>
#include <memory>

namespace mpcvit::rt {

class TlsContext; // tls.h

/// Timeouts (milliseconds) and limits of a channel.
struct TransportOptions {
  int connectTimeoutMs = 10000; ///< connect / accept / TLS handshake deadline
  /// Base deadline of one send/recv/exchange call (total, not idle time).
  int ioTimeoutMs = 30000;
  /// Slowest transfer rate a message is allowed (bytes per second): a call
  /// moving B bytes must finish within ioTimeoutMs + B / minBytesPerSecond.
  uint64_t minBytesPerSecond = uint64_t(1) << 20;
  /// Largest frame accepted when the caller expects no exact size (offline
  /// bundles): set from the program (ProgramInfo::offlineBytes), never
  /// from the peer.
  uint64_t maxMessageBytes = uint64_t(1) << 30;
  /// Mutual TLS for Channel::secure(); null = plain TCP.
  std::shared_ptr<const TlsContext> tls;
};

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_TRANSPORT_OPTIONS_H
